/**
 * Adopting a running cluster: the live state, as the observer read it, written back as manifests in the project's own
 * layout (settings.yaml, topics.yaml, users.yaml, apps/<name>.yaml, acls.yaml). Pure: live state in, file texts out.
 *
 * What is written must say exactly what was read, nothing lost and nothing added, so `verifyImport` loads the texts
 * with the model's own loader and compares the expansion with the live state, binding for binding. A principal becomes
 * an app only when the model's app expansion (`expandApp`) of the app written gives back exactly its bindings; any
 * other principal keeps explicit `acls:`.
 */
import { Document, isMap, isScalar, visit } from 'yaml';
import { expandApp, type AppManifest } from '../model/expand';
import { globMatcher, topicIsProtected } from '../model/globs';
import { aclKey, quotaEntityKey } from '../model/keys';
import { buildDesiredState, formatDiagnostic, type ManifestSource } from '../model/load';
import {
  ACL_OPERATIONS,
  CLUSTER_RESOURCE_NAME,
  QUOTA_KEYS,
  SettingsSchema,
  type LiveState,
  type LiveTopic,
  type LiveQuota,
  type QuotaValues,
  type LiveUser,
  type PasswordSource,
  type ScramMechanism,
} from '../model/schema';

type AclBinding = LiveState['acls'][number];

export interface ImportSelection {
  /** Topic-name globs (`*` any run of characters). */
  topics: readonly string[];
  /** Principal globs; one without a type (`lms-*`) means `User:lms-*`. */
  principals: readonly string[];
  /** Client-id globs for client quotas (default every client id). */
  clientIds?: readonly string[];
}

export interface ImportInput {
  live: LiveState;
  selection: ImportSelection;
  /** Where the files say they came from: the bootstrap servers, the cluster id when known, and when. */
  source: { cluster: string; clusterId?: string; at: Date };
  /** The password reference written for an imported SCRAM user (the cluster never gives a password back). */
  passwordFor(user: string): PasswordSource;
  /** The SCRAM user the import connected as: the reconciler's own identity, written as protected, never managed. */
  self?: string;
}

/** What the import holds, for the summary a person reads and for the verification. */
export interface ImportedState {
  topics: LiveTopic[];
  users: LiveUser[];
  acls: AclBinding[];
  /** Principals whose bindings or quotas were imported. */
  principals: string[];
  /** Client quotas of the picked principals and client ids. */
  quotas: LiveQuota[];
}

export interface ImportResult {
  files: ManifestSource[];
  imported: ImportedState;
  apps: string[];
  /** Explicit ACL entries written (one per resource, principal, permission and host; several operations each). */
  explicitAcls: number;
  /** Topics the selection matched but that are Kafka's or MSK's own (never managed). */
  skippedInternal: string[];
  /** false when the cluster does not expose SCRAM users (no users.yaml, no users in scope). */
  usersVisible: boolean;
  /** The connecting user, when the cluster has it: left out and protected. */
  selfSkipped?: string;
}

const DEFAULT_SETTINGS = SettingsSchema.parse({});

