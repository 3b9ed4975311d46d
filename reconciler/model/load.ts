/**
 * Manifests in, one desired state out — or every problem at once, each as `file:line:column: message`.
 * `buildDesiredState` is pure (texts in, data out); `loadDesiredState` is the thin shell that reads a directory.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { ENVIRONMENTS_DIR, EnvironmentNameSchema, type AclEntry, type DesiredState, type Origin } from './schema';
import { aclKey, quotaEntityKey } from './keys';
import { expandAcl, expandApp, type AppManifest } from './expand';
import { Collector, originOf, withPrefix, type Diagnostic } from './collector';
import {
  checkAcl,
  checkApp,
  checkDuplicates,
  checkNaming,
  checkQuotas,
  checkScope,
  checkTopicCollisions,
  suggester,
  type References,
} from './cross-checks';
import { readEnvironmentFile, readManifest } from './read-manifest';
import { readSettings } from './read-settings';
import type { PathElement } from './yaml-file';
import { FastYamlFile } from './fast-yaml-file';
import type { ManifestDocument } from './manifest-document';

export type { Diagnostic } from './collector';

export interface ManifestSource {
  /** Relative to the manifests root, '/'-separated. */
  path: string;
  text: string;
}

export interface LoadResult {
  /** null iff there is at least one diagnostic. */
  state: DesiredState | null;
  diagnostics: Diagnostic[];
  /** sha256 over every file read (its path under the root and its bytes): what a saved plan is bound to. */
  digest?: string;
  /** The environments the tree declares (`environments/<name>.yaml`), sorted; empty when it declares none. */
  environments?: string[];
}

export interface LoadOptions {
  /**
   * Shown before every file named in a diagnostic (e.g. "desired-state"), so messages point at paths an editor
   * or a CI annotation can open. Origins stay relative to the manifests root.
   */
  displayPrefix?: string;
  /**
   * The environment to build (`--env NAME`, the controller config's `environment`): the shared manifests plus
   * `environments/NAME.yaml`. Undefined: the shared manifests alone.
   */
  environment?: string;
  /** The setting that named the environment, for the message when it does not exist (default `--env`). */
  environmentSetting?: string;
  /**
   * The controller's `environment` is also just a label: a tree that declares no environments at all is then built
   * from its shared manifests. A tree that declares some must declare this one. Default false (`--env` must exist).
   */
  environmentMayBeLabel?: boolean;
}

export const SETTINGS_FILES = ['settings.yaml', 'settings.yml'];

const MANIFEST_EXTENSIONS = ['.yaml', '.yml'];

/** `file:line:column: message` (a problem with no position, like an empty directory, is `file: message`). */
export function formatDiagnostic(d: Diagnostic): string {
  return d.line > 0 ? `${d.file}:${d.line}:${d.column}: ${d.message}` : `${d.file}: ${d.message}`;
}

/** The fast parser when the file is plain YAML; the `yaml` package (and its messages) for anything else. */
export function openDocument(file: string, text: string): ManifestDocument {
  try {
    return new FastYamlFile(file, text);
  } catch {
    // Loaded on the first file the fast path cannot read: plain manifests never load the `yaml` package.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous lazy load; the type is the module's
    const { YamlFile } = require('./yaml-file') as typeof import('./yaml-file');
    return new YamlFile(file, text);
  }
}

function appOrigins(src: ManifestDocument, at: PathElement[], a: AppManifest) {
  return {
    app: originOf(src, at, 'key'),
    produces: a.produces.map((_, i) => originOf(src, [...at, 'produces', i], 'value')),
    consumes: a.consumes.map((_, i) => originOf(src, [...at, 'consumes', i], 'value')),
    transactionalIds: a.transactionalIds.map((_, i) => originOf(src, [...at, 'transactionalIds', i], 'value')),
  };
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.column !== b.column) return a.column - b.column;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Under `environments/`: an environment's overrides, not a shared manifest. */
export function isEnvironmentFile(file: string): boolean {
  return file.startsWith(`${ENVIRONMENTS_DIR}/`);
}

/** `environments/prod.yaml` → `prod`; null for anything else under environments/ (a folder, another extension). */
function environmentOf(file: string): string | null {
  const match = new RegExp(`^${ENVIRONMENTS_DIR}/([^/]+)\\.ya?ml$`).exec(file);
  return match ? match[1] : null;
}

