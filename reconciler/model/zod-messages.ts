/**
 * zod's issues rewritten for people editing YAML: `topics.x.partitions: must be an integer ≥ 1, got 0`, unknown
 * keys with the near name, and a union (e.g. a password source) explained by the branch the author meant.
 */
import { z } from 'zod';
import { didYouMean } from './near-names';
import type { PathElement } from './yaml-file';

export interface Explained {
  /** Path from the file's root. */
  path: PathElement[];
  /** Point at the key (unknown keys, missing keys) or at the value. */
  on: 'key' | 'value';
  message: string;
}

type Issue = z.core.$ZodIssue;

/** `path: message`, or just the message at a file's root. */
export function atPath(path: readonly PathElement[], message: string): string {
  const shown = displayPath(path);
  return shown ? `${shown}: ${message}` : message;
}

export function displayPath(path: readonly PathElement[]): string {
  let out = '';
  for (const element of path) {
    if (typeof element === 'number') out += `[${element}]`;
    // Dotted names (topic names, config keys) read naturally; anything odder is quoted so the path stays readable.
    else if (/^[A-Za-z0-9_.-]+$/.test(element) && element !== '.' && element !== '..')
      out += out ? `.${element}` : element;
    else out += `[${JSON.stringify(element)}]`;
  }
  return out;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.ZodType;
    } else return current;
  }
}

function unionOptions(schema: z.ZodType): z.ZodType[] {
  const s = unwrap(schema);
  return s instanceof z.ZodUnion ? (s.options as readonly z.ZodType[]).map(unwrap) : [s];
}

/** The schema that validates the value at `path` under `schema`, if the path leads anywhere. */
export function schemaAt(schema: z.ZodType, path: readonly PathElement[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const element of path) {
    if (!current) return undefined;
    const options = unionOptions(current);
    let next: z.ZodType | undefined;
    for (const option of options) {
      if (typeof element === 'string' && option instanceof z.ZodObject)
        next = (option.shape as Record<string, z.ZodType>)[element];
      else if (typeof element === 'string' && option instanceof z.ZodRecord) next = option.valueType as z.ZodType;
      else if (typeof element === 'number' && option instanceof z.ZodArray) next = option.element as z.ZodType;
      if (next) break;
    }
    current = next;
  }
  return current;
}

/** Keys an object schema (or a union of them) allows, for "did you mean". */
export function allowedKeys(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  const keys: string[] = [];
  for (const option of unionOptions(schema)) if (option instanceof z.ZodObject) keys.push(...Object.keys(option.shape));
  return [...new Set(keys)];
}

/** `an integer` where the schema wants one, else `a number` (a quota rate may be 12.5). */
function numberNoun(schema: z.ZodType, rel: PathElement[]): string {
  const target = schemaAt(schema, rel);
  if (target === undefined) return 'an integer';
  const inner = unwrap(target);
  return inner instanceof z.ZodNumber && !inner.isInt ? 'a number' : 'an integer';
}

function valueAt(root: unknown, path: readonly PathElement[]): unknown {
  let current = root;
  for (const element of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[element];
  }
  return current;
}

const SECRET_PATH = /password/i;

