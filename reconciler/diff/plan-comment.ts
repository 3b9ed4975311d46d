/**
 * The one pull-request comment: validation, policy, the semantic diff and (when CI can reach the cluster) the live
 * plan, under a summary line. Pure and stable — no clock, no commit ids that change when nothing did, everything
 * sorted — so CI can find it by its marker and rewrite it in place, and an unchanged pull request rewrites it
 * identically.
 */
import { formatDiagnostic, type Diagnostic } from '../model/load';
import { formatViolation, type PolicyViolation } from '../policy/checks';
import { fenced, plural, renderDiffMarkdownBody, summarizeChanges } from './render';
import type { SemanticChange } from './semantic';
import { WORK_TREE } from './revisions';

/** CI finds the comment to update by this line (invisible in the rendered comment). */
export const PLAN_COMMENT_MARKER = '<!-- msk-gitops:plan-comment -->';

export interface RevisionOutcome {
  /** As the user named it: `origin/main`, `HEAD`, or `the work tree`. */
  ref: string;
  /** True when the manifests at this revision loaded (no diagnostics). */
  loaded: boolean;
  diagnostics: Diagnostic[];
}

export type LivePlanOutcome = { markdown: string } | { error: string };

export interface PlanCommentInput {
  dir: string;
  base: RevisionOutcome;
  head: RevisionOutcome;
  /** Null when either side did not load. */
  changes: SemanticChange[] | null;
  /** Null when the head did not load (nothing to judge). */
  violations: PolicyViolation[] | null;
  /** Absent when the live plan was not asked for. */
  live?: LivePlanOutcome;
}

/** Whether the pull request may merge as far as the manifests go: they load and break no policy. */
export function commentPasses(input: PlanCommentInput): boolean {
  return input.head.loaded && input.violations !== null && input.violations.length === 0;
}

export function renderPlanComment(input: PlanCommentInput): string {
  const parts = [
    PLAN_COMMENT_MARKER,
    `### msk-gitops plan for \`${input.dir}\` (\`${input.base.ref}\` → \`${input.head.ref}\`)`,
    summaryLine(input),
    validationSection(input),
    policySection(input),
    diffSection(input),
  ];
  if (input.live) parts.push(liveSection(input.live));
  const head = input.head.ref === WORK_TREE ? '' : ` --head ${input.head.ref}`;
  const command = `msk-gitops comment --base ${input.base.ref}${head} ${input.dir}`;
  parts.push(`<sub>Reproduce: <code>${escapeHtml(command)}</code> · updated in place on every push.</sub>`);
  return parts.join('\n\n') + '\n';
}

function summaryLine(input: PlanCommentInput): string {
  const validation = input.head.loaded
    ? '✅ validation'
    : `❌ validation (${plural(input.head.diagnostics.length, 'error')})`;
  const policy =
    input.violations === null
      ? '⏭️ policy not checked'
      : input.violations.length === 0
        ? '✅ policy'
        : `❌ policy (${plural(input.violations.length, 'violation')})`;
  const changes = input.changes === null ? 'diff not computed' : summarizeChanges(input.changes);
  const parts = [validation, policy, `**${changes}**`];
  if (input.live) parts.push('error' in input.live ? '⚠️ live plan unavailable' : 'live plan below');
  return parts.join(' · ');
}

function details(summary: string, body: string, open: boolean): string {
  return `<details${open ? ' open' : ''}>\n<summary>${summary}</summary>\n\n${body.trimEnd()}\n\n</details>`;
}

function validationSection(input: PlanCommentInput): string {
  if (input.head.loaded) return details('✅ Validation: the manifests load', 'No errors.', false);
  const lines = input.head.diagnostics.map(formatDiagnostic).join('\n');
  return details(
    `❌ Validation: ${plural(input.head.diagnostics.length, 'error')}`,
    `Nothing can be planned until these are fixed:\n\n${fenced(lines, 'text')}`,
    true,
  );
}

function policySection(input: PlanCommentInput): string {
  if (input.violations === null) return details('⏭️ Policy: not checked', 'The manifests do not load.', false);
  if (input.violations.length === 0) return details('✅ Policy: no violations', 'No violations.', false);
  const lines = input.violations.map(formatViolation).join('\n');
  return details(
    `❌ Policy: ${plural(input.violations.length, 'violation')}`,
    `Each rule can be relaxed in \`settings.yaml\` (\`policy:\`, \`deletions:\`) — a change a reviewer of that file must approve.\n\n${fenced(lines, 'text')}`,
    true,
  );
}

function diffSection(input: PlanCommentInput): string {
  if (input.changes === null) {
    if (!input.base.loaded) {
      const lines = input.base.diagnostics.map(formatDiagnostic).join('\n');
      return details(
        '⏭️ Diff: not computed',
        `The base revision \`${input.base.ref}\` does not load, so there is nothing to compare with:\n\n${fenced(lines, 'text')}`,
        false,
      );
    }
    return details('⏭️ Diff: not computed', 'The manifests of this pull request do not load.', false);
  }
  return details(
    `Diff: ${summarizeChanges(input.changes)}`,
    renderDiffMarkdownBody(input.changes),
    input.changes.length > 0 && input.changes.length <= 40,
  );
}

function liveSection(live: LivePlanOutcome): string {
  if ('error' in live) {
    return details(
      '⚠️ Live plan: unavailable',
      `The cluster could not be planned against:\n\n${fenced(live.error, 'text')}`,
      false,
    );
  }
  return details('Live plan against the cluster', live.markdown, false);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
