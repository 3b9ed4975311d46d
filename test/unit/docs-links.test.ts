/**
 * The docs hold together: every relative link and `#anchor` in README.md, CONTRIBUTING.md, CHANGELOG.md and docs/*.md
 * resolves (anchors as GitHub renders them), each docs page opens with the question it answers, and README.md stays
 * a front door.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');
const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The lines outside fenced code blocks, with inline code spans kept only as link text can hold them. */
function proseLines(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) fence = marker;
    else if (
      fence !== undefined &&
      marker &&
      marker[0] === fence[0] &&
      marker.length >= fence.length &&
      !line.trim().slice(marker.length)
    )
      fence = undefined;
    else if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** GitHub's heading ids (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(readFileSync(file, 'utf8'))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function linksOf(page: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(readFileSync(path.join(ROOT, page), 'utf8'))) {
    const withoutCode = line.replace(/`[^`]*`/g, 'code');
    for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(match[1]);
  }
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('the documentation', () => {
  it.each(PAGES)('%s: every relative link and anchor resolves', (page) => {
    const broken: string[] = [];
    for (const target of linksOf(page)) {
      const [file, anchor] = target.split('#', 2);
      const resolved = file
        ? path.resolve(path.dirname(path.join(ROOT, page)), decodeURIComponent(file))
        : path.join(ROOT, page);
      if (!resolved.startsWith(ROOT + path.sep)) broken.push(`${target}: outside the repository`);
      else if (!existsSync(resolved)) broken.push(`${target}: no such file`);
      else if (anchor !== undefined && (statSync(resolved).isDirectory() || !anchorsOf(resolved).has(anchor)))
        broken.push(`${target}: no heading with that anchor`);
    }
    expect(broken).toEqual([]);
  });

  it.each(PAGES.filter((page) => page.startsWith('docs/')))('%s opens with the question it answers', (page) => {
    const [title, blank, first] = readFileSync(path.join(ROOT, page), 'utf8').split('\n');
    expect(title).toMatch(/^# /);
    expect(blank).toBe('');
    expect(first).toMatch(/^This page answers: /);
  });

  it('README.md is a front door of at most 200 lines', () => {
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(200);
  });
});
