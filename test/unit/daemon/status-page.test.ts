import { renderStatusFragment, renderStatusPage } from '../../../reconciler/daemon/status-page';
import type { ControllerStatus } from '../../../reconciler/daemon/controller';

const hostile = '<img src=x onerror="alert(1)">';

const status: ControllerStatus & { environment: string } = {
  environment: 'prod',
  startedAt: '2026-01-01T00:00:00.000Z',
  running: false,
  conditions: [
    {
      type: 'Ready',
      status: 'False',
      reason: 'DriftDetected',
      message: `1 change ${hostile}`,
      lastTransitionTime: '2026-01-01T00:00:01.000Z',
    },
  ],
  lastAppliedRevision: 'c1c1c1c1c1c1c1c1',
  lastAttemptedRevision: 'c2c2c2c2c2c2c2c2',
  lastHandledTriggerAt: '2026-01-01T00:00:01.000Z',
  lastHandledTrigger: `webhook ${hostile}`,
  history: [
    {
      at: '2026-01-01T00:00:01.000Z',
      revision: 'c2c2c2c2c2c2c2c2',
      trigger: 'schedule',
      durationMs: 12,
      result: 'drift',
      counts: { planned: 1, applied: 0, failed: 0, unhealed: 1 },
    },
  ],
  headRevision: 'c2',
  convergedRevision: 'c1',
  lastReconcile: null,
  connected: true,
  drift: [
    {
      id: 'acl:x',
      action: 'create',
      kind: 'acl',
      resource: hostile,
      expected: 'present',
      found: 'absent',
      plan: `+ acl ${hostile}`,
      origin: `acls.yaml:3:5`,
    },
  ],
  badCommit: { revision: 'c3', status: 'invalid', problems: [`a.yaml:1:1: unknown key "${hostile}"`] },
  lastGoodCommitReconcile: null,
  lastError: null,
  sourceError: null,
  consecutiveFailures: 0,
  nextRetryAt: null,
  signature: {
    revision: 'c2',
    verified: false,
    signer: null,
    key: null,
    committer: hostile,
    reason: `not signed ${hostile}`,
    at: '2026-01-01T00:00:01.000Z',
    appliedRevision: 'c1',
  },
};

describe('status page', () => {
  it('escapes everything that came from git or the cluster', () => {
    const page = renderStatusPage(status);
    expect(page).not.toContain('<img');
    expect(page).toContain('+ acl &lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(page).toContain('refused: not signed &lt;img');
    expect(page).toContain('unknown key &quot;&lt;img');
    // The only script is the page's own, from the same origin.
    expect(page.match(/<script/g)).toEqual(['<script']);
    expect(page).toContain('<script src="/status.js" defer></script>');
  });

  it('shows the environment, applied vs attempted revision, drift as the plan prints it, and the runs', () => {
    const fragment = renderStatusFragment(status);
    expect(fragment).toContain('<span id="environment">prod</span>');
    expect(fragment).toMatch(/id="applied-revision">\s*<code[^>]*>c1c1c1c1c1c1</);
    expect(fragment).toMatch(/id="attempted-revision">\s*<code[^>]*>c2c2c2c2c2c2</);
    expect(fragment).toContain('declared at acls.yaml:3:5');
    expect(fragment.replace(/\s+/g, ' ')).toMatch(/<tr class="drift">.*schedule.*12 ms.*drift.*1\/0\/0\/1/);
  });
});
