/**
 * `msk-gitops import`: adopt a running cluster. Reads it with the reconciler's own observer (the same constant number
 * of requests as a plan), writes manifests in the project's layout, and proves before writing that they load and
 * expand to exactly what was read. A failed read (an authorization error on one kind of resource) writes nothing.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CONNECTION_USAGE, connectionOptions, profileFromArgs, type ConnectionFlags } from './connection-options';
import { createKafka } from '../connection/kafka';
import type { ConnectionProfile } from '../connection/profile';
import { importManifests, verifyImport, type ImportResult } from '../import/manifests';
import type { LiveState } from '../model/schema';
import { observeLive } from '../reconcile';
import { KafkaQuotasAdmin } from '../users/kafka-quotas';
import { adminWithScram } from '../users/kafka-scram';
import { createUserStore, importedPasswordSources } from '../users/store';
import { UsageError, UserFacingError, errorMessage } from '../shared/errors';
import type { Command, CommandContext } from './command';
import { DEFAULT_MANIFESTS_DIR } from './command';

const MANIFEST_FILE = /\.ya?ml$/;

function globList(value: string | undefined): string[] {
  if (value === undefined) return ['*'];
  const globs = value
    .split(',')
    .map((glob) => glob.trim())
    .filter(Boolean);
  if (!globs.length) throw new UsageError('expected at least one glob, e.g. --topics "lms-*,pos-*"');
  return globs;
}

/** YAML manifests already under `dir` (what a non-forced import refuses to mix with, and a forced one replaces). */
async function existingManifests(dir: string, sub = ''): Promise<string[] | null> {
  let entries;
  try {
    entries = await readdir(path.join(dir, sub), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserFacingError(`cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const found: string[] = [];
  for (const entry of entries) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory() && !entry.name.startsWith('.')) found.push(...((await existingManifests(dir, rel)) ?? []));
    else if (!entry.isDirectory()) found.push(rel);
  }
  return found;
}

/** Reads the cluster: the reconcile's own observer (topics, configs, ACLs, users, quotas) and the cluster's id. */
async function readCluster(ctx: CommandContext, profile: ConnectionProfile): Promise<{ live: LiveState; id?: string }> {
  // The password reference resolves in the command's environment, not the process's (main() may be handed another).
  const kafka = await createKafka(profile, { env: ctx.env });
  const { admin, scram, shared } = adminWithScram(kafka);
  // KIP-546 on the admin's connections, as the SCRAM requests are (its own only when there is no shared cluster).
  const quotas = new KafkaQuotasAdmin(shared ?? kafka);
  try {
    await admin.connect();
    const users = createUserStore(profile, kafka, { scram, env: ctx.env, cwd: ctx.cwd });
    // Both reads settle before the finally disconnects: a failed observe must not leave describeCluster in flight.
    const [live, cluster] = await Promise.allSettled([observeLive(admin, users, quotas), admin.describeCluster()]);
    if (live.status === 'rejected') throw live.reason;
    if (cluster.status === 'rejected') throw cluster.reason;
    return { live: live.value, id: cluster.value.clusterId };
  } catch (error) {
    throw new UserFacingError(`reading the cluster failed, nothing was written: ${errorMessage(error)}`, {
      cause: error,
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
    await quotas.disconnect().catch(() => undefined);
  }
}

async function writeFiles(dir: string, result: ImportResult, replace: string[]): Promise<void> {
  for (const file of replace) await rm(path.join(dir, file), { force: true });
  for (const file of result.files) {
    const target = path.join(dir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.text);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const importCommand: Command = {
  usage: `msk-gitops import [--out DIR] [--topics GLOB,...] [--principals GLOB,...] [--client-ids GLOB,...] [--force] ${CONNECTION_USAGE}`,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: {
        ...connectionOptions,
        out: { type: 'string', default: DEFAULT_MANIFESTS_DIR },
        topics: { type: 'string' },
        principals: { type: 'string' },
        'client-ids': { type: 'string' },
        force: { type: 'boolean', default: false },
      },
    });
    if (positionals.length) throw new UsageError(`unexpected ${positionals.join(' ')} (the folder is --out DIR)`);
    const out = String(values.out);
    const dir = path.resolve(ctx.cwd, out);
    const selection = {
      topics: globList(values.topics),
      principals: globList(values.principals),
      clientIds: globList(values['client-ids']),
    };
    const existing = await existingManifests(dir);
    if (existing?.length && !values.force) {
      throw new UserFacingError(
        `${out} is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}): import into an empty or new folder, or pass --force to replace its manifests`,
      );
    }
    const profile = await profileFromArgs(values as ConnectionFlags, ctx.env);
    const { live, id } = await readCluster(ctx, profile);
    const result = importManifests({
      live,
      selection,
      source: { cluster: profile.bootstrapServers.join(','), clusterId: id, at: new Date() },
      passwordFor: importedPasswordSources(profile),
      self: profile.auth === 'scram' ? profile.scram?.username : undefined,
    });
    const { imported } = result;
    if (!imported.topics.length && !imported.users.length && !imported.acls.length && !imported.quotas.length) {
      throw new UserFacingError(
        `nothing to import: no topic matches --topics ${selection.topics.join(',')}, no user, ACL or quota matches --principals ${selection.principals.join(',')} and no client quota matches --client-ids ${selection.clientIds.join(',')}${result.skippedInternal.length ? ` (internal topics are never imported: ${result.skippedInternal.join(', ')})` : ''}`,
      );
    }
    const problems = verifyImport(result.files, imported);
    if (problems.length) {
      throw new UserFacingError(
        `the manifests would not say exactly what the cluster has, nothing was written:\n  ${problems.join('\n  ')}`,
      );
    }
    if (existing === null) {
      // A new folder appears whole or not at all.
      const staging = `${dir}.import-${process.pid}`;
      await rm(staging, { recursive: true, force: true });
      await writeFiles(staging, result, []);
      await mkdir(path.dirname(dir), { recursive: true });
      await rename(staging, dir);
    } else {
      await writeFiles(
        dir,
        result,
        (existing ?? []).filter((file) => MANIFEST_FILE.test(file)),
      );
    }

    const bindings = imported.acls.length;
    const lines = [
      `imported from ${id ? `cluster ${id} at ` : ''}${profile.bootstrapServers.join(',')} into ${out}/:`,
      `  ${plural(imported.topics.length, 'topic')}, ${plural(imported.users.length, 'SCRAM user')}, ${plural(bindings, 'ACL binding')} (${plural(result.apps.length, 'app')}, ${plural(result.explicitAcls, 'explicit ACL entry')}), ${plural(imported.quotas.length, 'client quota')}`.replace(
        'entrys',
        'entries',
      ),
      ...(result.skippedInternal.length
        ? [`  skipped ${plural(result.skippedInternal.length, 'internal topic')}: ${result.skippedInternal.join(', ')}`]
        : []),
      ...(result.usersVisible ? [] : ['  the cluster does not expose SCRAM users: none were imported']),
      ...(result.selfSkipped
        ? [`  left out the user this import connected as (${result.selfSkipped}): protected in settings.yaml`]
        : []),
      `  files: ${result.files.map((file) => file.path).join(', ')}`,
      ...(imported.users.length
        ? [`next: fill the password references in ${out}/users.yaml; then \`msk-gitops plan ${out}\` shows no changes`]
        : [`next: \`msk-gitops plan ${out}\` shows no changes`]),
    ];
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
