/** settings.yaml: parsed with the zod model, plus what zod cannot say (regexes that compile, globs that can match). */
import { SettingsSchema, type Settings } from './schema';
import { isPlainMap, parseAt, type Collector } from './collector';
import type { ManifestDocument } from './manifest-document';
import { atPath } from './zod-messages';
import { errorMessage } from '../shared/errors';

export const NAMING_KINDS = ['topics', 'groups', 'users', 'apps'] as const;

export type NamingKind = (typeof NAMING_KINDS)[number];
/** The compiled naming rules of settings.yaml, per kind of name. */
export type Naming = Partial<Record<NamingKind, RegExp>>;

export function readSettings(c: Collector, src: ManifestDocument | undefined): { settings: Settings; naming: Naming } {
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
  const naming: Naming = {};
  // Checked on the raw values too, so a typo elsewhere in settings.yaml does not hide these problems.
  const rawNaming = isPlainMap(raw.naming) ? raw.naming : {};
  for (const kind of NAMING_KINDS) {
    const source = rawNaming[kind];
    if (typeof source !== 'string') continue;
    try {
      naming[kind] = new RegExp(source, 'u');
    } catch (error) {
      const reason = errorMessage(error).replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
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
