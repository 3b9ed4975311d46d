/**
 * The AWS side of the MSK users store for tests: Secrets Manager and KMS for real in moto, MSK's SCRAM association
 * on aws-sdk-client-mock (moto has no BatchAssociateScramSecret), and a record of every AWS call the store sends —
 * taken where the SDK sends it (a middleware on the Secrets Manager client, the mock's calls for MSK), so the IAM
 * contract test checks what the code really asked for.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  BatchAssociateScramSecretCommand,
  BatchDisassociateScramSecretCommand,
  KafkaClient,
  ListScramSecretsCommand,
} from '@aws-sdk/client-kafka';
import { mockClient } from 'aws-sdk-client-mock';
import { MOTO_CREDENTIALS, type MotoServer } from './moto';

export const REGION = 'eu-west-1';
/** moto's default account. */
export const ACCOUNT = '123456789012';

/** One AWS API call as the client sent it: `secretsmanager:CreateSecret` and its input. */
export interface AwsCall {
  service: 'secretsmanager' | 'kafka';
  command: string;
  input: Record<string, unknown>;
}

export interface MskUsersFakes {
  secretsManager: SecretsManagerClient;
  mskClient: KafkaClient;
  /** Every call of both clients, in order. */
  calls: AwsCall[];
  /** The secret ARNs the fake cluster has associated. */
  associated: Set<string>;
  restore(): void;
}

function clients(moto: MotoServer) {
  return { region: REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS };
}

/** A customer-managed key in moto, as the stack's aws_kms_key: its ARN. */
export async function createStackKey(moto: MotoServer): Promise<string> {
  const kms = new KMSClient(clients(moto));
  const key = await kms.send(new CreateKeyCommand({ Description: 'msk-gitops test: the stack key' }));
  kms.destroy();
  return key.KeyMetadata!.Arn!;
}

/** Creates a secret in moto as the stack would (the reconciler's own secrets): its ARN. */
export async function createStackSecret(moto: MotoServer, name: string, value: string, kmsKeyId: string) {
  const client = new SecretsManagerClient(clients(moto));
  const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: value, KmsKeyId: kmsKeyId }));
  client.destroy();
  return created.ARN!;
}

export function mskUsersFakes(moto: MotoServer, clusterArn: string): MskUsersFakes {
  const calls: AwsCall[] = [];
  const secretsManager = new SecretsManagerClient(clients(moto));
  secretsManager.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({
        service: 'secretsmanager',
        command: String(context.commandName).replace(/Command$/, ''),
        input: { ...(args.input as Record<string, unknown>) },
      });
      return next(args);
    },
    { step: 'initialize', name: 'recordAwsCall' },
  );

  const mskClient = new KafkaClient({ region: REGION, credentials: MOTO_CREDENTIALS });
  const msk = mockClient(mskClient);
  const associated = new Set<string>();
  const record = (command: string, input: object) =>
    calls.push({ service: 'kafka', command, input: { ...(input as Record<string, unknown>) } });
  const checkCluster = (input: { ClusterArn?: string }) => {
    if (input.ClusterArn !== clusterArn) throw new Error(`unexpected cluster ${String(input.ClusterArn)}`);
  };
  msk.on(ListScramSecretsCommand).callsFake((input: { ClusterArn?: string }) => {
    record('ListScramSecrets', input);
    checkCluster(input);
    return { SecretArnList: [...associated] };
  });
  msk.on(BatchAssociateScramSecretCommand).callsFake((input: { ClusterArn?: string; SecretArnList?: string[] }) => {
    record('BatchAssociateScramSecret', input);
    checkCluster(input);
    for (const arn of input.SecretArnList ?? []) associated.add(arn);
    return { ClusterArn: clusterArn, UnprocessedScramSecrets: [] };
  });
  msk.on(BatchDisassociateScramSecretCommand).callsFake((input: { ClusterArn?: string; SecretArnList?: string[] }) => {
    record('BatchDisassociateScramSecret', input);
    checkCluster(input);
    for (const arn of input.SecretArnList ?? []) associated.delete(arn);
    return { ClusterArn: clusterArn, UnprocessedScramSecrets: [] };
  });
  return {
    secretsManager,
    mskClient,
    calls,
    associated,
    restore() {
      msk.restore();
      secretsManager.destroy();
      mskClient.destroy();
    },
  };
}
