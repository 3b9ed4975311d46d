/** One manifest file's topics, users, ACLs and apps: each item checked on its own, every problem at its place. */
import { z } from 'zod';
import {
  AclManifestSchema,
  AclOperationSchema,
  AppConsumeSchema,
  AppManifestSchema,
  AppProduceSchema,
  EnvironmentFileSchema,
  ManifestFileSchema,
  QUOTA_KEYS,
  QuotaManifestSchema,
  PrincipalSchema,
  SettingsSchema,
  TopicManifestSchema,
  TopicOverrideSchema,
  UserManifestSchema,
  type QuotaValues,
} from './schema';
import { declare, isPlainMap, originOf, parseAt, type Collector } from './collector';
import type { AclManifest, AppManifest } from './expand';
import type { ManifestDocument } from './manifest-document';
import { topicNameProblem } from './names';
import { didYouMean } from './near-names';
import { checkTopicConfig, TOPIC_CONFIGS } from './topic-configs';
import type { PathElement, Position } from './yaml-file';
import { atPath, type Explained } from './zod-messages';

export const SECTIONS = Object.keys(ManifestFileSchema.shape);

export function readManifest(c: Collector, src: ManifestDocument): void {
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
  if (section('quotas', 'list')) readQuotas(c, src, root.quotas as unknown[]);
}

export function readTopics(c: Collector, src: ManifestDocument, topics: Record<string, unknown>): void {
  for (const { key: name, position } of src.entries(['topics'])) readTopic(c, src, name, position, topics[name]);
}

/** A topic's `config:` map, each key checked at its place; `ok` is false when any key or value is wrong. */
function readTopicConfig(
  c: Collector,
  src: ManifestDocument,
  at: PathElement[],
  raw: unknown,
): { config: Record<string, string>; ok: boolean } {
  const config: Record<string, string> = {};
  let ok = true;
  const rawConfig = isPlainMap(raw) ? raw.config : undefined;
  if (isPlainMap(rawConfig)) {
    for (const [key, value] of Object.entries(rawConfig)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
      const check = checkTopicConfig(key, value, src.sourceText([...at, 'config', key]));
      if (check.ok) config[key] = check.value;
      else {
        ok = false;
        const unknownKey = check.unknown === true;
        c.at(
          src,
          [...at, 'config', key],
          unknownKey ? atPath([...at, 'config'], check.message) : atPath([...at, 'config', key], check.message),
          unknownKey ? 'key' : 'value',
        );
      }
    }
  }
  return { config, ok };
}

const configHint = (at: PathElement[]) => (e: Explained) => {
  const key = e.path.length === at.length + 1 ? e.path[at.length] : undefined;
  return e.on === 'key' && typeof key === 'string' && key in TOPIC_CONFIGS ? ' (topic configs go under config:)' : '';
};

function readTopic(c: Collector, src: ManifestDocument, name: string, position: Position, raw: unknown): void {
  const at: PathElement[] = ['topics', name];
  declare(c.topics, name, src.file, position);
  const problem = topicNameProblem(name);
  if (problem) c.report(src.file, position, atPath(['topics', name], problem));
  const parsed = parseAt(c, src, TopicManifestSchema, raw, at, configHint(at));
  const { config, ok: configOk } = readTopicConfig(c, src, at, raw);
  const minIsr = config['min.insync.replicas'];
  const rf = isPlainMap(raw) && Number.isInteger(raw.replicationFactor) ? (raw.replicationFactor as number) : undefined;
  if (minIsr !== undefined && rf !== undefined && Number(minIsr) > rf) {
    c.at(
      src,
      [...at, 'config', 'min.insync.replicas'],
      atPath(
        [...at, 'config', 'min.insync.replicas'],
        `${minIsr} is greater than replicationFactor ${rf}; acks=all writes would always fail`,
      ),
    );
    return;
  }
  if (!parsed || !configOk) return;
  c.topicSpecs.push({
    name,
    partitions: parsed.partitions,
    replicationFactor: parsed.replicationFactor,
    config,
    origin: { file: src.file, ...position },
  });
}

/**
 * `environments/<name>.yaml`, read after the shared manifests: a shared topic's fields are replaced by the ones
 * given here (config key by key), a topic the shared manifests do not declare is declared here in full, and users,
 * ACLs and apps are added. Every problem is reported in the file that set the value.
 */
export function readEnvironmentFile(c: Collector, src: ManifestDocument, environment: string): void {
  if (src.problems.length) {
    for (const p of src.problems) c.report(src.file, p, p.message);
    c.brokenFiles++;
    return;
  }
  const root = src.value;
  if (root === undefined || root === null) return;
  if (!isPlainMap(root)) {
    c.at(src, [], `an environment file is a map with any of ${ENVIRONMENT_SECTIONS.join(', ')}`);
    return;
  }
  for (const key of Object.keys(root)) {
    if (ENVIRONMENT_SECTIONS.includes(key)) continue;
    c.at(src, [key], `unknown key "${key}"${didYouMean(key, ENVIRONMENT_SECTIONS)}`, 'key');
  }
  const shared = new Set(c.topics.keys());
  if (isPlainMap(root.topics)) {
    const topics = root.topics;
    for (const { key: name, position } of src.entries(['topics'])) {
      if (shared.has(name)) overrideTopic(c, src, name, position, topics[name], environment);
      else readTopic(c, src, name, position, topics[name]);
    }
  } else if (root.topics !== undefined) c.at(src, ['topics'], 'topics: must be a map of name → definition');
  if (isPlainMap(root.users)) readUsers(c, src, root.users);
  else if (root.users !== undefined) c.at(src, ['users'], 'users: must be a map of name → definition');
  if (Array.isArray(root.acls)) readAcls(c, src, root.acls);
  else if (root.acls !== undefined) c.at(src, ['acls'], 'acls: must be a list');
  if (isPlainMap(root.apps)) readApps(c, src, root.apps);
  else if (root.apps !== undefined) c.at(src, ['apps'], 'apps: must be a map of name → definition');
}

