/**
 * One parsed YAML file and the way back from a value's path (`['topics', 'x', 'partitions']`) to where it is
 * written, so every message can say `file:line:column`.
 */
import type { ManifestDocument } from './manifest-document';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import { errorMessage } from '../shared/errors';

export type PathElement = string | number;
export interface Position {
  line: number;
  column: number;
}
export interface YamlProblem extends Position {
  message: string;
}

const PROBLEM_TEXT: Partial<Record<string, string>> = {
  MULTIPLE_DOCS: 'one YAML document per file (remove the second "---")',
  TAB_AS_INDENT: 'tabs are not allowed for indentation in YAML; use spaces',
};

export class YamlFile implements ManifestDocument {
  readonly doc: Document.Parsed;
  readonly value: unknown;
  readonly problems: YamlProblem[] = [];
  private readonly lines = new LineCounter();
  private readonly pairIndex = new WeakMap<object, Map<string, Pair>>();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    for (const error of this.doc.errors) {
      // Point at the first character that is there, not at the indentation before it.
      let offset = error.pos[0];
      while (offset < text.length && (text[offset] === ' ' || text[offset] === '\t')) offset++;
      this.problems.push({
        ...this.position(offset),
        message: yamlProblemText(error.code, error.message, text, offset),
      });
    }
    let value: unknown;
    if (!this.problems.length) {
      try {
        value = this.doc.toJS({ maxAliasCount: 1000 });
      } catch (error) {
        // A "billion laughs" of aliases: refuse it as a problem of the file, never expand it.
        this.problems.push({ line: 1, column: 1, message: `invalid YAML: ${errorMessage(error).toLowerCase()}` });
      }
    }
    this.value = value;
  }

  position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return line === 0 ? { line: 1, column: offset + 1 } : { line, column: col };
  }

  /** The node holding the value at `path`, resolving aliases; undefined when the path is not written. */
  node(path: readonly PathElement[]): Node | undefined {
    let node: unknown = this.doc.contents;
    for (const element of path) {
      node = this.resolve(node);
      if (isMap(node)) node = this.pairs(node).get(String(element))?.value ?? undefined;
      else if (isSeq(node) && typeof element === 'number') node = node.items[element];
      else return undefined;
      if (node === undefined || node === null) return undefined;
    }
    return (this.resolve(node) as Node | undefined) ?? undefined;
  }

  /** The key node of the last element of `path` when it is a map key. */
  keyNode(path: readonly PathElement[]): Node | undefined {
    if (!path.length) return undefined;
    const parent = this.resolve(this.node(path.slice(0, -1)) ?? (path.length === 1 ? this.doc.contents : undefined));
    if (!isMap(parent)) return undefined;
    const key = this.pairs(parent).get(String(path[path.length - 1]))?.key;
    return isScalar(key) || isMap(key) || isSeq(key) ? key : undefined;
  }

  /**
   * Where to point for `path`: its value (or its key when `on` is 'key'); for a path that is not written, the
   * nearest written ancestor's key, so "missing key" lands on the thing that lacks it.
   */
  locate(path: readonly PathElement[], on: 'key' | 'value' = 'value'): Position {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      const full = depth === path.length;
      const key = this.keyNode(prefix);
      const value = this.node(prefix);
      const preferKey = on === 'key' || !full || value === undefined || (isScalar(value) && value.value === null);
      const chosen = preferKey ? (key ?? value) : (value ?? key);
      if (chosen?.range) return this.position(chosen.range[0]);
      if (!depth && isSeqOrMap(this.doc.contents) && this.doc.contents.range)
        return this.position(this.doc.contents.range[0]);
    }
    return { line: 1, column: 1 };
  }

  /** The scalar exactly as written (for numbers whose digits must survive, e.g. longs beyond 2^53). */
  sourceText(path: readonly PathElement[]): string | undefined {
    const node = this.node(path);
    return isScalar(node) && node.range ? this.text.slice(node.range[0], node.range[1]).trim() : undefined;
  }

  /** Map keys in written order, with their key positions. */
  entries(path: readonly PathElement[]): Array<{ key: string; position: Position }> {
    const node = path.length ? this.node(path) : (this.resolve(this.doc.contents) as Node | undefined);
    if (!isMap(node)) return [];
    const out: Array<{ key: string; position: Position }> = [];
    for (const pair of node.items) {
      const key = pair.key;
      const name = isScalar(key) ? String(key.value) : String(key);
      const range = isScalar(key) || isMap(key) || isSeq(key) ? key.range : undefined;
      out.push({ key: name, position: range ? this.position(range[0]) : this.locate(path) });
    }
    return out;
  }

  private pairs(map: object): Map<string, Pair> {
    let index = this.pairIndex.get(map);
    if (!index) {
      index = new Map();
      if (isMap(map)) {
        for (const pair of map.items) {
          if (!isPair(pair)) continue;
          const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          if (!index.has(name)) index.set(name, pair as Pair);
        }
      }
      this.pairIndex.set(map, index);
    }
    return index;
  }

  private resolve(node: unknown): unknown {
    let current = node;
    for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(this.doc);
    return current;
  }
}

/** A config file (JSON is YAML) parsed with positions: its syntax problems and any offset as `file:line:column`. */
export function parseConfigDocument(
  text: string,
  file: string,
): { doc: Document.Parsed; placeOf: (offset: number) => string; syntaxProblems: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const placeOf = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const syntaxProblems = doc.errors.map((error) => `${placeOf(error.pos[0])}: ${error.message.split('\n')[0]}`);
  return { doc, placeOf, syntaxProblems };
}

/**
 * For a plain parsed document (the config files): the deepest node written on `route`, and whether all of it is,
 * so a wrong value is pointed at and a missing one at its parent.
 */
export function deepestNodeOn(doc: Document, route: readonly PropertyKey[]): { node: Node | null; found: boolean } {
  let node: unknown = doc.contents;
  for (const key of route) {
    let next: unknown;
    if (isMap(node)) next = node.get(typeof key === 'number' ? key : String(key), true);
    else if (isSeq(node) && typeof key === 'number') next = node.get(key, true);
    if (next === undefined || next === null) return { node: (node as Node) ?? null, found: false };
    node = next;
  }
  return { node: (node as Node) ?? null, found: true };
}

/** Where the key that ends `route` is written: an unknown key is reported at itself, not at the map that holds it. */
export function keyRangeOf(doc: Document, route: readonly PropertyKey[]): [number, number, number] | undefined {
  const parent = deepestNodeOn(doc, route.slice(0, -1)).node;
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === route[route.length - 1]);
  return isScalar(pair?.key) ? (pair.key.range ?? undefined) : undefined;
}

function isSeqOrMap(node: unknown): node is Node {
  return isMap(node) || isSeq(node);
}

function yamlProblemText(code: string, message: string, text: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(text.slice(offset))?.[1].trim() ?? '';
    return `key ${key.startsWith('"') ? key : JSON.stringify(key.replace(/^'|'$/g, ''))} appears twice in the same map`;
  }
  const known = PROBLEM_TEXT[code];
  if (known) return `invalid YAML: ${known}`;
  const first = message
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
  return `invalid YAML: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}
