/** Checks across files: duplicates, name collisions, naming rules, scope, and references to what is declared nowhere. */
import { isIP } from 'node:net';
import { CLUSTER_RESOURCE_NAME, type Settings } from './schema';
import type { Collector, Declaration, Located } from './collector';
import { matchesAny, quotaOutsideScope, topicIsProtected } from './globs';
import { quotaEntityKey } from './keys';
import { OPERATIONS_BY_RESOURCE } from './names';
import { didYouMean } from './near-names';
import type { AclView, AppView } from './read-manifest';
import type { Naming } from './read-settings';
import type { PathElement } from './yaml-file';
import { atPath } from './zod-messages';

export function checkDuplicates(c: Collector, kind: string, declarations: Map<string, Declaration[]>): void {
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
export function checkTopicCollisions(c: Collector): void {
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

export function checkNaming(
  c: Collector,
  naming: Naming,
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

export function checkScope(c: Collector, settings: Settings): void {
  for (const spec of c.topicSpecs) {
    const o = spec.origin!;
    if (topicIsProtected(settings, spec.name)) {
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

export interface References {
  topics: ReadonlySet<string>;
  users: ReadonlySet<string>;
  check: boolean;
  /** "did you mean", within a budget: thousands of bad references against thousands of names must stay fast. */
  suggest(name: string, candidates: ReadonlySet<string>): string;
}

export const SUGGESTION_BUDGET = 200_000;

export function suggester(): References['suggest'] {
  let spent = 0;
  return (name, candidates) => {
    spent += candidates.size;
    return spent > SUGGESTION_BUDGET ? '' : didYouMean(name, candidates);
  };
}

export function checkAcl(
  c: Collector,
  acl: Located<AclView>,
  refs: References,
  settings: Settings,
  naming: Naming,
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

export function checkApp(
  c: Collector,
  app: Located<AppView> & { name: string },
  refs: References,
  settings: Settings,
  naming: Naming,
): boolean {
  const { value: a, src, path: at } = app;
  let ok = true;
  const fail = (sub: PathElement[], message: string) => {
    ok = false;
    c.at(src, [...at, ...sub], atPath([...at, ...sub], message));
  };
  if (a.user?.startsWith('User:')) {
    fail(['user'], `is a user name, not a principal: write ${JSON.stringify(a.user.slice('User:'.length))}`);
    return false;
  }
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

/** One quota per entity (a `quotas:` item and an app's `quotas:` may name the same user), and only in scope. */
export function checkQuotas(c: Collector, settings: Settings): void {
  const seen = new Map<string, { file: string; line: number; column: number }>();
  for (const spec of c.quotaSpecs) {
    const o = spec.origin!;
    const key = quotaEntityKey(spec);
    const first = seen.get(key);
    if (first) {
      c.report(
        o.file,
        o,
        `the quota of ${key} is declared twice (also at ${c.shown(first.file)}:${first.line}:${first.column})`,
      );
      continue;
    }
    seen.set(key, o);
    const outside = quotaOutsideScope(settings, spec);
    if (outside) c.report(o.file, o, `quota of ${key}: ${outside}; it would never be applied`);
  }
}
