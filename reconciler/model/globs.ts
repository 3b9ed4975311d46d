/** Settings globs (scope, protected): `*` matches any run of characters, anything else is literal. */

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
