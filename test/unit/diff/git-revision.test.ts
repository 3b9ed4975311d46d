/** Reading manifests out of git: the loader's file rules, any working directory, and the work tree left alone. */
import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { readManifestsAtRevision } from '../../../reconciler/diff/git-revision';
import { createManifestsRepo, type ManifestsRepo } from './manifests-repo';

let repo: ManifestsRepo;

beforeAll(async () => {
  repo = await createManifestsRepo();
  await repo.commit('v1', 'manifests and neighbours', {
    'manifests/topics.yaml': 'topics: {}\n',
    'manifests/apps/lms.yml': 'apps: {}\n',
    'manifests/README.md': '# not a manifest\n',
    'manifests/.drafts/next.yaml': 'topics: {}\n',
    'manifests/node_modules/x/package.yaml': 'x: 1\n',
    'manifests-old/topics.yaml': 'topics: {}\n',
    'manifests/unicode.yaml': '# café ✓\ntopics: {}\n',
  });
  await symlink('topics.yaml', path.join(repo.dir, 'manifests/link.yaml'));
  await repo.commit('v2', 'a symlink, and the work tree changes after it', {});
  await repo.write({ 'manifests/topics.yaml': 'uncommitted: true\n' });
});

afterAll(async () => {
  await repo?.remove();
});

test('only manifests under the directory, relative to it, sorted; blobs read byte-exact', async () => {
  const revision = await readManifestsAtRevision({ cwd: repo.dir, dir: 'manifests', ref: 'v2' });
  expect(revision.dirExists).toBe(true);
  expect(revision.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(revision.files).toEqual([
    { path: 'apps/lms.yml', text: 'apps: {}\n' },
    { path: 'topics.yaml', text: 'topics: {}\n' },
    { path: 'unicode.yaml', text: '# café ✓\ntopics: {}\n' },
  ]);
  // The work tree keeps its uncommitted edit: nothing was checked out.
  expect(await readFile(path.join(repo.dir, 'manifests/topics.yaml'), 'utf8')).toBe('uncommitted: true\n');
});

test('from a subdirectory, with the directory written relative to it', async () => {
  const revision = await readManifestsAtRevision({ cwd: path.join(repo.dir, 'manifests/apps'), dir: '..', ref: 'v1' });
  expect(revision.files.map((file) => file.path)).toEqual(['apps/lms.yml', 'topics.yaml', 'unicode.yaml']);
});

test('a directory missing at the revision is empty, not an error; a path outside the repository is', async () => {
  expect(await readManifestsAtRevision({ cwd: repo.dir, dir: 'later', ref: 'v1' })).toMatchObject({
    dirExists: false,
    files: [],
  });
  await expect(readManifestsAtRevision({ cwd: repo.dir, dir: '..', ref: 'v1' })).rejects.toThrow(
    /is outside the git repository/,
  );
  await expect(readManifestsAtRevision({ cwd: repo.dir, dir: 'manifests', ref: '--output=x' })).rejects.toThrow(
    '"--output=x" is not a git revision',
  );
});
