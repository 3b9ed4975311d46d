// Whatever the bytes, the loader answers with a state or with diagnostics: it never throws, never places a problem
// outside the file, and never returns a state alongside a diagnostic.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildDesiredState, type ManifestSource } from '../../../reconciler/model/load';

const DESIRED = path.resolve(__dirname, '../../../desired-state');

function sources(dir: string, rel = ''): ManifestSource[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((entry) => {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return sources(dir, child);
    return [{ path: child, text: readFileSync(path.join(dir, child), 'utf8') }];
  });
}

/** Deterministic, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const NOISE = [' ', '\n', ':', '-', '{', '}', '[', ']', '"', "'", '#', '&', '*', '!', '|', '>', '\t', 'x', '0', ','];

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * text.length);
  switch (Math.floor(next() * 4)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + NOISE[Math.floor(next() * NOISE.length)] + text.slice(at);
    case 2: {
      const lines = text.split('\n');
      const line = Math.floor(next() * lines.length);
      lines.splice(line, 0, lines[line]);
      return lines.join('\n');
    }
    default:
      return text.slice(0, at);
  }
}

describe('robustness', () => {
  const seed = sources(DESIRED);

  it('the example desired state is valid', () => {
    expect(buildDesiredState(seed).diagnostics).toEqual([]);
  });

  it('answers every mutated desired state without throwing', () => {
    const next = random(42);
    let invalid = 0;
    for (let round = 0; round < 1000; round++) {
      const victim = Math.floor(next() * seed.length);
      const files = seed.map((file, i) => (i === victim ? { ...file, text: mutate(file.text, next) } : file));
      const result = buildDesiredState(files);
      if (result.diagnostics.length) {
        invalid++;
        expect(result.state).toBeNull();
        for (const d of result.diagnostics) {
          const file = files.find((f) => f.path === d.file);
          expect(file).toBeDefined();
          const lines = file!.text.split('\n');
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines.length + 1);
          expect(d.column).toBeGreaterThanOrEqual(1);
          expect(d.column).toBeLessThanOrEqual((lines[d.line - 1] ?? '').length + 1);
        }
      } else {
        expect(result.state).not.toBeNull();
      }
    }
    expect(invalid).toBeGreaterThan(300);
  });
});
