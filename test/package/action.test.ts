/**
 * msk-gitops installs like any npm tool, and its GitHub Action reviews a pull request as a manifests repository's
 * workflow expects. The action's own steps (action.yml) run here as the runner runs them — each `run:` script through
 * `bash --noprofile --norc -eo pipefail`, its `env:` expressions evaluated, GITHUB_OUTPUT and GITHUB_PATH honoured —
 * against a real git repository with a bare remote. Its install step builds a copy of this repository (npm ci runs
 * the prepare script, tsc), packs it with `npm pack` and installs the tarball into an empty prefix with
 * `npm install --global --prefix`, preferring the npm cache that this checkout's `npm ci` filled.
 *
 * `uses:` steps (setup-node, github-script) are GitHub's: this machine's Node stands in for the first, and the
 * comment-posting script is checked against the tool's marker in test/unit/diff/examples.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { PLAN_COMMENT_MARKER } from '../../reconciler/diff/plan-comment';
import { PROJECT_ROOT } from '../support/built-cli';
import { createManifestsRemote, type ManifestsRemote } from '../support/git-remote';

jest.setTimeout(120_000);

interface ActionStep {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
}

interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const action = parse(readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as Action;
const EXAMPLE_MANIFESTS = path.join(PROJECT_ROOT, 'examples', 'manifests-repo', 'desired-state');

const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-action-'));
const actionDir = path.join(root, 'action'); // what the runner checks out for `uses: owner/msk-gitops@ref`
const runnerTemp = path.join(root, 'runner-temp');
const toolPrefix = path.join(runnerTemp, 'msk-gitops', 'prefix');
/** PATH entries the steps added through GITHUB_PATH, newest first, as the runner prepends them. */
const addedPath: string[] = [];

interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

/** `${{ … }}` in an action's env, from a table of the expressions the action may use: anything else fails the test. */
function evaluate(text: string, context: Record<string, string>): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    if (!(expression in context))
      throw new Error(`action.yml uses an expression the test does not know: ${expression}`);
    return context[expression];
  });
}

/** The environment of a runner's step: no npm lifecycle variables of the jest run around it leak in. */
function runnerEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
  return { ...env, PATH: [...addedPath, process.env.PATH].join(path.delimiter), RUNNER_TEMP: runnerTemp, CI: 'true' };
}

function step(id: string): ActionStep {
  const found = action.runs.steps.find((s) => s.id === id || s.name === id);
  if (!found?.run) throw new Error(`action.yml has no run step "${id}"`);
  return found;
}

/** Runs one `run:` step of the action in `cwd`, with its env evaluated against `context`. */
function runStep(id: string, cwd: string, context: Record<string, string>): StepRun {
  const { run, env = {} } = step(id);
  const dir = mkdtempSync(path.join(root, 'step-'));
  const script = path.join(dir, 'script.sh');
  const output = path.join(dir, 'output');
  const pathFile = path.join(dir, 'path');
  writeFileSync(script, run ?? '');
  writeFileSync(output, '');
  writeFileSync(pathFile, '');
  const stepEnv = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, evaluate(value, context)]));
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd,
    env: { ...runnerEnv(), ...stepEnv, GITHUB_OUTPUT: output, GITHUB_PATH: pathFile },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const entry of readFileSync(pathFile, 'utf8').split('\n').filter(Boolean)) addedPath.unshift(entry);
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, outputs };
}

/** The expressions of a pull_request run from this repository (not a fork), with the action's inputs. */
function pullRequestContext(inputs: Record<string, string>, outputs: Record<string, string> = {}) {
  const context: Record<string, string> = {
    'github.action_path': actionDir,
    'github.base_ref': 'main',
    'github.token': 'not-used-locally',
    'runner.temp': runnerTemp,
    'github.event.pull_request.head.repo.full_name == github.repository': 'true',
    "join(github.event.pull_request.labels.*.name, ',')": 'allow-quota-removal',
  };
  for (const [name, input] of Object.entries(action.inputs)) {
    context[`inputs.${name}`] = inputs[name] ?? evaluate(input.default ?? '', context);
  }
  for (const [name, value] of Object.entries(outputs)) context[`steps.review.outputs.${name}`] = value;
  return context;
}

