/**
 * The connection flags every cluster-facing command shares, and how flags, env and a config file combine into one
 * profile. (Foundation version: env only. The connection work, issue 5, completes flags and config file.)
 */
import { UsageError } from '../cli/command';
import { profileFromEnv, type ConnectionProfile } from './profile';

export const connectionOptions = {
  config: { type: 'string' },
  'bootstrap-servers': { type: 'string' },
  auth: { type: 'string' },
} as const;

export interface ConnectionFlags {
  config?: string;
  'bootstrap-servers'?: string;
  auth?: string;
}

export async function profileFromArgs(_flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<ConnectionProfile> {
  const profile = profileFromEnv(env);
  if (!profile) throw new UsageError('no cluster named: set KAFKA_BOOTSTRAP_SERVERS or pass --config FILE');
  return profile;
}