export const ENVIRONMENT_SECTIONS = Object.keys(EnvironmentFileSchema.shape);

function overrideTopic(
  c: Collector,
  src: ManifestDocument,
  name: string,
  position: Position,
  raw: unknown,
  environment: string,
): void {
  const at: PathElement[] = ['topics', name];
  const parsed = parseAt(c, src, TopicOverrideSchema, raw ?? {}, at, configHint(at));
  const { config, ok } = readTopicConfig(c, src, at, raw);
  const spec = c.topicSpecs.find((topic) => topic.name === name);
  if (!parsed || !ok || !spec) return;
  const merged = {
    ...spec,
    partitions: parsed.partitions ?? spec.partitions,
    replicationFactor: parsed.replicationFactor ?? spec.replicationFactor,
    config: { ...spec.config, ...config },
    origin: {
      file: src.file,
      ...position,
      via: `environment ${environment} over ${spec.origin ? `${spec.origin.file}:${spec.origin.line}:${spec.origin.column}` : 'the shared manifests'}`,
    },
  };
  const minIsr = merged.config['min.insync.replicas'];
  if (minIsr !== undefined && Number(minIsr) > merged.replicationFactor) {
    // The override set one side of the conflict: that is where it is reported.
    const place: PathElement[] =
      config['min.insync.replicas'] !== undefined
        ? [...at, 'config', 'min.insync.replicas']
        : [...at, 'replicationFactor'];
    c.at(
      src,
      place,
      atPath(
        place,
        `min.insync.replicas ${minIsr} is greater than replicationFactor ${merged.replicationFactor}; acks=all writes would always fail`,
      ),
    );
    return;
  }
  c.topicSpecs[c.topicSpecs.indexOf(spec)] = merged;
}

export function readUsers(c: Collector, src: ManifestDocument, users: Record<string, unknown>): void {
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

export function readAcls(c: Collector, src: ManifestDocument, acls: unknown[]): void {
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

export function readApps(c: Collector, src: ManifestDocument, apps: Record<string, unknown>): void {
  for (const { key: name, position } of src.entries(['apps'])) {
    declare(c.apps, name, src.file, position);
    const parsed = parseAt(c, src, AppManifestSchema, apps[name], ['apps', name]);
    if (parsed) c.appManifests.push({ value: parsed, src, path: ['apps', name], name });
    if (parsed?.quotas) {
      const origin = { ...originOf(src, ['apps', name, 'quotas'], 'key'), via: `app ${name}` };
      c.quotaSpecs.push({ user: parsed.user, values: quotaValues(parsed.quotas), origin });
    } else {
      const view = salvageApp(apps[name]);
      if (view) c.appViews.push({ value: view, src, path: ['apps', name], name });
    }
  }
}

/** The rates a quota block sets, in the order of QUOTA_KEYS. */
function quotaValues(rates: Partial<Record<(typeof QUOTA_KEYS)[number], number | undefined>>): QuotaValues {
  const values: QuotaValues = {};
  for (const key of QUOTA_KEYS) if (rates[key] !== undefined) values[key] = rates[key];
  return values;
}

export function readQuotas(c: Collector, src: ManifestDocument, quotas: unknown[]): void {
  quotas.forEach((raw, i) => {
    const at: PathElement[] = ['quotas', i];
    const parsed = parseAt(c, src, QuotaManifestSchema, raw, at);
    if (!parsed) return;
    c.quotaSpecs.push({
      ...(parsed.user !== undefined ? { user: parsed.user } : {}),
      ...(parsed.clientId !== undefined ? { clientId: parsed.clientId } : {}),
      values: quotaValues(parsed),
      origin: originOf(src, at, 'value'),
    });
  });
}

/**
 * What the cross-file checks read of an ACL or an app. A valid manifest is its own view; an invalid one still
 * yields the parts that are valid, so a typo in one key does not hide an undeclared user in another.
 */
export interface AclView {
  principal?: string;
  resource?: AclManifest['resource'];
  operations: AclManifest['operations'];
  host?: string;
  external: boolean;
}

export interface AppView {
  user?: string;
  produces: Array<AppManifest['produces'][number] | undefined>;
  consumes: Array<AppManifest['consumes'][number] | undefined>;
}

export function salvageAcl(raw: unknown): AclView | undefined {
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

export function salvageApp(raw: unknown): AppView | undefined {
  if (!isPlainMap(raw)) return undefined;
  const items = <T>(value: unknown, schema: z.ZodType<T>): Array<T | undefined> =>
    Array.isArray(value) ? value.map((item) => schema.safeParse(item).data) : [];
  return {
    user: typeof raw.user === 'string' && raw.user ? raw.user : undefined,
    produces: items(raw.produces, AppProduceSchema),
    consumes: items(raw.consumes, AppConsumeSchema),
  };
}
