/**
 * Flags several commands share, parsed without loading any client: `validate`, `policy` and `diff` import these, and
 * must not pull in kafkajs, the AWS SDK or git through a command module that talks to a cluster.
 */
import { EnvironmentNameSchema } from '../model/schema';
import { UsageError } from '../shared/errors';

/** `--env NAME`, checked for its form (whether the manifests declare it is the loader's to say). */
export function environmentArg(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const checked = EnvironmentNameSchema.safeParse(value);
  if (!checked.success)
    throw new UsageError(`--env: "${value}" is not an environment name (lowercase letters, digits and "-")`);
  return value;
}

/** `--labels L1,L2`: the pull request's labels (the `quota-removal` rule reads them); empty entries dropped. */
export function labelsArg(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((label) => label.trim())
    .filter(Boolean);
}
