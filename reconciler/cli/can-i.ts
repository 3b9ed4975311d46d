/**
 * `msk-gitops can-i PRINCIPAL OPERATION RESOURCE [DIR] [--live]`: would Kafka allow it, and which ACL decides.
 * Reads the desired state's ACLs (with the file:line:column each came from) or, with --live, the cluster's ACLs in
 * one DescribeAcls with an ANY filter. Exit 0 allowed, 3 denied, 1 anything else (bad arguments too).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { canI, formatOrigin, type CanIAnswer, type CanIQuery } from '../authz/can-i';
import { CONNECTION_USAGE, connectionOptions, profileFromArgs } from './connection-options';
import { createKafka } from '../connection/kafka';
import { describeAcl } from '../model/keys';
import { formatDiagnostic, loadDesiredState } from '../model/load';
import {
  ACL_OPERATIONS,
  CLUSTER_RESOURCE_NAME,
  PrincipalSchema,
  RESOURCE_TYPES,
  type AclEntry,
  type AclOperation,
  type ResourceType,
} from '../model/schema';
import { ANY_ACL_FILTER, decodeAcls } from '../observe/acl-codec';
import { type Command } from './command';
import { DEFAULT_MANIFESTS_DIR } from './command';
import { UsageError, UserFacingError, errorMessage } from '../shared/errors';

export const CAN_I_EXIT = { allowed: 0, denied: 3 } as const;

const squash = (word: string) => word.replace(/[-_\s]/g, '').toLowerCase();

export function parseOperation(word: string): AclOperation {
  const found = ACL_OPERATIONS.find((operation) => squash(operation) === squash(word));
  if (!found) throw new UsageError(`unknown operation "${word}": expected one of ${ACL_OPERATIONS.join(', ')}`);
  return found;
}

/** `lms-user` is read as `User:lms-user`; anything with a type prefix is taken as it is. */
export function parsePrincipal(word: string): string {
  const principal = word.includes(':') ? word : `User:${word}`;
  if (!PrincipalSchema.safeParse(principal).success)
    throw new UsageError(`bad principal "${word}": e.g. User:lms-user`);
  return principal;
}

/** `topic:NAME`, `group:NAME`, `transactionalId:NAME`, `cluster`. */
export function parseResource(word: string): { resourceType: ResourceType; resourceName: string } {
  const colon = word.indexOf(':');
  const typeWord = colon < 0 ? word : word.slice(0, colon);
  const name = colon < 0 ? '' : word.slice(colon + 1);
  const resourceType = RESOURCE_TYPES.find((type) => squash(type) === squash(typeWord));
  if (!resourceType) {
    throw new UsageError(`bad resource "${word}": expected topic:NAME, group:NAME, transactionalId:NAME or cluster`);
  }
  if (resourceType === 'cluster') {
    if (name && name !== CLUSTER_RESOURCE_NAME) throw new UsageError(`the cluster resource is just "cluster"`);
    return { resourceType, resourceName: CLUSTER_RESOURCE_NAME };
  }
  if (!name) throw new UsageError(`resource "${word}" needs a name: ${resourceType}:NAME`);
  return { resourceType, resourceName: name };
}

export function renderAnswer(query: CanIQuery, answer: CanIAnswer, source: string): string {
  const verdict = answer.allowed ? 'allowed' : 'denied';
  const what = `${query.principal} ${query.operation} ${query.resourceType} ${query.resourceName}`;
  const why = answer.matched.length
    ? answer.matched.map(
        (acl) =>
          `  ${acl.permission === 'deny' ? 'denied by' : 'allowed by'} ${describeAcl(acl)}${formatOrigin(acl.origin)}`,
      )
    : [`  ${answer.reason}`];
  return [`${verdict}: ${what}`, ...why, `  (${source})`, ''].join('\n');
}

async function liveAcls(flags: Parameters<typeof profileFromArgs>[0], env: NodeJS.ProcessEnv): Promise<AclEntry[]> {
  const profile = await profileFromArgs(flags, env);
  const admin = (await createKafka(profile, { env })).admin();
  try {
    await admin.connect();
    return decodeAcls(await admin.describeAcls(ANY_ACL_FILTER));
  } catch (error) {
    throw new UserFacingError(`describe ACLs on ${profile.bootstrapServers.join(',')}: ${errorMessage(error)}`, {
      cause: error,
    });
  } finally {
    await admin.disconnect();
  }
}

export const canICommand: Command = {
  usage: `msk-gitops can-i PRINCIPAL OPERATION topic:NAME|group:NAME|transactionalId:NAME|cluster [DIR] [--live] [--host IP] [--json] ${CONNECTION_USAGE}`,
  async run(ctx) {
    const { positionals, values } = parseArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: {
        ...connectionOptions,
        live: { type: 'boolean', default: false },
        host: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length < 3 || positionals.length > 4) {
      throw new UsageError('expected PRINCIPAL OPERATION RESOURCE [DIR]');
    }
    const [principalWord, operationWord, resourceWord, dirWord] = positionals;
    if (values.live && dirWord) throw new UsageError('--live reads the cluster: leave out DIR');
    const query: CanIQuery = {
      principal: parsePrincipal(principalWord),
      operation: parseOperation(operationWord),
      ...parseResource(resourceWord),
      host: values.host,
    };

    let acls: AclEntry[];
    let source: string;
    if (values.live) {
      acls = await liveAcls(values, ctx.env);
      source = `the cluster's ${acls.length} live ACLs`;
    } else {
      const dir = path.resolve(ctx.cwd, dirWord ?? DEFAULT_MANIFESTS_DIR);
      const loaded = await loadDesiredState(dir);
      if (!loaded.state) {
        for (const diagnostic of loaded.diagnostics) {
          ctx.stderr.write(
            `${formatDiagnostic({ ...diagnostic, file: path.relative(ctx.cwd, path.resolve(dir, diagnostic.file)) || '.' })}\n`,
          );
        }
        return 1;
      }
      // Origins are relative to the manifests root; show them relative to where the command runs.
      acls = loaded.state.acls.map((acl) =>
        acl.origin
          ? { ...acl, origin: { ...acl.origin, file: path.relative(ctx.cwd, path.resolve(dir, acl.origin.file)) } }
          : acl,
      );
      source = `the desired state in ${path.relative(ctx.cwd, dir) || '.'}: ${acls.length} ACLs`;
    }

    const answer = canI(acls, query);
    if (values.json) ctx.stdout.write(`${JSON.stringify({ query, ...answer }, null, 2)}\n`);
    else ctx.stdout.write(renderAnswer(query, answer, source));
    return answer.allowed ? CAN_I_EXIT.allowed : CAN_I_EXIT.denied;
  },
};
