/**
 * The status page in a real browser: Debian's headless Chromium driven by playwright-core, the controller on the
 * run's real broker following a bare git remote. The test makes drift on the broker, sees it appear on the open page
 * (no reload), then sees it healed; a commit whose manifest carries markup shows it as text, never as HTML.
 *
 * `MSK_GITOPS_CAPTURE_DIR=/tmp/x` keeps screenshots of the page for the docs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { formatDiagnostic } from '../../reconciler/model/load';
import { reconcileOnce, type ReconcileRequest } from '../../reconciler/reconcile';
import { loadDaemonConfig } from '../../reconciler/daemon/config';
import { startDaemon, type RunningDaemon } from '../../reconciler/daemon/daemon';
import { silentLogger } from '../../reconciler/shared/logger';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';
import { createManifestsRemote, type ManifestsRemote } from '../support/git-remote';

jest.setTimeout(120_000);

const p = uniquePrefix('page');
const topic = `${p}orders`;
const reader = `User:${p}reader`;
const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-page-'));
let repo: ManifestsRemote;
let admin: Admin;
let daemon: RunningDaemon;
let browser: Browser;
let page: Page;
/** Until the test says so, ACLs are only detected, so the drift stays on the page long enough to be seen. */
let healing = false;

const settings = `scope:\n  topics: ["${p}*"]\n  principals: ["User:${p}*"]\n  users: ["${p}*"]\ndeletions:\n  acls: true\n`;
const topics = `topics:\n  ${topic}: {partitions: 1, replicationFactor: 2}\n`;
const acls = `acls:\n  - principal: ${reader}\n    resource: {type: topic, name: ${topic}}\n    operations: [Read]\n    external: true\n`;
const readerAcl = {
  resourceType: AclResourceTypes.TOPIC,
  resourceName: topic,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: reader,
  host: '*',
  operation: AclOperationTypes.READ,
  permissionType: AclPermissionTypes.ALLOW,
};

function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: apt-get update && apt-get install -y chromium (.ci/run does it)');
  }
}

async function textOf(selector: string): Promise<string> {
  return (await page.locator(selector).textContent()) ?? '';
}

/** Waits (the page refreshes itself every 2 s) until the element's text satisfies `test`. */
async function until(selector: string, test: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await textOf(selector).catch(() => '');
    if (test(text)) return text;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the page never showed ${what}; ${selector} says: ${text}`);
}

async function capture(name: string): Promise<void> {
  const dir = process.env.MSK_GITOPS_CAPTURE_DIR;
  if (dir) await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  repo = createManifestsRemote(root);
  const configFile = path.join(root, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      environment: 'staging',
      connection: testProfile(),
      source: { git: { url: repo.remote, path: 'manifests', checkoutDir: 'checkout' } },
      http: { port: 0 },
      auditLog: 'audit.jsonl',
      lockFile: 'msk-gitops.lock',
    }),
  );
  admin = (await testKafka()).admin();
  await admin.connect();
  repo.commit({ 'settings.yaml': settings, 'topics.yaml': topics, 'acls.yaml': acls }, 'orders and its reader');
  daemon = await startDaemon({
    config: loadDaemonConfig(configFile),
    logger: silentLogger(),
    reconcile: (req: ReconcileRequest) =>
      reconcileOnce(healing ? req : { ...req, modes: { ...req.modes, acls: 'detect' } }),
    formatDiagnostic,
    features: { triggers: false },
  });
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteAcls({ filters: [readerAcl] }).catch(() => undefined);
  await admin.disconnect();
  rmSync(root, { recursive: true, force: true });
});

it('shows drift made on the broker, then shows it healed, without a reload', async () => {
  healing = true;
  await daemon.trigger('start');
  healing = false;
  const applied = daemon.controller.status().lastAppliedRevision!;
  await page.goto(`http://127.0.0.1:${daemon.http!.port}/`);
  await page.evaluate(() => ((globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true));
  expect(await textOf('#environment')).toBe('staging');
  expect(await textOf('#applied-revision')).toContain(applied.slice(0, 12));
  expect(await textOf('#drift')).toContain('No drift');
  expect(await textOf('[data-condition="Ready"]')).toContain('ReconciliationSucceeded');

  await admin.deleteAcls({ filters: [readerAcl] });
  await daemon.trigger('schedule');
  const drift = await until('#drift', (text) => text.includes(reader), 'the drift');
  // As the plan prints it: `+ acl ALLOW User:… Read topic:…`, with where git declares it.
  expect(drift).toMatch(new RegExp(`^\\s*\\+ acl .*${reader}.*declared at acls\\.yaml:2:`, 's'));
  expect(await textOf('[data-condition="Ready"]')).toContain('DriftDetected');
  await capture('status-page-drift');

  healing = true;
  await daemon.trigger('schedule');
  await until('#drift', (text) => text.includes('No drift'), 'the drift healed');
  expect(await textOf('#history tbody tr:first-child')).toMatch(/schedule.*converged.*1\/1\/0\/0/s);
  expect(await textOf('[data-condition="Ready"]')).toContain('ReconciliationSucceeded');
  expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  await capture('status-page-healed');
});

it('shows markup from a manifest as text, never as HTML', async () => {
  const payload = '<img src=x onerror=window.pwned=1>';
  const bad = repo.commit({ 'topics.yaml': `${topics}  '${payload}': {partitions: 1}\n` }, 'markup in a name');
  await daemon.trigger('schedule');
  const error = await until('#last-error', (text) => text.includes(bad.slice(0, 12)), 'the refused commit');
  expect(error).toContain(payload);
  expect(await page.locator('#last-error img').count()).toBe(0);
  expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(await textOf('[data-condition="Stalled"]')).toContain('InvalidManifests');
  await capture('status-page-invalid');
});
