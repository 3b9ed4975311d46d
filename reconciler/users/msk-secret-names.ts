/**
 * How a SCRAM user's secret is named and tagged on MSK, in one place for both sides: the users store creates and finds
 * the secrets with these functions, and the stack (stacks/constructs/jumper.ts) grants the jumper exactly the secrets
 * they produce. No imports, so the stack can read it without pulling in the AWS SDK.
 *
 * A secret is `AmazonMSK_<cluster>_<user>`: MSK reads only secrets whose name starts with `AmazonMSK_`, and the
 * cluster's name (the stack's name: the stack names its cluster after itself) keeps two clusters in one account and
 * region from reading, overwriting or deleting each other's users. MSK cluster names have no `_`, so the prefix of one
 * cluster is never the prefix of another's ("a_" vs "a-b_").
 */

/** MSK's required prefix of a SCRAM secret's name. */
export const MSK_SECRET_PREFIX = 'AmazonMSK_';

/**
 * The tag that says which stack a secret belongs to. The stack puts it on everything it creates (provider
 * default_tags); the users store puts it on the secrets it creates, and the jumper's role may touch only secrets that
 * carry it with its own stack's name.
 */
export const STACK_TAG_KEY = 'Stack';

/** Marks the secrets this tool created: only those are ever deleted or restored. */
export const OWNER_TAG = { Key: 'managed-by', Value: 'msk-gitops' } as const;

/** `arn:aws:kafka:eu-west-1:123:cluster/lms/uuid-2` → `lms`. */
export function clusterNameOfArn(clusterArn: string): string {
  const name = /:cluster\/([^/]+)\//.exec(clusterArn)?.[1];
  if (!name) throw new Error(`not an MSK cluster ARN: ${clusterArn}`);
  return name;
}

/** Every secret of one cluster's users starts with this: `AmazonMSK_<cluster>_`. */
export function scramSecretPrefix(cluster: string): string {
  return `${MSK_SECRET_PREFIX}${cluster}_`;
}

/** The secret of one user of one cluster. */
export function scramSecretName(cluster: string, user: string): string {
  return `${scramSecretPrefix(cluster)}${user}`;
}

/** The user a secret name or ARN belongs to on this cluster; undefined for another cluster's or a foreign secret. */
export function userOfScramSecret(cluster: string, nameOrArn: string): string | undefined {
  // An ARN ends with the name and a 6-character suffix Secrets Manager appends: `…:secret:AmazonMSK_lms_app-AbCdEf`.
  const name = nameOrArn.includes(':secret:')
    ? nameOrArn.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '')
    : nameOrArn;
  const prefix = scramSecretPrefix(cluster);
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : undefined;
}

/** The tags a new user secret carries: the owner mark and the stack's tag the jumper's grant is conditioned on. */
export function scramSecretTags(cluster: string): Array<{ Key: string; Value: string }> {
  return [{ ...OWNER_TAG }, { Key: STACK_TAG_KEY, Value: cluster }];
}
