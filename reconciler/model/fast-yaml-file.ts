/**
 * The loader's fast path: js-yaml parses several times faster than the `yaml` package, and its open/close events
 * give every node's place. Anything it cannot read plainly (a syntax error, a duplicate key, an alias, a shape it did
 * not report node by node) throws, and the caller falls back to `YamlFile`, which reports problems with the `yaml`
 * package's own messages.
 *
 * Why two parsers: measured at the benchmark's scale (10,000 ACL bindings, 1,000 topics, 11 files, 1.07 MB;
 * `buildDesiredState`, median of 7 in one process, same machine and load), the whole load takes 3.7 times as long
 * with the `yaml` package alone (17.3 s against 4.7 s on a 2-core machine at load 29; the benchmark's quiet-machine
 * figure for the fast path is 0.25 s). Loading is most of a no-op reconcile at that size, so the fast path stays;
 * `yaml` stays for its error messages. Re-measure before dropping either (docs/architecture.md says how).
 */
import { CORE_SCHEMA, load } from 'js-yaml';
import type { ManifestDocument } from './manifest-document';
import type { PathElement, Position } from './yaml-file';

interface Frame {
  open: number;
  close: number;
  kind: string | null;
  result: unknown;
  children: Frame[];
}

class NotPlain extends Error {}

/**
 * A block-sequence item is reported twice: the item, and inside it the node js-yaml first tried as a mapping key,
 * with the same value. The inner one is the node.
 */
function unwrap(frame: Frame): Frame {
  let current = frame;
  while (current.children.length === 1 && current.children[0].result === current.result) current = current.children[0];
  return current;
}

export class FastYamlFile implements ManifestDocument {
  readonly value: unknown;
  readonly problems = [];
  private readonly root: Frame | undefined;
  private readonly lineStarts: number[] = [0];
  private readonly pairIndex = new Map<Frame, Map<string, { key: Frame; value: Frame }>>();

  /** Throws when the text is not plain enough for the fast path; use `YamlFile` then. */
  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    const top: Frame = { open: 0, close: text.length, kind: null, result: undefined, children: [] };
    const stack: Frame[] = [top];
    this.value = load(text, {
      filename: file,
      schema: CORE_SCHEMA,
      listener(event, state) {
        if (event === 'open') {
          stack.push({ open: state.position, close: -1, kind: null, result: undefined, children: [] });
        } else {
          const frame = stack.pop()!;
          frame.close = state.position;
          frame.kind = state.kind;
          frame.result = state.result;
          stack[stack.length - 1].children.push(frame);
        }
      },
    });
    if (top.children.length > 1) throw new NotPlain('more than one root node');
    this.root = top.children[0] && unwrap(top.children[0]);
    if (this.root) this.check(this.root);
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  /** Every mapping reported as key/value pairs matching its result, every sequence item by item. */
  private check(frame: Frame): void {
    frame.children = frame.children.map(unwrap);
    const { result, children, kind } = frame;
    if (kind === 'mapping') {
      const keys = result !== null && typeof result === 'object' ? Object.keys(result) : [];
      if (children.length !== keys.length * 2) throw new NotPlain('mapping');
      for (let i = 0; i < keys.length; i++) {
        if (String(children[2 * i].result) !== keys[i]) throw new NotPlain('mapping key');
      }
    } else if (kind === 'sequence') {
      if (!Array.isArray(result) || children.length !== result.length) throw new NotPlain('sequence');
    } else if (children.length || (result !== null && typeof result === 'object')) {
      // An alias (or anything else not reported node by node) resolves to a value without its own events.
      throw new NotPlain('not a plain scalar');
    }
    for (const child of children) this.check(child);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }

  /** Where a node's text begins: its open event comes before the separating blanks and comments. */
  private start(frame: Frame): number {
    const text = this.text;
    let i = frame.open;
    for (;;) {
      const ch = text[i];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\ufeff') i++;
      else if (ch === '#') {
        const end = text.indexOf('\n', i);
        i = end === -1 ? text.length : end + 1;
      } else return i;
    }
  }

  private pairs(frame: Frame): Map<string, { key: Frame; value: Frame }> {
    let index = this.pairIndex.get(frame);
    if (!index) {
      index = new Map();
      for (let i = 0; i + 1 < frame.children.length; i += 2) {
        index.set(String(frame.children[i].result), { key: frame.children[i], value: frame.children[i + 1] });
      }
      this.pairIndex.set(frame, index);
    }
    return index;
  }

  private frames(path: readonly PathElement[]): { key?: Frame; value?: Frame } {
    let value = this.root;
    let key: Frame | undefined;
    for (const element of path) {
      if (!value) return {};
      if (value.kind === 'mapping') {
        const pair = this.pairs(value).get(String(element));
        key = pair?.key;
        value = pair?.value;
      } else if (value.kind === 'sequence' && typeof element === 'number') {
        key = undefined;
        value = value.children[element];
      } else return {};
    }
    return { key, value };
  }

  locate(path: readonly PathElement[], on: 'key' | 'value' = 'value'): Position {
    for (let depth = path.length; depth >= 0; depth--) {
      const { key, value } = this.frames(path.slice(0, depth));
      const full = depth === path.length;
      const isNull = value !== undefined && value.result === null;
      const preferKey = on === 'key' || !full || value === undefined || isNull;
      const chosen = preferKey ? (key ?? (isNull ? undefined : value)) : (value ?? key);
      if (chosen) return this.position(this.start(chosen));
    }
    return { line: 1, column: 1 };
  }

  sourceText(path: readonly PathElement[]): string | undefined {
    const { value } = this.frames(path);
    if (!value || value.kind !== 'scalar') return undefined;
    return this.text.slice(this.start(value), value.close).trim();
  }

  entries(path: readonly PathElement[]): Array<{ key: string; position: Position }> {
    const { value } = this.frames(path);
    if (!value || value.kind !== 'mapping') return [];
    const out: Array<{ key: string; position: Position }> = [];
    for (let i = 0; i + 1 < value.children.length; i += 2) {
      const key = value.children[i];
      out.push({ key: String(key.result), position: this.position(this.start(key)) });
    }
    return out;
  }
}