/** The installed command, as the next steps find it on the PATH. */
function tool(args: string[], cwd: string) {
  return spawnSync('msk-gitops', args, { cwd, env: runnerEnv(), encoding: 'utf8' });
}

let install: StepRun;

beforeAll(() => {
  // The runner's checkout of the action: this repository's files (tracked and new, as git would commit them).
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    // Never node_modules: in a git worktree it can be a symlink to the main checkout's, which the copy's `npm ci`
    // would then empty (that happened once; .gitignore now matches the symlink too).
    .filter((file) => file && file.split('/')[0] !== 'node_modules' && existsSync(path.join(PROJECT_ROOT, file)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(actionDir, file)), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, file), path.join(actionDir, file));
  }
  mkdirSync(runnerTemp);
  install = runStep('Install msk-gitops', root, pullRequestContext({}));
  if (install.code !== 0) throw new Error(`the install step failed:\n${install.stdout}\n${install.stderr}`);
}, 20 * 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm pack and npm install --global --prefix', () => {
  test('the package holds the compiled CLI and what it reads, and nothing else', () => {
    const tarball = execFileSync('bash', ['-c', 'echo "$0"/msk-gitops/pack/*.tgz', runnerTemp], {
      encoding: 'utf8',
    }).trim();
    const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const allowed =
      /^package\/(package\.json|README\.md|LICENSE|bin\/msk-gitops\.js|dist\/reconciler\/.+\.js|reconciler\/localkafka\/pom\.xml)$/;
    expect(entries.filter((entry) => !allowed.test(entry))).toEqual([]);
    expect(entries).toEqual(expect.arrayContaining(['package/bin/msk-gitops.js', 'package/dist/reconciler/cli.js']));
    // Run-time dependencies only: no TypeScript runner, no compiler, no CDKTF.
    const installed = path.join(toolPrefix, 'lib', 'node_modules', 'msk-gitops', 'node_modules');
    for (const devOnly of ['tsx', 'typescript', 'esbuild', 'cdktf', '@cdktf', 'jest'])
      expect(existsSync(path.join(installed, devOnly))).toBe(false);
  });

  test('the installed msk-gitops answers --help, validate and schema from an unrelated directory', () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'msk-gitops-user-'));
    try {
      expect(realpathSync(path.join(toolPrefix, 'bin', 'msk-gitops'))).toBe(
        path.join(realpathSync(toolPrefix), 'lib', 'node_modules', 'msk-gitops', 'bin', 'msk-gitops.js'),
      );
      const help = tool(['--help'], elsewhere);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^usage: msk-gitops <command>/);
      expect(help.stdout).toContain('validate');

      cpSync(EXAMPLE_MANIFESTS, path.join(elsewhere, 'desired-state'), { recursive: true });
      const valid = tool(['validate'], elsewhere);
      expect(valid.stderr).toBe('');
      expect(valid.status).toBe(0);
      writeFileSync(path.join(elsewhere, 'desired-state', 'broken.yaml'), 'topics:\n  bad:\n    partitions: -1\n');
      const invalid = tool(['validate', 'desired-state'], elsewhere);
      expect(invalid.status).toBe(1);
      expect(invalid.stdout).toMatch(/^desired-state\/broken\.yaml:3:\d+: /m);

      const schema = tool(['schema'], elsewhere);
      expect(schema.status).toBe(0);
      expect(JSON.parse(schema.stdout)).toHaveProperty('$schema');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
  test('a command loads only the dependencies it needs: --help none, validate and schema no Kafka, AWS or git client', () => {
    const bin = path.join(toolPrefix, 'bin', 'msk-gitops');
    // The installed command, run with a hook that lists, at exit, the packages its process loaded.
    const loaded = (...args: string[]): string[] => {
      const script = `process.argv = [process.argv[0], 'msk-gitops', ...${JSON.stringify(args)}];
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));
require(${JSON.stringify(realpathSync(bin))});`;
      const run = spawnSync(process.execPath, ['-e', script], { cwd: EXAMPLE_MANIFESTS, encoding: 'utf8' });
      const line = run.stderr.split('\n').find((l) => l.startsWith('LOADED '));
      if (!line) throw new Error(`no module list from msk-gitops ${args.join(' ')}:\n${run.stdout}${run.stderr}`);
      const files = JSON.parse(line.slice('LOADED '.length)) as string[];
      const packages = files.flatMap((file) => {
        const inside = file.split(`node_modules${path.sep}`).slice(1).pop();
        if (!inside) return [];
        const parts = inside.split(path.sep);
        return [parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]];
      });
      return [...new Set(packages)].filter((name) => name !== 'msk-gitops').sort();
    };
    expect(loaded('--help')).toEqual([]);
    const clients = /^(kafkajs|@aws-sdk\/.*|aws-msk-iam-sasl-signer-js|simple-git|chokidar|node-cron|prom-client)$/;
    expect(loaded('validate', '.').filter((name) => clients.test(name))).toEqual([]);
    expect(loaded('schema').filter((name) => clients.test(name))).toEqual([]);
  });
});