/** A principal glob without a type prefix names users: `lms-*` is `User:lms-*`. */
export function principalGlobs(globs: readonly string[]): string[] {
  return globs.map((glob) => (/^[A-Za-z][A-Za-z0-9]*:/.test(glob) || glob === '*' ? glob : `User:${glob}`));
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What the selection takes from the live state. Every binding of a selected principal, whatever its resource. */
export function selectImport(live: LiveState, selection: ImportSelection, self?: string) {
  const topicMatches = globMatcher(selection.topics);
  const principalMatches = globMatcher(principalGlobs(selection.principals));
  const matched = live.topics.filter((topic) => topicMatches(topic.name));
  const topics = matched.filter((topic) => !topicIsProtected(DEFAULT_SETTINGS, topic.name));
  const skippedInternal = matched.filter((topic) => topicIsProtected(DEFAULT_SETTINGS, topic.name));
  const users = (live.users ?? []).filter((user) => user.name !== self && principalMatches(`User:${user.name}`));
  const acls = live.acls.filter((acl) => principalMatches(acl.principal));
  const clientMatches = globMatcher(selection.clientIds ?? ['*']);
  const quotas = (live.quotas ?? []).filter(
    (quota) =>
      (quota.user === undefined || principalMatches(`User:${quota.user}`)) &&
      (quota.clientId === undefined || clientMatches(quota.clientId)),
  );
  const imported: ImportedState = {
    topics: [...topics].sort((a, b) => byString(a.name, b.name)),
    users: [...users].sort((a, b) => byString(a.name, b.name)),
    acls: [...acls].sort((a, b) => byString(aclKey(a), aclKey(b))),
    principals: [
      ...new Set([
        ...acls.map((acl) => acl.principal),
        ...quotas.flatMap((quota) => (quota.user !== undefined ? [`User:${quota.user}`] : [])),
      ]),
    ].sort(byString),
    quotas: [...quotas].sort((a, b) => byString(quotaEntityKey(a), quotaEntityKey(b))),
  };
  return { imported, skippedInternal: skippedInternal.map((topic) => topic.name).sort(byString) };
}

// --- apps -------------------------------------------------------------------------------------------------------

function resourceId(acl: AclBinding): string {
  return `${acl.resourceType}|${acl.patternType}|${acl.resourceName}`;
}

const sameSet = (a: ReadonlySet<string>, b: readonly string[]) => a.size === b.length && b.every((x) => a.has(x));

/**
 * The app shorthand that stands for exactly these bindings of `User:<user>`, or null. The candidate is built from
 * the bindings, then proven by the model's own expansion: its bindings must be these, one for one.
 */
export function appFor(
  user: string,
  bindings: readonly AclBinding[],
  declaredTopics: ReadonlySet<string>,
): AppManifest | null {
  if (bindings.some((acl) => acl.permission !== 'allow' || acl.host !== '*')) return null;
  const byResource = new Map<string, { acl: AclBinding; operations: Set<string> }>();
  for (const acl of bindings) {
    const entry = byResource.get(resourceId(acl)) ?? { acl, operations: new Set<string>() };
    entry.operations.add(acl.operation);
    byResource.set(resourceId(acl), entry);
  }
  const produces: AppManifest['produces'] = [];
  const consumedTopics: Array<{ topic: string; pattern: 'literal' | 'prefixed' }> = [];
  const groups: string[] = [];
  const transactionalIds: string[] = [];
  let idempotentWrite = false;
  const sorted = [...byResource.values()].sort((a, b) => byString(resourceId(a.acl), resourceId(b.acl)));
  for (const { acl, operations } of sorted) {
    const { resourceType: type, resourceName: name, patternType: pattern } = acl;
    const literal = pattern === 'literal';
    if (type === 'topic') {
      // An app's topic must be declared in the same manifests (an app has no `external`).
      if (literal && !declaredTopics.has(name)) return null;
      const writes = operations.has('Write');
      const reads = operations.has('Read');
      const expected = ['Describe', ...(writes ? ['Write'] : []), ...(reads ? ['Read'] : [])];
      if (!(writes || reads) || !sameSet(operations, expected)) return null;
      if (writes) produces.push(literal ? name : { topic: name, pattern });
      if (reads) consumedTopics.push({ topic: name, pattern });
    } else if (type === 'group') {
      if (!literal || !sameSet(operations, ['Read'])) return null;
      groups.push(name);
    } else if (type === 'transactionalId') {
      if (!literal || !sameSet(operations, ['Write', 'Describe'])) return null;
      transactionalIds.push(name);
    } else {
      if (name !== CLUSTER_RESOURCE_NAME || !sameSet(operations, ['IdempotentWrite'])) return null;
      idempotentWrite = true;
    }
  }
  // A consumer is a topic and its group; the expansion is a set, so n topics and m groups pair up in any order.
  if ((consumedTopics.length === 0) !== (groups.length === 0)) return null;
  const consumes = Array.from({ length: Math.max(consumedTopics.length, groups.length) }, (_, i) => ({
    ...consumedTopics[Math.min(i, consumedTopics.length - 1)],
    group: groups[Math.min(i, groups.length - 1)],
  }));
  if (idempotentWrite && produces.length === 0) return null;
  const app: AppManifest = {
    user,
    produces,
    consumes,
    idempotent: produces.length > 0 ? idempotentWrite : true,
    transactionalIds,
  };
  if (produces.length + consumes.length + transactionalIds.length === 0) return null;
  const none = { file: '', line: 0, column: 0 };
  const expanded = expandApp(user, app, { app: none, produces: [], consumes: [], transactionalIds: [] }).map(aclKey);
  return sameSet(new Set(expanded), bindings.map(aclKey)) ? app : null;
}

/** `lms-user` → `lms`, as the seed names them; a name already taken or empty keeps the user's name. */
function appNameFor(user: string, taken: Set<string>): string {
  const short = user.replace(/[-_.]user$/i, '');
  let name = short && !taken.has(short) ? short : user;
  for (let n = 2; taken.has(name); n += 1) name = `${user}-${n}`;
  taken.add(name);
  return name;
}

/** A file name for an app: its name where the filesystem allows, else `_` for the odd character. */
function fileNameFor(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

// --- YAML -------------------------------------------------------------------------------------------------------

/** A config value as YAML would read it back to the same Kafka string: safe integers and booleans plain. */
function configValue(value: string): string | number | boolean {
  if (/^-?(0|[1-9][0-9]*)$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/** Short things on one line, as people write them: `operations: [Read, Describe]`, `resource: { type: topic, … }`. */
const FLOW_MAPS = new Set(['resource', 'password']);

function yamlText(header: string[], body: unknown): string {
  const doc = new Document(body);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
    Pair(_, pair) {
      if (isScalar(pair.key) && FLOW_MAPS.has(String(pair.key.value)) && isMap(pair.value)) pair.value.flow = true;
    },
  });
  const comments = header.map((line) => `# ${line}`.trimEnd()).join('\n');
  return `${comments}\n\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}

function appYamlValue(app: AppManifest): Record<string, unknown> {
  return {
    user: app.user,
    ...(app.produces.length ? { produces: app.produces } : {}),
    ...(app.produces.length && !app.idempotent ? { idempotent: false } : {}),
    ...(app.consumes.length
      ? {
          consumes: app.consumes.map((c) => ({
            topic: c.topic,
            group: c.group,
            ...(c.pattern === 'prefixed' ? { pattern: 'prefixed' } : {}),
          })),
        }
      : {}),
    ...(app.transactionalIds.length ? { transactionalIds: app.transactionalIds } : {}),
  };
}

const OPERATION_ORDER = new Map<string, number>(ACL_OPERATIONS.map((op, i) => [op, i]));

/** Explicit ACL entries: one per principal, resource, permission and host, with all its operations. */
function explicitAcls(bindings: readonly AclBinding[], users: ReadonlySet<string>, topics: ReadonlySet<string>) {
  const groups = new Map<string, AclBinding[]>();
  for (const acl of bindings) {
    const key = [acl.principal, resourceId(acl), acl.permission, acl.host].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), acl]);
  }
  return [...groups.values()].map((group) => {
    const acl = group[0];
    const user = acl.principal.startsWith('User:') ? acl.principal.slice('User:'.length) : undefined;
    // The loader requires what an ACL names to be declared; what was not imported is someone else's.
    const external =
      (user !== undefined && user !== '*' && !users.has(user)) ||
      (acl.resourceType === 'topic' &&
        acl.patternType === 'literal' &&
        acl.resourceName !== '*' &&
        !topics.has(acl.resourceName));
    const operations = group
      .map((binding) => binding.operation)
      .sort((a, b) => (OPERATION_ORDER.get(a) ?? 0) - (OPERATION_ORDER.get(b) ?? 0));
    return {
      principal: acl.principal,
      resource:
        acl.resourceType === 'cluster'
          ? { type: 'cluster' }
          : {
              type: acl.resourceType,
              name: acl.resourceName,
              ...(acl.patternType === 'prefixed' ? { pattern: 'prefixed' } : {}),
            },
      operations,
      ...(acl.permission === 'deny' ? { permission: 'deny' } : {}),
      ...(acl.host !== '*' ? { host: acl.host } : {}),
      ...(external ? { external: true } : {}),
    };
  });
}

/** The mechanism a user's manifest names: SCRAM-SHA-512 when the user has it (MSK's only one), else what it has. */
function mechanismOf(user: LiveUser): ScramMechanism {
  return user.mechanisms.includes('SCRAM-SHA-512') ? 'SCRAM-SHA-512' : (user.mechanisms[0] ?? 'SCRAM-SHA-512');
}

// --- the import -------------------------------------------------------------------------------------------------

export function importManifests(input: ImportInput): ImportResult {
  const { imported, skippedInternal } = selectImport(input.live, input.selection, input.self);
  const selfSkipped = input.self !== undefined && (input.live.users ?? []).some((user) => user.name === input.self);
  const at = input.source.at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const from = `${input.source.clusterId ? `cluster ${input.source.clusterId} at ` : ''}${input.source.cluster}`;
  const origin = `Imported by \`msk-gitops import\` from ${from} on ${at}.`;
  const files: ManifestSource[] = [];
  const topicNames = new Set(imported.topics.map((topic) => topic.name));
  const userNames = new Set(imported.users.map((user) => user.name));

  const scope = {
    topics: imported.topics.map((topic) => topic.name),
    principals: imported.principals,
    users: imported.users.map((user) => user.name),
    clientIds: [
      ...new Set(imported.quotas.flatMap((quota) => (quota.clientId !== undefined ? [quota.clientId] : []))),
    ].sort(byString),
  };
  files.push({
    path: 'settings.yaml',
    text: yamlText(
      [
        origin,
        'The scope lists exactly what was imported, so the first plan touches nothing else on the cluster.',
        'Widen it (globs such as "lms-*") when these manifests should own more. Nothing is deleted until you opt in.',
        ...(selfSkipped
          ? [`${input.self} is the user the import connected as (the reconciler's own identity): protected.`]
          : []),
      ],
      {
        scope,
        deletions: { topics: false, acls: false, users: false, maxPerApply: DEFAULT_SETTINGS.deletions.maxPerApply },
        ...(selfSkipped ? { protected: { users: [input.self] } } : {}),
      },
    ),
  });

  if (imported.topics.length) {
    const topics = Object.fromEntries(
      imported.topics.map((topic) => {
        const keys = Object.keys(topic.config).sort(byString);
        const config = Object.fromEntries(keys.map((key) => [key, configValue(topic.config[key])]));
        return [
          topic.name,
          {
            partitions: topic.partitions,
            replicationFactor: topic.replicationFactor,
            ...(keys.length ? { config } : {}),
          },
        ];
      }),
    );
    files.push({
      path: 'topics.yaml',
      text: yamlText(
        [
          origin,
          'Partitions, replication factor and the configs set on each topic (DescribeConfigs source',
          'DYNAMIC_TOPIC_CONFIG); broker defaults are not written, so they stay defaults.',
        ],
        { topics },
      ),
    });
  }

  if (imported.users.length) {
    const users = Object.fromEntries(
      imported.users.map((user) => [
        user.name,
        { mechanism: mechanismOf(user), password: input.passwordFor(user.name) },
      ]),
    );
    const extra = imported.users.filter((user) => user.mechanisms.length > 1).map((user) => user.name);
    files.push({
      path: 'users.yaml',
      text: yamlText(
        [
          origin,
          'SCRAM users by name and mechanism. The cluster never gives a password back: each password is a reference',
          'to fill before an apply needs it (set the environment variable, or point at a file or a Secrets Manager',
          'secret). Existing users keep their passwords; a plan shows no change for them.',
          ...(extra.length ? [`Also holding SCRAM-SHA-256 credentials (left as they are): ${extra.join(', ')}.`] : []),
        ],
        { users },
      ),
    });
  }

  const taken = new Set<string>();
  const apps: string[] = [];
  const explicit: AclBinding[] = [];
  for (const principal of imported.principals) {
    const bindings = imported.acls.filter((acl) => acl.principal === principal);
    const user = principal.startsWith('User:') ? principal.slice('User:'.length) : undefined;
    const app = user !== undefined && userNames.has(user) ? appFor(user, bindings, topicNames) : null;
    if (!app) {
      explicit.push(...bindings);
      continue;
    }
    const name = appNameFor(user!, taken);
    apps.push(name);
    files.push({
      path: `apps/${fileNameFor(name)}.yaml`,
      text: yamlText(
        [origin, `Every ACL binding of ${principal}, written as an app (it expands to exactly these bindings).`],
        { apps: { [name]: appYamlValue(app) } },
      ),
    });
  }

  const acls = explicitAcls(explicit, userNames, topicNames);
  if (acls.length) {
    files.push({
      path: 'acls.yaml',
      text: yamlText(
        [
          origin,
          'The ACL bindings that no app shorthand expresses exactly, as explicit entries. `external: true` marks an',
          'entry whose user or topic was not imported (managed elsewhere).',
        ],
        { acls },
      ),
    });
  }

  if (imported.quotas.length) {
    files.push({
      path: 'quotas.yaml',
      text: yamlText(
        [
          origin,
          'Client quotas of users, client ids and their defaults (<default>), as DescribeClientQuotas returned them.',
        ],
        {
          quotas: imported.quotas.map((quota) => ({
            ...(quota.user !== undefined ? { user: quota.user } : {}),
            ...(quota.clientId !== undefined ? { clientId: quota.clientId } : {}),
            ...orderedQuotaValues(quota.values),
          })),
        },
      ),
    });
  }

  return {
    files,
    imported,
    apps,
    explicitAcls: acls.length,
    skippedInternal,
    usersVisible: input.live.users !== null,
    ...(selfSkipped ? { selfSkipped: input.self } : {}),
  };
}

/**
 * Loads the written texts with the model's loader and compares the result with what was read: every problem, or none.
 * The import writes nothing unless this is empty.
 */
/** Quota values in the order of QUOTA_KEYS (Kafka answers them in any order). */
function orderedQuotaValues(values: QuotaValues): QuotaValues {
  const out: QuotaValues = {};
  for (const key of QUOTA_KEYS) if (values[key] !== undefined) out[key] = values[key];
  return out;
}

export function verifyImport(files: ManifestSource[], imported: ImportedState): string[] {
  const loaded = buildDesiredState(files);
  if (!loaded.state) {
    return loaded.diagnostics.map((d) => `the written manifests do not load: ${formatDiagnostic(d)}`);
  }
  const state = loaded.state;
  const problems: string[] = [];
  const liveTopics = new Map(imported.topics.map((topic) => [topic.name, topic]));
  for (const topic of state.topics) {
    const live = liveTopics.get(topic.name);
    const written = { partitions: topic.partitions, replicationFactor: topic.replicationFactor, config: topic.config };
    const read = live && {
      partitions: live.partitions,
      replicationFactor: live.replicationFactor,
      config: live.config,
    };
    if (JSON.stringify(sortedKeys(written)) !== JSON.stringify(read && sortedKeys(read))) {
      problems.push(`topic ${topic.name}: written ${JSON.stringify(written)}, read ${JSON.stringify(read ?? null)}`);
    }
    liveTopics.delete(topic.name);
  }
  for (const name of liveTopics.keys()) problems.push(`topic ${name}: read, not written`);

  const liveUsers = new Map(imported.users.map((user) => [user.name, user]));
  for (const user of state.users) {
    if (!liveUsers.get(user.name)?.mechanisms.includes(user.mechanism))
      problems.push(`user ${user.name}: written with ${user.mechanism}, not read so`);
    liveUsers.delete(user.name);
  }
  for (const name of liveUsers.keys()) problems.push(`user ${name}: read, not written`);

  const written = new Set(state.acls.map(aclKey));
  const read = new Set(imported.acls.map(aclKey));
  for (const key of written) if (!read.has(key)) problems.push(`ACL binding ${key}: written, not read`);
  for (const key of read) if (!written.has(key)) problems.push(`ACL binding ${key}: read, not written`);

  const quotaText = (quotas: Array<{ user?: string; clientId?: string; values: QuotaValues }>) =>
    quotas
      .map((quota) => `${quotaEntityKey(quota)} ${JSON.stringify(orderedQuotaValues(quota.values))}`)
      .sort(byString);
  const writtenQuotas = quotaText(state.quotas ?? []);
  const readQuotas = quotaText(imported.quotas);
  for (const quota of writtenQuotas)
    if (!readQuotas.includes(quota)) problems.push(`quota ${quota}: written, not read`);
  for (const quota of readQuotas)
    if (!writtenQuotas.includes(quota)) problems.push(`quota ${quota}: read, not written`);
  return problems;
}

function sortedKeys(topic: { partitions: number; replicationFactor: number; config: Record<string, string> }) {
  const config = Object.fromEntries(
    Object.keys(topic.config)
      .sort(byString)
      .map((key) => [key, topic.config[key]]),
  );
  return { ...topic, config };
}
