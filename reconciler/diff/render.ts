/** The semantic diff as text (a terminal), markdown (a pull request) and JSON (a tool). Pure. */
import { formatChange, formatOrigin, type SemanticChange, type SemanticChangeKind } from './semantic';

export type DiffFormat = 'text' | 'markdown' | 'json';
export const DIFF_FORMATS: readonly DiffFormat[] = ['text', 'markdown', 'json'];

/** What was compared: the revisions as the user named them and the commits they resolved to. */
export interface DiffSubject {
  dir: string;
  base: { ref: string; commit: string | null };
  head: { ref: string; commit: string | null };
}

/** `7 changes (4 added, 1 removed, 2 changed)` (or `no changes`). */
export function summarizeChanges(changes: SemanticChange[]): string {
  if (changes.length === 0) return 'no changes';
  const count = (sign: string) => changes.filter((change) => change.sign === sign).length;
  const parts = [
    [count('+'), 'added'],
    [count('-'), 'removed'],
    [count('~'), 'changed'],
  ]
    .filter(([n]) => n !== 0)
    .map(([n, word]) => `${n} ${word}`);
  return `${plural(changes.length, 'change')} (${parts.join(', ')})`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One line per change with its place, for a terminal and for a fenced block. A removal's place is in the base
 * revision (`# was file:line:column`): that line is not in the head any more.
 */
export function diffLines(changes: SemanticChange[]): string[] {
  return changes.map((change) => {
    const origin = formatOrigin(change.origin);
    if (!origin) return formatChange(change);
    return `${formatChange(change)}  # ${change.originRevision === 'base' ? 'was ' : ''}${origin}`;
  });
}

export function renderDiffText(subject: DiffSubject, changes: SemanticChange[]): string {
  const header = `${subject.dir}: ${subject.base.ref} → ${subject.head.ref}: ${summarizeChanges(changes)}`;
  return [header, ...diffLines(changes)].join('\n') + '\n';
}

const SECTIONS: { title: string; kinds: SemanticChangeKind[] }[] = [
  { title: 'Settings', kinds: ['setting'] },
  { title: 'Topics', kinds: ['topic', 'topic-partitions', 'topic-replication', 'topic-config'] },
  { title: 'Users', kinds: ['user', 'user-mechanism', 'user-iterations', 'user-password'] },
  { title: 'ACLs', kinds: ['acl'] },
  { title: 'Quotas', kinds: ['quota'] },
];

/** The changes as `diff` fenced blocks (GitHub colours `+` and `-` lines), one per kind of resource. */
export function renderDiffMarkdownBody(changes: SemanticChange[]): string {
  if (changes.length === 0) return '_No changes to the desired state._\n';
  const blocks: string[] = [];
  for (const section of SECTIONS) {
    const inSection = changes.filter((change) => section.kinds.includes(change.kind));
    if (inSection.length === 0) continue;
    blocks.push(`**${section.title}**\n\n${fenced(diffLines(inSection).join('\n'), 'diff')}`);
  }
  return blocks.join('\n\n') + '\n';
}

export function renderDiffMarkdown(subject: DiffSubject, changes: SemanticChange[]): string {
  return `### \`${subject.dir}\`: \`${subject.base.ref}\` → \`${subject.head.ref}\`\n\n${summarizeChanges(changes)}\n\n${renderDiffMarkdownBody(changes)}`;
}

export function renderDiffJson(subject: DiffSubject, changes: SemanticChange[]): string {
  return `${JSON.stringify({ ...subject, summary: summarizeChanges(changes), changes }, null, 2)}\n`;
}

export function renderDiff(format: DiffFormat, subject: DiffSubject, changes: SemanticChange[]): string {
  if (format === 'json') return renderDiffJson(subject, changes);
  if (format === 'markdown') return renderDiffMarkdown(subject, changes);
  return renderDiffText(subject, changes);
}

/**
 * A fenced code block whose fence is longer than any run of backticks inside, so text from a manifest (a message
 * quoting a value) can never close the block and inject markdown into the comment.
 */
export function fenced(content: string, language = ''): string {
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${content}\n${fence}`;
}
