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
  /** The environment this section is for (`environments/<name>.yaml`); absent for a tree without environments. */
  environment?: string;
}

/** Whether the pull request may merge as far as the manifests go: they load and break no policy. */
export function commentPasses(input: PlanCommentInput): boolean {
  return input.head.loaded && input.violations !== null && input.violations.length === 0;
}

/** GitHub refuses a comment body over 65,536 characters; keep a margin for the API's own accounting. */
export const COMMENT_LIMIT = 60_000;

/**
 * The comment, within `limit` characters: a pull request too large for one comment keeps its summary, validation and
 * policy whole, and shows as many diff lines (and as much of the live plan) as fit, saying what was left out.
 */
export function renderPlanComment(input: PlanCommentInput, limit = COMMENT_LIMIT): string {
  const full = composeComment(input, input.changes?.length ?? 0, true);
  if (full.length <= limit) return full;
  // The live plan goes first when even no diff line leaves room for it: the diff is what the reviewer must see.
  const live = composeComment(input, 0, true).length <= limit;
  // The largest number of diff lines that fits; the text grows with the count, so a binary search finds it.
  let fits = 0;
  let tooMany = (input.changes?.length ?? 0) + 1;
  while (tooMany - fits > 1) {
    const middle = Math.floor((fits + tooMany) / 2);
    if (composeComment(input, middle, live).length <= limit) fits = middle;
    else tooMany = middle;
  }
  return composeComment(input, fits, live);
}

/**
 * One comment for several environments: a section each, in the order given, sharing the size limit; the marker that
 * finds the comment to update appears once, at the top.
 */
export function renderPlanComments(inputs: PlanCommentInput[], limit = COMMENT_LIMIT): string {
  if (inputs.length === 1) return renderPlanComment(inputs[0], limit);
  const share = Math.floor((limit - 200) / inputs.length);
  return inputs
    .map((input, i) => {
      const section = renderPlanComment(input, share);
      return i === 0 ? section : section.replace(`${PLAN_COMMENT_MARKER}\n\n`, '');
    })
    .join('\n---\n\n');
}

function composeComment(input: PlanCommentInput, shownChanges: number, showLivePlan: boolean): string {
  const head = input.head.ref === WORK_TREE ? '' : ` --head ${input.head.ref}`;
  const env = input.environment === undefined ? '' : ` --env ${input.environment}`;
  const reproduce = (command: string) => `msk-gitops ${command} --base ${input.base.ref}${head}${env} ${input.dir}`;
  const where = input.environment === undefined ? '' : `, environment \`${input.environment}\``;
  const parts = [
    PLAN_COMMENT_MARKER,
    `### msk-gitops plan for \`${input.dir}\`${where} (\`${input.base.ref}\` → \`${input.head.ref}\`)`,
    summaryLine(input),
    validationSection(input),
    policySection(input),
    diffSection(input, shownChanges, reproduce('diff')),
  ];
  if (input.live) parts.push(liveSection(input.live, showLivePlan));
  parts.push(
    `<sub>Reproduce: <code>${escapeHtml(reproduce('comment'))}</code> · updated in place on every push.</sub>`,
  );
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

function diffSection(input: PlanCommentInput, shown: number, command: string): string {
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
  const left = input.changes.length - shown;
  const body = renderDiffMarkdownBody(input.changes.slice(0, shown));
  const note =
    left > 0 ? `\n_…and ${plural(left, 'more change')}, too many for one comment: run \`${command}\`._\n` : '';
  return details(
    `Diff: ${summarizeChanges(input.changes)}`,
    shown === 0 && left > 0 ? note : body + note,
    input.changes.length > 0 && input.changes.length <= 40,
  );
}

function liveSection(live: LivePlanOutcome, showPlan: boolean): string {
  if ('error' in live) {
    return details(
      '⚠️ Live plan: unavailable',
      `The cluster could not be planned against:\n\n${fenced(live.error, 'text')}`,
      false,
    );
  }
  if (!showPlan) {
    return details(
      'Live plan against the cluster',
      '_Too long for one comment: run `msk-gitops plan --format markdown` where the cluster is reachable._',
      false,
    );
  }
  return details('Live plan against the cluster', live.markdown, false);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
