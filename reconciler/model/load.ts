/**
 * Manifests in, one desired state out — or every problem at once, each as `file:line:column: message`.
 * `buildDesiredState` is pure (texts in, data out); `loadDesiredState` is the thin shell that reads a directory.
 */
import { readdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import {
  DEFAULT_PROTECTED_TOPICS,
  type AclEntry,
  type DesiredState,
  type Origin,
  type Settings,
  type TopicSpec,
  type UserSpec,
} from './schema';
import {
  AclManifestSchema,
  AclOperationSchema,
  AppConsumeSchema,
  AppProduceSchema,
  PrincipalSchema,
  AppManifestSchema,
  CLUSTER_RESOURCE_NAME,
  ManifestFileSchema,
  SettingsSchema,
  TopicManifestSchema,
  UserManifestSchema,
} from './schema';
import { aclKey } from './keys';
import { expandAcl, expandApp, type AclManifest, type AppManifest } from './expand';
import { checkTopicConfig } from './topic-configs';
import { didYouMean } from './near-names';
import { atPath, explainIssues } from './zod-messages';
import { YamlFile, type PathElement, type Position } from './yaml-file';
import { FastYamlFile } from './fast-yaml-file';
import type { ManifestDocument } from './manifest-document';
import { topicNameProblem, OPERATIONS_BY_RESOURCE } from './names';

export interface ManifestSource {
  /** Relative to the manifests root, '/'-separated. */
  path: string;
  text: string;
}
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}
export interface LoadResult {
  /** null iff there is at least one diagnostic. */
  state: DesiredState | null;
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /**
   * Shown before every file named in a diagnostic (e.g. "desired-state"), so messages point at paths an editor
   * or a CI annotation can open. Origins stay relative to the manifests root.
   */
  displayPrefix?: string;
}

export const SETTINGS_FILES = ['settings.yaml', 'settings.yml'];
const MANIFEST_EXTENSIONS = ['.yaml', '.yml'];

/** `file:line:column: message` (a problem with no position, like an empty directory, is `file: message`). */
export function formatDiagnostic(d: Diagnostic): string {
  return d.line > 0 ? `${d.file}:${d.line}:${d.column}: ${d.message}` : `${d.file}: ${d.message}`;
}

interface Declaration {
  name: string;
  file: string;
  position: Position;
}

interface Located<T> {
  value: T;
  src: ManifestDocument;
  path: PathElement[];
}

class Collector {
  constructor(private readonly prefix: string | undefined) {}
  readonly diagnostics: Diagnostic[] = [];
  readonly topics = new Map<string, Declaration[]>();
  readonly users = new Map<string, Declaration[]>();
  readonly apps = new Map<string, Declaration[]>();
  readonly topicSpecs: TopicSpec[] = [];
  readonly userSpecs: UserSpec[] = [];
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

/** `*` matches any run of characters, anything else is literal (the same globs as plan/scope.ts), compiled once. */
function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (!patterns.length) return () => false;
  const alternatives = patterns.map((p) =>
    p
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*'),
  );
  const regex = new RegExp(`^(?:${alternatives.join('|')})$`, 's');
  return (name) => regex.test(name);
}

const memo = new WeakMap<readonly string[], (name: string) => boolean>();
function matchesAny(patterns: readonly string[], name: string): boolean {
  let matcher = memo.get(patterns);
  if (!matcher) {
    matcher = globMatcher(patterns);
    memo.set(patterns, matcher);
  }
  return matcher(name);
}

/** The fast parser when the file is plain YAML; the `yaml` package (and its messages) for anything else. */
export function openDocument(file: string, text: string): ManifestDocument {
  try {
    return new FastYamlFile(file, text);
  } catch {
    return new YamlFile(file, text);
  }
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function originOf(src: ManifestDocument, at: readonly PathElement[], on: 'key' | 'value' = 'key'): Origin {
  const { line, column } = src.locate(at, on);
  return { file: src.file, line, column };
}

function withPrefix(prefix: string | undefined, file: string): string {
  return prefix ? `${prefix.replace(/\/+$/, '')}/${file}` : file;
}

/** Validate one value against a zod schema, reporting every issue at its place; the parsed value when valid. */
function parseAt<S extends z.ZodType>(
  c: Collector,
  src: ManifestDocument,
  schema: S,
  value: unknown,
  at: PathElement[],
): z.output<S> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const e of explainIssues(schema, value, result.error.issues, at)) c.at(src, e.path, e.message, e.on);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------

