/** Settings globs (scope, protected): `*` matches any run of characters, anything else is literal. */
import { DEFAULT_PROTECTED_TOPICS, type Settings } from './schema';

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