/** The environments a manifests tree declares, sorted. */
export function environmentNames(files: readonly { path: string }[]): string[] {
  const names = files.flatMap((f) => {
    const name = environmentOf(f.path);
    return name !== null && EnvironmentNameSchema.safeParse(name).success ? [name] : [];
  });
  return [...new Set(names)].sort();
}

/** `environment "prd" does not exist (the manifests declare: prod, staging)`: names the setting and the choices. */
export function unknownEnvironmentMessage(setting: string, environment: string, existing: string[]): string {
  return `${setting}: environment "${environment}" does not exist: no ${ENVIRONMENTS_DIR}/${environment}.yaml (${
    existing.length ? `the manifests declare: ${existing.join(', ')}` : 'the manifests declare no environments'
  })`;
}

/** Pure: every manifest text in, the merged, expanded, validated desired state out (or every problem in it). */
export function buildDesiredState(files: ManifestSource[], options: LoadOptions = {}): LoadResult {
  const c = new Collector(options.displayPrefix);
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const settingsFiles = sorted.filter((f) => SETTINGS_FILES.includes(f.path));
  const environmentFiles = sorted.filter((f) => isEnvironmentFile(f.path));
  const manifests = sorted.filter((f) => !SETTINGS_FILES.includes(f.path) && !isEnvironmentFile(f.path));
  const environments = environmentNames(environmentFiles);
  for (const file of environmentFiles) {
    const name = environmentOf(file.path);
    if (name === null)
      c.report(file.path, { line: 1, column: 1 }, `an environment is one file: ${ENVIRONMENTS_DIR}/<name>.yaml`);
    else if (!EnvironmentNameSchema.safeParse(name).success)
      c.report(file.path, { line: 1, column: 1 }, `environment "${name}": a name is lowercase letters, digits and "-"`);
  }
  const environment =
    options.environmentMayBeLabel && environments.length === 0 && environmentFiles.length === 0
      ? undefined
      : options.environment;
  const environmentFile = environment ? environmentFiles.filter((f) => environmentOf(f.path) === environment) : [];
  if (environment !== undefined && environmentFile.length === 0) {
    const root = options.displayPrefix || '.';
    c.diagnostics.push({
      file: root,
      line: 0,
      column: 0,
      message: unknownEnvironmentMessage(options.environmentSetting ?? '--env', environment, environments),
    });
  }
  if (environmentFile.length > 1)
    c.report(
      environmentFile[1].path,
      { line: 1, column: 1 },
      `environment "${environment}" is also ${environmentFile[0].path}`,
    );
  if (settingsFiles.length > 1) {
    c.report(
      settingsFiles[1].path,
      { line: 1, column: 1 },
      `only one settings file is allowed (also ${settingsFiles[0].path})`,
    );
  }
  const settingsSrc = settingsFiles.length ? openDocument(settingsFiles[0].path, settingsFiles[0].text) : undefined;
  const { settings, naming } = readSettings(c, settingsSrc);
  if (!manifests.length) {
    const root = options.displayPrefix || '.';
    c.diagnostics.push({ file: root, line: 0, column: 0, message: `no manifests found in ${root}` });
  }
  for (const file of manifests) readManifest(c, openDocument(file.path, file.text));
  if (environment !== undefined && environmentFile.length > 0)
    readEnvironmentFile(c, openDocument(environmentFile[0].path, environmentFile[0].text), environment);

  checkDuplicates(c, 'topic', c.topics);
  checkDuplicates(c, 'user', c.users);
  checkDuplicates(c, 'app', c.apps);
  checkTopicCollisions(c);
  checkNaming(c, naming, 'topics', c.topics);
  checkNaming(c, naming, 'users', c.users);
  checkNaming(c, naming, 'apps', c.apps);
  checkScope(c, settings);
  checkQuotas(c, settings);

  const refs: References = {
    topics: new Set(c.topics.keys()),
    users: new Set(c.users.keys()),
    check: c.brokenFiles === 0,
    suggest: suggester(),
  };
  const acls = new Map<string, AclEntry>();
  const add = (entries: AclEntry[]) => {
    for (const entry of entries) {
      const key = aclKey(entry);
      if (!acls.has(key)) acls.set(key, entry);
    }
  };
  for (const acl of c.acls) {
    if (checkAcl(c, acl, refs, settings, naming)) add(expandAcl(acl.value, originOf(acl.src, acl.path, 'value')));
  }
  for (const acl of c.aclViews) checkAcl(c, acl, refs, settings, naming);
  for (const app of c.appViews) checkApp(c, app, refs, settings, naming);
  for (const app of c.appManifests) {
    if (checkApp(c, app, refs, settings, naming))
      add(expandApp(app.name, app.value, appOrigins(app.src, app.path, app.value)));
  }

  if (c.diagnostics.length) {
    const seen = new Set<string>();
    const diagnostics = c.diagnostics.sort(compareDiagnostics).filter((d) => {
      const key = formatDiagnostic(d);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return { state: null, diagnostics, environments };
  }
  const keys = [...acls.keys()].sort();
  return {
    state: {
      topics: c.topicSpecs.sort(byName),
      users: c.userSpecs.sort(byName),
      acls: keys.map((key) => acls.get(key)!),
      quotas: c.quotaSpecs.sort((a, b) => (quotaEntityKey(a) < quotaEntityKey(b) ? -1 : 1)),
      settings,
    },
    diagnostics: [],
    environments,
  };
}

/** Every *.yaml / *.yml under `dir` (skipping dot-folders and node_modules), '/'-separated and relative to `dir`. */
async function listManifestFiles(dir: string, sub = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, sub), { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      out.push(...(await listManifestFiles(dir, rel)));
    } else if (entry.isFile() && MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      out.push(rel);
    }
  }
  return out;
}