function readSettings(
  c: Collector,
  src: ManifestDocument | undefined,
): { settings: Settings; naming: Partial<Record<NamingKind, RegExp>> } {
  const defaults = SettingsSchema.parse({});
  if (!src) return { settings: defaults, naming: {} };
  if (src.problems.length) {
    for (const p of src.problems) c.report(src.file, p, p.message);
    c.brokenFiles++;
    return { settings: defaults, naming: {} };
  }
  const raw = src.value ?? {};
  if (!isPlainMap(raw)) {
    c.at(
      src,
      [],
      `settings must be a map (scope, deletions, protected, naming, policy), got ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}`,
    );
    return { settings: defaults, naming: {} };
  }
  const parsed = parseAt(c, src, SettingsSchema, raw, []);
  const settings = parsed ?? defaults;
  const naming: Partial<Record<NamingKind, RegExp>> = {};
  // Checked on the raw values too, so a typo elsewhere in settings.yaml does not hide these problems.
  const rawNaming = isPlainMap(raw.naming) ? raw.naming : {};
  for (const kind of NAMING_KINDS) {
    const source = rawNaming[kind];
    if (typeof source !== 'string') continue;
    try {
      naming[kind] = new RegExp(source, 'u');
    } catch (error) {
      const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      c.at(src, ['naming', kind], atPath(['naming', kind], `invalid regular expression: ${reason}`));
    }
  }
  for (const list of ['scope', 'protected'] as const) {
    const section = isPlainMap(raw[list]) ? raw[list] : {};
    const globs = (kind: string): Array<[string, number]> =>
      Array.isArray(section[kind])
        ? section[kind].flatMap((glob: unknown, i: number) =>
            typeof glob === 'string' && glob ? [[glob, i] as [string, number]] : [],
          )
        : [];
    for (const [glob, i] of globs('topics')) {
      if (!/^[a-zA-Z0-9._*-]+$/.test(glob)) {
        const at = [list, 'topics', i];
        c.at(
          src,
          at,
          atPath(
            at,
            `${JSON.stringify(glob)} can never match a topic name (letters, digits, ".", "_", "-" and the wildcard "*")`,
          ),
        );
      }
    }
    for (const [glob, i] of globs('principals')) {
      if (!/^[A-Za-z][A-Za-z0-9]*:./.test(glob)) {
        const at = [list, 'principals', i];
        c.at(src, at, atPath(at, `a principal needs its type prefix, e.g. "User:lms-*", got ${JSON.stringify(glob)}`));
      }
    }
  }
  if (!parsed) return { settings, naming: {} };
  return { settings, naming };
}

const NAMING_KINDS = ['topics', 'groups', 'users', 'apps'] as const;
type NamingKind = (typeof NAMING_KINDS)[number];

// ---------------------------------------------------------------------------------------------------------------

const SECTIONS = Object.keys(ManifestFileSchema.shape);

function readManifest(c: Collector, src: ManifestDocument): void {
  if (src.problems.length) {
    for (const p of src.problems) c.report(src.file, p, p.message);
    c.brokenFiles++;
    return;
  }
  const root = src.value;
  if (root === undefined || root === null) return;
  if (!isPlainMap(root)) {
    c.at(
      src,
      [],
      `a manifest is a map with any of ${SECTIONS.join(', ')}, got ${Array.isArray(root) ? 'a list' : JSON.stringify(root)}`,
    );
    return;
  }
  for (const key of Object.keys(root)) {
    if (SECTIONS.includes(key)) continue;
    const settingsHint =
      key in SettingsSchema.shape ? ' (settings belong in settings.yaml at the root of the manifests)' : '';
    c.at(src, [key], `unknown key "${key}"${didYouMean(key, SECTIONS)}${settingsHint}`, 'key');
  }
  const section = (key: string, kind: 'map' | 'list'): boolean => {
    const value = root[key];
    if (value === undefined) return false;
    const ok = kind === 'list' ? Array.isArray(value) : isPlainMap(value);
    if (!ok) {
      const shown =
        value === null
          ? 'nothing'
          : Array.isArray(value)
            ? 'a list'
            : isPlainMap(value)
              ? 'a map'
              : JSON.stringify(value);
      c.at(src, [key], `${key}: must be a ${kind === 'list' ? 'list' : 'map of name → definition'}, got ${shown}`);
    }
    return ok;
  };
  if (section('topics', 'map')) readTopics(c, src, root.topics as Record<string, unknown>);
  if (section('users', 'map')) readUsers(c, src, root.users as Record<string, unknown>);
  if (section('acls', 'list')) readAcls(c, src, root.acls as unknown[]);
  if (section('apps', 'map')) readApps(c, src, root.apps as Record<string, unknown>);
}

