/** Settings globs (scope, protected): `*` matches any run of characters, anything else is literal. */
import { DEFAULT_PROTECTED_TOPICS, type QuotaEntity, type Settings } from './schema';

/** One regular expression for a whole list, compiled once: thousands of names are matched against it. */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
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

export function matchesAny(patterns: readonly string[], name: string): boolean {
  let matcher = memo.get(patterns);
  if (!matcher) {
    matcher = globMatcher(patterns);
    memo.set(patterns, matcher);
  }
  return matcher(name);
}

/** settings.protected.topics, and Kafka's and MSK's internal topics, which are protected whatever the settings say. */
export function topicIsProtected(settings: Settings, name: string): boolean {
  return matchesAny(DEFAULT_PROTECTED_TOPICS, name) || matchesAny(settings.protected.topics, name);
}

/**
 * Why the manifests may not own this quota entity, or null: a user's quota is owned by its principal (`User:<user>`,
 * scope.principals), a client id's by scope.clientIds; protected ones never.
 */
export function quotaOutsideScope(settings: Settings, entity: QuotaEntity): string | null {
  if (entity.user !== undefined) {
    const principal = `User:${entity.user}`;
    if (!matchesAny(settings.scope.principals, principal))
      return `${principal} is outside settings.yaml scope.principals (${settings.scope.principals.join(', ')})`;
    if (matchesAny(settings.protected.principals, principal)) return `${principal} is protected in settings.yaml`;
  }
  if (entity.clientId !== undefined) {
    if (!matchesAny(settings.scope.clientIds, entity.clientId))
      return settings.scope.clientIds.length
        ? `client id ${entity.clientId} is outside settings.yaml scope.clientIds (${settings.scope.clientIds.join(', ')})`
        : `client id ${entity.clientId} is outside settings.yaml scope.clientIds (empty by default: list the client ids whose quotas the manifests own)`;
    if (matchesAny(settings.protected.clientIds, entity.clientId))
      return `client id ${entity.clientId} is protected in settings.yaml`;
  }
  return null;
}