/**
 * The prefix for files named in messages, from the directory as the user typed it (`desired-state`, `./ds/`, `.`):
 * positions then point at paths an editor or a CI annotation opens from where the command ran.
 */
export function displayPrefixOf(typed: string): string {
  return typed === '.' || typed === './' ? '' : typed.split(path.sep).join('/');
}

/** sha256 over every file's path and bytes, in path order. */
export function manifestsDigest(files: readonly ManifestSource[], environment?: string): string {
  const hash = createHash('sha256');
  // A plan saved for one environment is not the plan of another built from the same files.
  if (environment !== undefined) hash.update(`environment\0${environment}\0`);
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${file.path}\0${Buffer.byteLength(file.text)}\0`).update(file.text);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Reads every manifest under `dir` and builds the desired state. Never throws for a bad directory: it reports it. */
export async function loadDesiredState(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const shown = options.displayPrefix === undefined ? dir : options.displayPrefix || '.';
  let names: string[];
  try {
    names = await listManifestFiles(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return {
      state: null,
      diagnostics: [{ file: shown, line: 0, column: 0, message: `cannot read the manifests directory (${code})` }],
    };
  }
  if (!names.some((name) => !SETTINGS_FILES.includes(name) && !isEnvironmentFile(name))) {
    return {
      state: null,
      diagnostics: [{ file: shown, line: 0, column: 0, message: `no manifests found in ${shown}` }],
    };
  }
  const files: ManifestSource[] = [];
  const unreadable: Diagnostic[] = [];
  await Promise.all(
    names.map(async (name) => {
      try {
        files.push({ path: name, text: await readFile(path.join(dir, name), 'utf8') });
      } catch (error) {
        unreadable.push({
          file: withPrefix(options.displayPrefix, name),
          line: 0,
          column: 0,
          message: `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        });
      }
    }),
  );
  const result = buildDesiredState(files, options);
  if (!unreadable.length) return { ...result, digest: manifestsDigest(files, options.environment) };
  return { state: null, diagnostics: [...unreadable, ...result.diagnostics].sort(compareDiagnostics) };
}

/** Origins name files relative to the manifests root; output names them as the user wrote the directory. */
export function withOriginsUnder(result: LoadResult, dir: string): LoadResult {
  if (!result.state || dir === '.' || dir === '') return result;
  const origin = <T extends { origin?: Origin }>(item: T): T =>
    item.origin ? { ...item, origin: { ...item.origin, file: withPrefix(dir, item.origin.file) } } : item;
  const { topics, users, acls, quotas } = result.state;
  return {
    ...result,
    // Every kind keeps its place: a kind left out here would vanish from the plan of `plan DIR` (quotas once did).
    state: {
      ...result.state,
      topics: topics.map(origin),
      users: users.map(origin),
      acls: acls.map(origin),
      ...(quotas === undefined ? {} : { quotas: quotas.map(origin) }),
    },
  };
}