/** A value as a message shows it; never the value itself where a secret may be. */
export function showValue(value: unknown, path: readonly PathElement[] = []): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (path.some((element) => typeof element === 'string' && SECRET_PATH.test(element))) return `a ${typeof value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

const NOUNS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
};

function describeSchema(schema: z.ZodType): string {
  const s = unwrap(schema);
  if (s instanceof z.ZodString) return 'a string';
  if (s instanceof z.ZodNumber) return 'a number';
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodArray) return 'a list';
  if (s instanceof z.ZodObject) {
    const keys = Object.keys(s.shape);
    if (keys.length !== 1) return `a map with ${keys.join(', ')}`;
    const inner = unwrap((s.shape as Record<string, z.ZodType>)[keys[0]]);
    return `{ ${keys[0]}: ${inner instanceof z.ZodLiteral ? JSON.stringify([...inner.values][0]) : '…'} }`;
  }
  if (s instanceof z.ZodRecord) return 'a map';
  if (s instanceof z.ZodEnum) return `one of ${(s.options as readonly string[]).join(', ')}`;
  if (s instanceof z.ZodLiteral) return JSON.stringify([...s.values][0]);
  return 'a valid value';
}

/**
 * Every issue of `schema.safeParse(value)` as a located, human message. `base` is the path of `value` in its file.
 */
export function explainIssues(
  schema: z.ZodType,
  value: unknown,
  issues: readonly Issue[],
  base: readonly PathElement[],
): Explained[] {
  const out: Explained[] = [];
  for (const issue of issues) explainOne(schema, value, issue, base, out);
  // `partitons: 3` is one mistake, not two: drop "missing partitions" when a typo already points at it.
  const suggested = new Set(
    out.flatMap((e) => {
      const near = /unknown key "[^"]*" \(did you mean "([^"]*)"\?\)/.exec(e.message);
      return near ? [`${displayPath(e.path.slice(0, -1))}\u0000${near[1]}`] : [];
    }),
  );
  return out.filter((e) => {
    const missing = /missing required key "([^"]*)"$/.exec(e.message);
    return !missing || !suggested.has(`${displayPath(e.path)}\u0000${missing[1]}`);
  });
}

function explainOne(
  schema: z.ZodType,
  root: unknown,
  issue: Issue,
  base: readonly PathElement[],
  out: Explained[],
): void {
  const rel = issue.path.filter((element): element is PathElement => typeof element !== 'symbol');
  const path = [...base, ...rel];
  const value = valueAt(root, rel);
  const say = (message: string, on: 'key' | 'value' = 'value', at: PathElement[] = path) =>
    out.push({ path: at, on, message: atPath(at, message) });

  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        const key = rel[rel.length - 1];
        const parent = path.slice(0, -1);
        out.push({ path: parent, on: 'key', message: atPath(parent, `missing required key "${String(key)}"`) });
        return;
      }
      const target = schemaAt(schema, rel);
      const integer =
        target !== undefined && unwrap(target) instanceof z.ZodNumber && (unwrap(target) as z.ZodNumber).isInt;
      if (issue.expected === 'int' || (issue.expected === 'number' && integer)) {
        say(`must be an integer, got ${showValue(value, path)}`);
        return;
      }
      say(`must be ${NOUNS[issue.expected] ?? issue.expected}, got ${showValue(value, path)}`);
      return;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        say(
          `must be ${numberNoun(schema, rel)} ${issue.inclusive === false ? '>' : '≥'} ${min}, got ${showValue(value, path)}`,
        );
      } else if (issue.origin === 'string')
        say(min <= 1 ? 'must not be empty' : `must have at least ${min} characters`);
      else if (issue.origin === 'array')
        say(min <= 1 ? 'must list at least one entry' : `must list at least ${min} entries`);
      else say(issue.message);
      return;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        say(
          `must be ${numberNoun(schema, rel)} ${issue.inclusive === false ? '<' : '≤'} ${max}, got ${showValue(value, path)}`,
        );
      } else say(issue.message);
      return;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v));
      if (values.length === 1) say(`must be ${JSON.stringify(issue.values[0])}, got ${showValue(value, path)}`);
      else
        say(`must be one of ${values.join(', ')}, got ${showValue(value, path)}${didYouMean(String(value), values)}`);
      return;
    }
    case 'invalid_format': {
      const custom = !issue.message.startsWith('Invalid');
      say(`${custom ? issue.message : `must be a valid ${issue.format}`}, got ${showValue(value, path)}`);
      return;
    }
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schemaAt(schema, rel));
      for (const key of issue.keys) {
        const at = [...path, key];
        out.push({ path: at, on: 'key', message: atPath(path, `unknown key "${key}"${didYouMean(key, allowed)}`) });
      }
      return;
    }
    case 'invalid_union': {
      explainUnion(schema, root, issue, rel, base, out);
      return;
    }
    default:
      say(issue.message);
  }
}

/**
 * A union failed every branch: when the value is a map, its keys say which branch was meant (a password
 * `{ env: X }` is the env branch); otherwise name what would have been accepted.
 */
function explainUnion(
  schema: z.ZodType,
  root: unknown,
  issue: Extract<Issue, { code: 'invalid_union' }>,
  rel: PathElement[],
  base: readonly PathElement[],
  out: Explained[],
): void {
  const path = [...base, ...rel];
  const value = valueAt(root, rel);
  const unionSchema = schemaAt(schema, rel);
  const options = unionSchema ? unionOptions(unionSchema) : [];
  const objectOptions = options.filter((o): o is z.ZodObject => o instanceof z.ZodObject);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && objectOptions.length) {
    const keys = Object.keys(value);
    const allowed = allowedKeys(unionSchema);
    const unknown = keys.filter((key) => !allowed.includes(key));
    for (const key of unknown) {
      const hint = didYouMean(key, allowed) || ` (expected one of ${allowed.join(', ')})`;
      out.push({ path: [...path, key], on: 'key', message: atPath(path, `unknown key "${key}"${hint}`) });
    }
    if (unknown.length) return;
    if (keys.length > 1 && !objectOptions.some((o) => keys.every((key) => key in o.shape))) {
      out.push({
        path,
        on: 'value',
        message: atPath(path, `give exactly one of ${allowed.join(', ')}; got ${keys.join(' and ')}`),
      });
      return;
    }
    const meant = objectOptions.findIndex((o) => keys.length > 0 && keys.every((key) => key in o.shape));
    const branchIndex = meant >= 0 ? options.indexOf(objectOptions[meant]) : -1;
    const branch = branchIndex >= 0 ? issue.errors[branchIndex] : undefined;
    if (branch && branch.length) {
      const sub = valueAt(root, rel);
      for (const inner of branch) explainOne(options[branchIndex], sub, inner, path, out);
      return;
    }
  }
  const described = options.map(describeSchema);
  const secret = path.some((element) => typeof element === 'string' && SECRET_PATH.test(element));
  const hint =
    secret && typeof value === 'string' ? ' (never the password itself: a manifest is reviewed in public)' : '';
  out.push({
    path,
    on: 'value',
    message: atPath(path, `must be ${described.join(' or ')}, got ${showValue(value, path)}${hint}`),
  });
}
