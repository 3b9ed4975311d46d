/**
 * The SCRAM-user part of the plan: a pure function of the declared users, the users the cluster has and the
 * settings. A change never carries a password, only where it comes from ("generated", "env LMS_PASSWORD"), so a
 * plan can be printed, posted to a pull request or sent to Slack as it is.
 */
import type { ChangeOf, LiveUser, PasswordSource, Settings, UserSpec } from '../model/schema';
import { matchesAny } from '../model/globs';
import { userIsManaged } from './scope';

/** How a plan shows a password source: the kind and its reference, never the value. */
export function describePasswordSource(source: PasswordSource): string {
  if ('generate' in source) return 'generated';
  if ('env' in source) return `env ${source.env}`;
  if ('file' in source) return `file ${source.file}`;
  return `secretsManager ${source.secretsManager}`;
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function planUsers(desired: UserSpec[], live: LiveUser[] | null, settings: Settings): ChangeOf<'user'>[] {
  // A cluster that does not expose SCRAM users (or a store that cannot list them) gives no ground for a change.
  if (live === null) return [];
  const liveByName = new Map(live.map((user) => [user.name, user]));
  const desiredNames = new Set(desired.map((user) => user.name));
  const changes: ChangeOf<'user'>[] = [];

  for (const user of [...desired].sort(byName)) {
    const after = {
      mechanism: user.mechanism,
      iterations: user.iterations,
      password: describePasswordSource(user.password),
    };
    const current = liveByName.get(user.name);
    if (current?.mechanisms.includes(user.mechanism)) continue;
    const outside = !matchesAny(settings.scope.users, user.name)
      ? 'outside scope.users'
      : matchesAny(settings.protected.users, user.name)
        ? 'protected by protected.users'
        : undefined;
    const base = {
      id: `user:${user.name}`,
      kind: 'user' as const,
      resource: user.name,
      after,
      verdict: outside
        ? { status: 'refused' as const, reason: `user ${user.name} is ${outside}` }
        : { status: 'ok' as const },
      ...(user.origin ? { origin: user.origin } : {}),
    };
    changes.push(
      current
        ? { ...base, action: 'update', before: { mechanisms: current.mechanisms } }
        : { ...base, action: 'create', before: null },
    );
  }

  for (const user of [...live].sort(byName)) {
    if (desiredNames.has(user.name)) continue;
    if (!userIsManaged(settings, user.name)) continue;
    changes.push({
      id: `user:${user.name}`,
      action: 'delete',
      kind: 'user',
      resource: user.name,
      before: { mechanisms: user.mechanisms },
      after: null,
      verdict: settings.deletions.users
        ? { status: 'ok' }
        : { status: 'skipped', reason: 'not declared; deletions.users is off in settings' },
    });
  }
  return changes;
}