function declare(into: Map<string, Declaration[]>, name: string, file: string, position: Position): void {
  const list = into.get(name);
  if (list) list.push({ name, file, position });
  else into.set(name, [{ name, file, position }]);
}

function readTopics(c: Collector, src: ManifestDocument, topics: Record<string, unknown>): void {
  for (const { key: name, position } of src.entries(['topics'])) {
    const at: PathElement[] = ['topics', name];
    declare(c.topics, name, src.file, position);
    const problem = topicNameProblem(name);
    if (problem) c.report(src.file, position, atPath(['topics', name], problem));
    const raw = topics[name];
    const parsed = parseAt(c, src, TopicManifestSchema, raw, at);
    const config: Record<string, string> = {};
    let configOk = true;
    const rawConfig = isPlainMap(raw) ? raw.config : undefined;
    if (isPlainMap(rawConfig)) {
      for (const [key, value] of Object.entries(rawConfig)) {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
        const check = checkTopicConfig(key, value, src.sourceText([...at, 'config', key]));
        if (check.ok) config[key] = check.value;
        else {
          configOk = false;
          const unknownKey = check.message.startsWith('unknown topic config');
          c.at(
            src,
            [...at, 'config', key],
            unknownKey ? atPath([...at, 'config'], check.message) : atPath([...at, 'config', key], check.message),
            unknownKey ? 'key' : 'value',
          );
        }
      }
    }
    const minIsr = config['min.insync.replicas'];
    const rf =
      isPlainMap(raw) && Number.isInteger(raw.replicationFactor) ? (raw.replicationFactor as number) : undefined;
    if (minIsr !== undefined && rf !== undefined && Number(minIsr) > rf) {
      c.at(
        src,
        [...at, 'config', 'min.insync.replicas'],
        atPath(
          [...at, 'config', 'min.insync.replicas'],
          `${minIsr} is greater than replicationFactor ${rf}; acks=all writes would always fail`,
        ),
      );
      continue;
    }
    if (!parsed || !configOk) continue;
    c.topicSpecs.push({
      name,
      partitions: parsed.partitions,
      replicationFactor: parsed.replicationFactor,
      config,
      origin: { file: src.file, ...position },
    });
  }
}

function readUsers(c: Collector, src: ManifestDocument, users: Record<string, unknown>): void {
  for (const { key: name, position } of src.entries(['users'])) {
    declare(c.users, name, src.file, position);
    if (!name.trim() || /[\s,=]/.test(name)) {
      c.report(
        src.file,
        position,
        atPath(['users', name], 'a SCRAM user name cannot be empty or contain spaces, "," or "="'),
      );
    }
    const parsed = parseAt(c, src, UserManifestSchema, users[name], ['users', name]);
    if (!parsed) continue;
    c.userSpecs.push({
      name,
      mechanism: parsed.mechanism,
      password: parsed.password,
      iterations: parsed.iterations,
      origin: { file: src.file, ...position },
    });
  }
}

function readAcls(c: Collector, src: ManifestDocument, acls: unknown[]): void {
  acls.forEach((raw, i) => {
    const at: PathElement[] = ['acls', i];
    const parsed = parseAt(c, src, AclManifestSchema, raw, at);
    if (parsed) c.acls.push({ value: parsed, src, path: at });
    else {
      const view = salvageAcl(raw);
      if (view) c.aclViews.push({ value: view, src, path: at });
    }
  });
}

