/** One manifest file's topics, users, ACLs and apps: each item checked on its own, every problem at its place. */
import { z } from 'zod';
import {
  AclManifestSchema,
  AclOperationSchema,
  AppConsumeSchema,
  AppManifestSchema,
  AppProduceSchema,
  ManifestFileSchema,
  QUOTA_KEYS,
  QuotaManifestSchema,
  PrincipalSchema,
  SettingsSchema,
  TopicManifestSchema,
  UserManifestSchema,
  type QuotaValues,
} from './schema';
import { declare, isPlainMap, originOf, parseAt, type Collector } from './collector';
import type { AclManifest, AppManifest } from './expand';
import type { ManifestDocument } from './manifest-document';
import { topicNameProblem } from './names';
import { didYouMean } from './near-names';
import { checkTopicConfig, TOPIC_CONFIGS } from './topic-configs';
import type { PathElement } from './yaml-file';
import { atPath } from './zod-messages';

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
  for (const { key: name, position } of src.entries(['topics'])) {
    const at: PathElement[] = ['topics', name];
    declare(c.topics, name, src.file, position);
    const problem = topicNameProblem(name);
    if (problem) c.report(src.file, position, atPath(['topics', name], problem));
    const raw = topics[name];
    const parsed = parseAt(c, src, TopicManifestSchema, raw, at, (e) => {
      const key = e.path.length === at.length + 1 ? e.path[at.length] : undefined;
      return e.on === 'key' && typeof key === 'string' && key in TOPIC_CONFIGS
        ? ' (topic configs go under config:)'
        : '';
    });
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
