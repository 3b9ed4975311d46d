/** What the loader needs from a parsed YAML file: its value and the way back from a path to a place. */
import type { PathElement, Position, YamlProblem } from './yaml-file';

export interface ManifestDocument {
  readonly file: string;
  readonly text: string;
  /** undefined when the file has problems (then nothing in it is checked further). */
  readonly value: unknown;
  readonly problems: readonly YamlProblem[];
  /** The value (or key) at `path`; for a path not written, the nearest written ancestor's key. */
  locate(path: readonly PathElement[], on?: 'key' | 'value'): Position;
  /** A scalar exactly as written (so longs beyond 2^53 keep their digits). */
  sourceText(path: readonly PathElement[]): string | undefined;
  /** Map keys in written order, with their places. */
  entries(path: readonly PathElement[]): Array<{ key: string; position: Position }>;
}
