/** What the loader's checks share: the diagnostics they collect, where things were declared, and how a path is placed. */
import { z } from 'zod';
import type { AclManifest, AppManifest } from './expand';
import type { ManifestDocument } from './manifest-document';
import type { AclView, AppView } from './read-manifest';
import type { Origin, QuotaSpec, TopicSpec, UserSpec } from './schema';
import type { PathElement, Position } from './yaml-file';
import { explainIssues, type Explained } from './zod-messages';

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface Declaration {
  name: string;
  file: string;
  position: Position;
}

export interface Located<T> {
  value: T;
  src: ManifestDocument;
  path: PathElement[];
}

export class Collector {
  constructor(private readonly prefix: string | undefined) {}
  readonly diagnostics: Diagnostic[] = [];
  readonly topics = new Map<string, Declaration[]>();
  readonly users = new Map<string, Declaration[]>();
  readonly apps = new Map<string, Declaration[]>();
  readonly topicSpecs: TopicSpec[] = [];
  readonly userSpecs: UserSpec[] = [];
  /** Client quotas from `quotas:` lists and from apps' `quotas:`. */
  readonly quotaSpecs: QuotaSpec[] = [];
  readonly acls: Array<Located<AclManifest>> = [];
  readonly appManifests: Array<Located<AppManifest> & { name: string }> = [];
  /** Invalid ACLs and apps, for the checks their valid parts still allow. */
  readonly aclViews: Array<Located<AclView>> = [];
  readonly appViews: Array<Located<AppView> & { name: string }> = [];
  /** A file that did not parse may declare what others reference: then "declared nowhere" would be noise. */
  brokenFiles = 0;

  shown(file: string): string {
    return withPrefix(this.prefix, file);
  }

  where(d: Declaration): string {
    return `${this.shown(d.file)}:${d.position.line}:${d.position.column}`;
  }

  report(file: string, position: Position, message: string): void {
    this.diagnostics.push({ file: this.shown(file), line: position.line, column: position.column, message });
  }

  at(src: ManifestDocument, at: readonly PathElement[], message: string, on: 'key' | 'value' = 'value'): void {
    this.report(src.file, src.locate(at, on), message);
  }
}

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function originOf(src: ManifestDocument, at: readonly PathElement[], on: 'key' | 'value' = 'key'): Origin {
  const { line, column } = src.locate(at, on);
  return { file: src.file, line, column };
}

export function withPrefix(prefix: string | undefined, file: string): string {
  return prefix ? `${prefix.replace(/\/+$/, '')}/${file}` : file;
}

/** Validate one value against a zod schema, reporting every issue at its place; the parsed value when valid. */
export function parseAt<S extends z.ZodType>(
  c: Collector,
  src: ManifestDocument,
  schema: S,
  value: unknown,
  at: PathElement[],
  /** Adds a hint only this caller knows, e.g. that a topic config belongs under `config:`. */
  hint: (e: Explained) => string = () => '',
): z.output<S> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const e of explainIssues(schema, value, result.error.issues, at)) c.at(src, e.path, e.message + hint(e), e.on);
  return undefined;
}

export function declare(into: Map<string, Declaration[]>, name: string, file: string, position: Position): void {
  const list = into.get(name);
  if (list) list.push({ name, file, position });
  else into.set(name, [{ name, file, position }]);
}
