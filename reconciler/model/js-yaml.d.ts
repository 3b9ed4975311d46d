// The part of js-yaml 4 the manifest loader uses (no @types package needed for two functions).
declare module 'js-yaml' {
  export interface LoaderState {
    position: number;
    result: unknown;
    kind: string | null;
  }
  export interface LoadOptions {
    filename?: string;
    schema?: unknown;
    json?: boolean;
    listener?: (this: LoaderState, eventType: 'open' | 'close', state: LoaderState) => void;
  }
  export const CORE_SCHEMA: unknown;
  export function load(text: string, options?: LoadOptions): unknown;
}
