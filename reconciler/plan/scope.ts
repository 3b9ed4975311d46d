/** What the tool owns and what it must never touch, from settings.scope and settings.protected. */
import { globMatcher, matchesAny, topicIsProtected } from '../model/globs';
import type { Settings } from '../model/schema';

/** `*` matches any run of characters; everything else is literal. */
export function globMatches(pattern: string, name: string): boolean {
  return globMatcher([pattern])(name);
}

/** A topic the tool may create, change or delete: in scope and not protected. */
export function topicIsManaged(settings: Settings, name: string): boolean {
  return matchesAny(settings.scope.topics, name) && !topicIsProtected(settings, name);
}

/** ACLs are owned by principal. */
export function principalIsManaged(settings: Settings, principal: string): boolean {
  return matchesAny(settings.scope.principals, principal) && !matchesAny(settings.protected.principals, principal);
}

export function userIsManaged(settings: Settings, name: string): boolean {
  return matchesAny(settings.scope.users, name) && !matchesAny(settings.protected.users, name);
}