function readApps(c: Collector, src: ManifestDocument, apps: Record<string, unknown>): void {
  for (const { key: name, position } of src.entries(['apps'])) {
    declare(c.apps, name, src.file, position);
    const parsed = parseAt(c, src, AppManifestSchema, apps[name], ['apps', name]);
    if (parsed) c.appManifests.push({ value: parsed, src, path: ['apps', name], name });
    else {
      const view = salvageApp(apps[name]);
      if (view) c.appViews.push({ value: view, src, path: ['apps', name], name });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

function checkDuplicates(c: Collector, kind: string, declarations: Map<string, Declaration[]>): void {
  for (const [name, list] of declarations) {
    if (list.length < 2) continue;
    const [first, ...others] = list;
    const times = list.length === 2 ? 'twice' : `${list.length} times`;
    c.report(
      first.file,
      first.position,
      `${kind} "${name}" is declared ${times} (also at ${others.map((d) => c.where(d)).join(', ')})`,
    );
  }
}

/** Kafka refuses a topic whose name differs from another's only by '.' versus '_' (they collide in metric names). */
function checkTopicCollisions(c: Collector): void {
  const byMetricName = new Map<string, Declaration[]>();
  for (const [name, list] of c.topics) {
    const metricName = name.replace(/\./g, '_');
    const group = byMetricName.get(metricName);
    if (group) group.push(list[0]);
    else byMetricName.set(metricName, [list[0]]);
  }
  for (const group of byMetricName.values()) {
    if (group.length < 2) continue;
    const [first, ...others] = group;
    for (const other of others) {
      c.report(
        other.file,
        other.position,
        `topic "${other.name}" collides with topic "${first.name}" at ${c.where(first)} (Kafka treats "." and "_" alike in topic names)`,
      );
    }
  }
}

function checkNaming(
  c: Collector,
  naming: Partial<Record<NamingKind, RegExp>>,
  kind: 'topics' | 'users' | 'apps',
  declarations: Map<string, Declaration[]>,
): void {
  const rule = naming[kind];
  if (!rule) return;
  for (const [name, list] of declarations) {
    if (rule.test(name)) continue;
    for (const d of list)
      c.report(
        d.file,
        d.position,
        atPath([kind, name], `name does not match the naming rule ${kind}: /${rule.source}/ in settings.yaml`),
      );
  }
}

function checkScope(c: Collector, settings: Settings): void {
  for (const spec of c.topicSpecs) {
    const o = spec.origin!;
    if (matchesAny(DEFAULT_PROTECTED_TOPICS, spec.name) || matchesAny(settings.protected.topics, spec.name)) {
      c.report(
        o.file,
        o,
        atPath(
          ['topics', spec.name],
          "topic is protected (settings.yaml protected.topics or Kafka's internal topics) and would never be created or changed",
        ),
      );
    } else if (!matchesAny(settings.scope.topics, spec.name)) {
      c.report(
        o.file,
        o,
        atPath(
          ['topics', spec.name],
          `topic is outside settings.yaml scope.topics (${settings.scope.topics.join(', ')}) and would never be created or changed`,
        ),
      );
    }
  }
  for (const spec of c.userSpecs) {
    const o = spec.origin!;
    if (matchesAny(settings.protected.users, spec.name)) {
      c.report(
        o.file,
        o,
        atPath(
          ['users', spec.name],
          'user is protected (settings.yaml protected.users) and would never be created or changed',
        ),
      );
    } else if (!matchesAny(settings.scope.users, spec.name)) {
      c.report(
        o.file,
        o,
        atPath(
          ['users', spec.name],
          `user is outside settings.yaml scope.users (${settings.scope.users.join(', ')}) and would never be created or changed`,
        ),
      );
    }
  }
}

interface References {
  topics: ReadonlySet<string>;
  users: ReadonlySet<string>;
  check: boolean;
  /** "did you mean", within a budget: thousands of bad references against thousands of names must stay fast. */
  suggest(name: string, candidates: ReadonlySet<string>): string;
}

const SUGGESTION_BUDGET = 200_000;

function suggester(): References['suggest'] {
  let spent = 0;
  return (name, candidates) => {
    spent += candidates.size;
    return spent > SUGGESTION_BUDGET ? '' : didYouMean(name, candidates);
  };
}

/**
 * What the cross-file checks read of an ACL or an app. A valid manifest is its own view; an invalid one still
 * yields the parts that are valid, so a typo in one key does not hide an undeclared user in another.
 */
interface AclView {
  principal?: string;
  resource?: AclManifest['resource'];
  operations: AclManifest['operations'];
  host?: string;
  external: boolean;
}
interface AppView {
  user?: string;
  produces: Array<AppManifest['produces'][number] | undefined>;
  consumes: Array<AppManifest['consumes'][number] | undefined>;
}

function salvageAcl(raw: unknown): AclView | undefined {
  if (!isPlainMap(raw)) return undefined;
  const principal = PrincipalSchema.safeParse(raw.principal);
  const resource = AclManifestSchema.shape.resource.safeParse(raw.resource);
  const operations = Array.isArray(raw.operations) ? raw.operations : [];
  return {
    principal: principal.success ? principal.data : undefined,
    resource: resource.success ? resource.data : undefined,
    operations: operations.flatMap((op: unknown) => {
      const parsed = AclOperationSchema.safeParse(op);
      return parsed.success ? [parsed.data] : [];
    }),
    host: typeof raw.host === 'string' && raw.host ? raw.host : undefined,
    external: raw.external === true,
  };
}

function salvageApp(raw: unknown): AppView | undefined {
  if (!isPlainMap(raw)) return undefined;
  const items = <T>(value: unknown, schema: z.ZodType<T>): Array<T | undefined> =>
    Array.isArray(value) ? value.map((item) => schema.safeParse(item).data) : [];
  return {
    user: typeof raw.user === 'string' && raw.user ? raw.user : undefined,
    produces: items(raw.produces, AppProduceSchema),
    consumes: items(raw.consumes, AppConsumeSchema),
  };
}

function checkAcl(
  c: Collector,
  acl: Located<AclView>,
  refs: References,
  settings: Settings,
  naming: Partial<Record<NamingKind, RegExp>>,
): boolean {
  const { value: a, src, path: at } = acl;
  const shown = (sub: PathElement[]) => [...at, ...sub];
  let ok = true;
  const fail = (sub: PathElement[], message: string, on: 'key' | 'value' = 'value') => {
    ok = false;
    c.at(src, shown(sub), atPath(shown(sub), message), on);
  };
  const resource = a.resource;
  const type = resource?.type;
  if (!resource || !type) {
    // nothing to check about the resource: its own error is already reported
  } else if (type === 'cluster') {
    if (resource.name !== undefined && resource.name !== CLUSTER_RESOURCE_NAME) {
      fail(
        ['resource', 'name'],
        `the cluster resource is always named "${CLUSTER_RESOURCE_NAME}" (or leave name out), got ${JSON.stringify(resource.name)}`,
      );
    }
    if (resource.pattern !== 'literal') fail(['resource', 'pattern'], 'the cluster resource is always literal');
  } else if (resource.name === undefined) {
    fail(['resource'], `a ${type} ACL needs resource.name`, 'key');
  }
  const allowed = type ? OPERATIONS_BY_RESOURCE[type] : [];
  a.operations.forEach((operation, i) => {
    if (type && !allowed.includes(operation))
      fail(['operations', i], `${operation} does not apply to a ${type} (allowed: ${allowed.join(', ')})`);
  });
  if (a.host !== undefined && a.host !== '*' && isIP(a.host) === 0)
    fail(['host'], `must be "*" or an IP address (Kafka matches hosts by address), got ${JSON.stringify(a.host)}`);
  const principalUser = a.principal?.startsWith('User:') ? a.principal.slice('User:'.length) : undefined;
  const undeclaredUser =
    refs.check && !a.external && principalUser !== undefined && principalUser !== '*' && !refs.users.has(principalUser);
  if (a.principal === undefined || undeclaredUser) {
    // its own error is reported (or the undeclared user below): one mistake, one message
  } else if (!matchesAny(settings.scope.principals, a.principal)) {
    fail(
      ['principal'],
      `${a.principal} is outside settings.yaml scope.principals (${settings.scope.principals.join(', ')}); this ACL would never be applied`,
    );
  } else if (matchesAny(settings.protected.principals, a.principal)) {
    fail(['principal'], `${a.principal} is protected in settings.yaml; this ACL would never be applied`);
  }
  const name = resource?.name;
  if (
    type === 'group' &&
    name !== undefined &&
    resource?.pattern === 'literal' &&
    naming.groups &&
    !naming.groups.test(name)
  ) {
    fail(
      ['resource', 'name'],
      `group "${name}" does not match the naming rule groups: /${naming.groups.source}/ in settings.yaml`,
    );
  }
  if (refs.check && !a.external) {
    const user = principalUser;
    if (undeclaredUser && user !== undefined) {
      fail(
        ['principal'],
        `user "${user}" is declared nowhere${refs.suggest(user, refs.users)} (declare it under users:, or mark the ACL external: true)`,
      );
    }
    if (
      type === 'topic' &&
      name !== undefined &&
      resource?.pattern === 'literal' &&
      name !== '*' &&
      !refs.topics.has(name)
    ) {
      fail(
        ['resource', 'name'],
        `topic "${name}" is declared nowhere${refs.suggest(name, refs.topics)} (declare it under topics:, or mark the ACL external: true)`,
      );
    }
  }
  return ok;
}

function checkApp(
  c: Collector,
  app: Located<AppView> & { name: string },
  refs: References,
  settings: Settings,
  naming: Partial<Record<NamingKind, RegExp>>,
): boolean {
  const { value: a, src, path: at } = app;
  let ok = true;
  const fail = (sub: PathElement[], message: string) => {
    ok = false;
    c.at(src, [...at, ...sub], atPath([...at, ...sub], message));
  };
  const principal = a.user === undefined ? undefined : `User:${a.user}`;
  const undeclared = refs.check && a.user !== undefined && !refs.users.has(a.user);
  // An undeclared user is one mistake: say that, not also that it is out of scope.
  if (principal !== undefined && !undeclared && !matchesAny(settings.scope.principals, principal)) {
    fail(
      ['user'],
      `${principal} is outside settings.yaml scope.principals (${settings.scope.principals.join(', ')}); its ACLs would never be applied`,
    );
  }
  if (undeclared && a.user !== undefined)
    fail(['user'], `user "${a.user}" is declared nowhere${refs.suggest(a.user, refs.users)} (declare it under users:)`);
  a.produces.forEach((produce, i) => {
    if (produce === undefined) return;
    const topic = typeof produce === 'string' ? produce : produce.topic;
    const literal = typeof produce === 'string' || produce.pattern === 'literal';
    if (refs.check && literal && !refs.topics.has(topic)) {
      fail(
        typeof produce === 'string' ? ['produces', i] : ['produces', i, 'topic'],
        `topic "${topic}" is declared nowhere${refs.suggest(topic, refs.topics)}`,
      );
    }
  });
  a.consumes.forEach((consume, i) => {
    if (consume === undefined) return;
    if (refs.check && consume.pattern === 'literal' && !refs.topics.has(consume.topic)) {
      fail(
        ['consumes', i, 'topic'],
        `topic "${consume.topic}" is declared nowhere${refs.suggest(consume.topic, refs.topics)}`,
      );
    }
    if (naming.groups && !naming.groups.test(consume.group)) {
      fail(
        ['consumes', i, 'group'],
        `group "${consume.group}" does not match the naming rule groups: /${naming.groups.source}/ in settings.yaml`,
      );
    }
  });
  return ok;
}

function appOrigins(src: ManifestDocument, at: PathElement[], a: AppManifest) {
  return {
    app: originOf(src, at, 'key'),
    produces: a.produces.map((_, i) => originOf(src, [...at, 'produces', i], 'value')),
    consumes: a.consumes.map((_, i) => originOf(src, [...at, 'consumes', i], 'value')),
    transactionalIds: a.transactionalIds.map((_, i) => originOf(src, [...at, 'transactionalIds', i], 'value')),
  };
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.column !== b.column) return a.column - b.column;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Pure: every manifest text in, the merged, expanded, validated desired state out (or every problem in it). */
export function buildDesiredState(files: ManifestSource[], options: LoadOptions = {}): LoadResult {
  const c = new Collector(options.displayPrefix);
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const settingsFiles = sorted.filter((f) => SETTINGS_FILES.includes(f.path));
  const manifests = sorted.filter((f) => !SETTINGS_FILES.includes(f.path));
  if (settingsFiles.length > 1) {
    c.report(
      settingsFiles[1].path,
      { line: 1, column: 1 },
      `only one settings file is allowed (also ${settingsFiles[0].path})`,
    );
  }
  const settingsSrc = settingsFiles.length ? openDocument(settingsFiles[0].path, settingsFiles[0].text) : undefined;
  const { settings, naming } = readSettings(c, settingsSrc);
  if (!manifests.length) {
    const root = options.displayPrefix || '.';
    c.diagnostics.push({ file: root, line: 0, column: 0, message: `no manifests found in ${root}` });
  }
  for (const file of manifests) readManifest(c, openDocument(file.path, file.text));

  checkDuplicates(c, 'topic', c.topics);
  checkDuplicates(c, 'user', c.users);
  checkDuplicates(c, 'app', c.apps);
  checkTopicCollisions(c);
  checkNaming(c, naming, 'topics', c.topics);
  checkNaming(c, naming, 'users', c.users);
  checkNaming(c, naming, 'apps', c.apps);
  checkScope(c, settings);

  const refs: References = {
    topics: new Set(c.topics.keys()),
    users: new Set(c.users.keys()),
    check: c.brokenFiles === 0,
    suggest: suggester(),
  };
  const acls = new Map<string, AclEntry>();
  const add = (entries: AclEntry[]) => {
    for (const entry of entries) {
      const key = aclKey(entry);
      if (!acls.has(key)) acls.set(key, entry);
    }
  };
  for (const acl of c.acls) {
    if (checkAcl(c, acl, refs, settings, naming)) add(expandAcl(acl.value, originOf(acl.src, acl.path, 'value')));
  }
  for (const acl of c.aclViews) checkAcl(c, acl, refs, settings, naming);
  for (const app of c.appViews) checkApp(c, app, refs, settings, naming);
  for (const app of c.appManifests) {
    if (checkApp(c, app, refs, settings, naming))
      add(expandApp(app.name, app.value, appOrigins(app.src, app.path, app.value)));
  }

  if (c.diagnostics.length) {
    const seen = new Set<string>();
    const diagnostics = c.diagnostics.sort(compareDiagnostics).filter((d) => {
      const key = formatDiagnostic(d);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return { state: null, diagnostics };
  }
  const keys = [...acls.keys()].sort();
  return {
    state: {
      topics: c.topicSpecs.sort(byName),
      users: c.userSpecs.sort(byName),
      acls: keys.map((key) => acls.get(key)!),
      settings,
    },
    diagnostics: [],
  };
}

/** Every *.yaml / *.yml under `dir` (skipping dot-folders and node_modules), '/'-separated and relative to `dir`. */
async function listManifestFiles(dir: string, sub = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, sub), { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      out.push(...(await listManifestFiles(dir, rel)));
    } else if (entry.isFile() && MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      out.push(rel);
    }
  }
  return out;
}

/** Reads every manifest under `dir` and builds the desired state. Never throws for a bad directory: it reports it. */
export async function loadDesiredState(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const shown = options.displayPrefix === undefined ? dir : options.displayPrefix || '.';
  let names: string[];
  try {
    names = await listManifestFiles(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return {
      state: null,
      diagnostics: [{ file: shown, line: 0, column: 0, message: `cannot read the manifests directory (${code})` }],
    };
  }
  if (!names.some((name) => !SETTINGS_FILES.includes(name))) {
    return {
      state: null,
      diagnostics: [{ file: shown, line: 0, column: 0, message: `no manifests found in ${shown}` }],
    };
  }
  const files: ManifestSource[] = [];
  const unreadable: Diagnostic[] = [];
  await Promise.all(
    names.map(async (name) => {
      try {
        files.push({ path: name, text: await readFile(path.join(dir, name), 'utf8') });
      } catch (error) {
        unreadable.push({
          file: withPrefix(options.displayPrefix, name),
          line: 0,
          column: 0,
          message: `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        });
      }
    }),
  );
  const result = buildDesiredState(files, options);
  if (!unreadable.length) return result;
  return { state: null, diagnostics: [...unreadable, ...result.diagnostics].sort(compareDiagnostics) };
}
