/** The sample manifests repository stays usable: its manifests load, and its workflow matches the tool's action. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { PLAN_COMMENT_MARKER } from '../../../reconciler/diff/plan-comment';
import { loadDesiredState } from '../../../reconciler/model/load';
import { commands } from '../../../reconciler/cli/commands';

const ROOT = path.join(__dirname, '../../..');
const EXAMPLE = path.join(ROOT, 'examples/manifests-repo');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

test('the sample manifests load', async () => {
  const result = await loadDesiredState(path.join(EXAMPLE, 'desired-state'));
  expect(result.diagnostics).toEqual([]);
});

interface Action {
  inputs: Record<string, unknown>;
  runs: { using: string; steps: Step[] };
}

test('the workflow reviews with the msk-gitops action, pinned, and passes only inputs the action declares', async () => {
  const text = await readFile(path.join(EXAMPLE, '.github/workflows/msk-gitops.yml'), 'utf8');
  const workflow = parse(text) as { on: Record<string, unknown>; jobs: { review: { steps: Step[] } } };
  expect(Object.keys(workflow.on)).toEqual(['pull_request']);
  const steps = workflow.jobs.review.steps;
  expect(steps[0]).toMatchObject({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
  const review = steps.filter((step) => /^[\w.-]+\/msk-gitops@/.test(step.uses ?? ''));
  expect(review).toHaveLength(1);
  expect(review[0].uses).toMatch(/@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/);
  const action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as Action;
  expect(Object.keys(review[0].with ?? {}).filter((name) => !(name in action.inputs))).toEqual([]);
});

test('the action runs commands that exist and finds the comment by the tool’s marker', async () => {
  const action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as Action;
  expect(action.runs.using).toBe('composite');
  const steps = action.runs.steps;
  const invoked = steps.flatMap((step) => [...(step.run ?? '').matchAll(/msk-gitops (\w[\w-]*)/g)].map((m) => m[1]));
  expect(invoked.filter((name) => !(name in commands))).toEqual([]);
  expect(new Set(invoked)).toEqual(new Set(['validate', 'policy', 'diff', 'comment']));
  const post = steps.find((step) => step.uses?.startsWith('actions/github-script@'));
  expect(String(post?.with?.script)).toContain(`const marker = '${PLAN_COMMENT_MARKER}';`);
});

test('CODEOWNERS routes each sample app to its team', async () => {
  const owners = await readFile(path.join(EXAMPLE, 'CODEOWNERS'), 'utf8');
  for (const app of ['central', 'lms', 'pos', 'ticketing']) {
    expect(owners).toMatch(new RegExp(`^/desired-state/apps/${app}\\.yaml +@org/${app}-team`, 'm'));
  }
  expect(owners).toMatch(/^\/desired-state\/settings\.yaml +@org\/platform-team/m);
});