describe('the GitHub Action on a pull request', () => {
  let repo: ManifestsRemote;
  let work: string;

  beforeAll(() => {
    repo = createManifestsRemote(mkdtempSync(path.join(root, 'repo-')));
    work = path.dirname(repo.git('rev-parse', '--absolute-git-dir'));
    mkdirSync(path.join(work, 'manifests', 'apps'), { recursive: true });
    const example = (file: string) => readFileSync(path.join(EXAMPLE_MANIFESTS, file), 'utf8');
    repo.commit(
      Object.fromEntries(
        ['settings.yaml', 'topics.yaml', 'users.yaml', 'apps/central.yaml', 'apps/lms.yaml', 'apps/pos.yaml'].map(
          (file) => [file, example(file)],
        ),
      ),
      'manifests as on main',
    );
  });

  /** A pull request branch from main with `change` applied to its files, and the action's steps run on it. */
  function reviewPullRequest(branch: string, change: (file: string, text: string) => string) {
    repo.git('checkout', '-q', '-B', branch, 'origin/main');
    for (const file of ['settings.yaml', 'topics.yaml', 'apps/lms.yaml']) {
      const target = path.join(work, 'manifests', file);
      writeFileSync(target, change(file, readFileSync(target, 'utf8')));
    }
    repo.git('commit', '-q', '-am', branch);
    const context = pullRequestContext({ manifests: 'manifests' });
    const review = runStep('review', work, context);
    const verdict = runStep('Verdict', work, pullRequestContext({ manifests: 'manifests' }, review.outputs));
    return { review, verdict };
  }

  test('a clean pull request passes, with the diff in the comment', () => {
    const { review, verdict } = reviewPullRequest('add-topic', (file, text) =>
      file === 'settings.yaml'
        ? text.replace('topics: [lms-users-acls,', 'topics: [lms-course-events, lms-users-acls,')
        : file === 'topics.yaml'
          ? `${text}\n  lms-course-events:\n    partitions: 3\n    replicationFactor: 2\n`
          : text,
    );
    expect(review.code).toBe(0);
    expect(review.outputs).toMatchObject({ validate: '0', policy: '0', comment: '0' });
    expect(review.stdout).not.toContain('::error');
    const comment = readFileSync(review.outputs['comment-file'], 'utf8');
    expect(comment.startsWith(PLAN_COMMENT_MARKER)).toBe(true);
    expect(comment).toContain('lms-course-events');
    expect(verdict.code).toBe(0);
  });

  test('a pull request that breaks the policy fails the check, annotates the line, and still writes the comment', () => {
    const { review, verdict } = reviewPullRequest('short-prefix', (file, text) =>
      file === 'apps/lms.yaml'
        ? text.replace('- topic: lms-users-acls', '- topic: lm\n        pattern: prefixed')
        : text,
    );
    expect(review.code).toBe(0);
    expect(review.outputs).toMatchObject({ validate: '0', policy: '1' });
    expect(review.stdout).toMatch(/^::error file=manifests\/apps\/lms\.yaml,line=\d+,col=\d+,title=msk-gitops policy/m);
    expect(readFileSync(review.outputs['comment-file'], 'utf8')).toContain(PLAN_COMMENT_MARKER);
    expect(verdict.code).toBe(1);
    expect(verdict.stdout).toContain('::error title=msk-gitops::');
  });
});
