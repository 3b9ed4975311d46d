/** The MSK users store against aws-sdk-client-mock: the exact AWS calls, the KMS key, partial failures, no password leaks. */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  BatchAssociateScramSecretCommand,
  BatchDisassociateScramSecretCommand,
  KafkaClient,
  ListScramSecretsCommand,
} from '@aws-sdk/client-kafka';
import { mockClient } from 'aws-sdk-client-mock';
import { ConnectionProfileSchema } from '../../../reconciler/connection/profile';
import { SettingsSchema, type UserSpec } from '../../../reconciler/model/schema';
import { planUsers } from '../../../reconciler/plan/users';
import { MAX_SECRETS_PER_CALL } from '../../../reconciler/users/msk-secrets';
import { userOfScramSecret } from '../../../reconciler/users/msk-secret-names';
import { createUserStore } from '../../../reconciler/users/store';
import type { Kafka } from 'kafkajs';

const CLUSTER = 'arn:aws:kafka:eu-west-1:111122223333:cluster/lms/abcd-1234';
const KMS = 'arn:aws:kms:eu-west-1:111122223333:key/1111-2222';
const arnOf = (user: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:AmazonMSK_lms_${user}-Ab12Cd`;
const OURS = [
  { Key: 'managed-by', Value: 'msk-gitops' },
  { Key: 'Stack', Value: 'lms' },
];
const profile = ConnectionProfileSchema.parse({
  bootstrapServers: ['b-1.lms.kafka.eu-west-1.amazonaws.com:9098'],
  auth: 'iam',
  tls: true,
  region: 'eu-west-1',
  msk: { clusterArn: CLUSTER, secretsKmsKeyId: KMS },
});
const user = (name: string, password: UserSpec['password'] = { generate: true }): UserSpec => ({
  name,
  mechanism: 'SCRAM-SHA-512',
  password,
  iterations: 8192,
});

describe('MSK users store (AmazonMSK_ secrets)', () => {
  const sm = mockClient(SecretsManagerClient);
  const msk = mockClient(KafkaClient);
  const env = { LMS_PW: 'from-env-Secret-1' };
  const store = () =>
    createUserStore(profile, {} as Kafka, {
      env,
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
      mskClient: new KafkaClient({ region: 'eu-west-1' }),
    });
  const settings = SettingsSchema.parse({ deletions: { users: true } });

  beforeEach(() => {
    sm.reset();
    msk.reset();
  });

  it('lists the associated secrets as SCRAM-SHA-512 users, across pages', async () => {
    msk
      .on(ListScramSecretsCommand, { ClusterArn: CLUSTER, NextToken: undefined })
      .resolves({ SecretArnList: [arnOf('lms-user')], NextToken: 'p2' })
      .on(ListScramSecretsCommand, { ClusterArn: CLUSTER, NextToken: 'p2' })
      .resolves({ SecretArnList: [arnOf('central-user')] });
    expect(await store().list()).toEqual([
      { name: 'lms-user', mechanisms: ['SCRAM-SHA-512'] },
      { name: 'central-user', mechanisms: ['SCRAM-SHA-512'] },
    ]);
    expect(userOfScramSecret('lms', arnOf('a-b-c'))).toBe('a-b-c');
    // Another cluster's secrets (and the old unprefixed names) are not this cluster's users.
    expect(userOfScramSecret('lms', arnOf('a').replace('AmazonMSK_lms_', 'AmazonMSK_lms-staging_'))).toBeUndefined();
    expect(userOfScramSecret('lms', arnOf('a').replace('AmazonMSK_lms_', 'AmazonMSK_'))).toBeUndefined();
  });

  it('creates secrets with the cluster KMS key and the owner tag, then associates them in one call', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    sm.on(CreateSecretCommand).callsFake((input: { Name: string }) => ({
      ARN: arnOf(input.Name.slice('AmazonMSK_lms_'.length)),
    }));
    msk.on(BatchAssociateScramSecretCommand).resolves({ UnprocessedScramSecrets: [] });
    const desired = [user('lms-user', { env: 'LMS_PW' }), user('central-user')];
    const results = await store().apply(planUsers(desired, [], settings), desired);
    expect(results.map((r) => [r.change.resource, r.ok])).toEqual([
      ['central-user', true],
      ['lms-user', true],
    ]);
    expect(sm.commandCalls(ListSecretsCommand)[0].args[0].input).toEqual({
      Filters: [{ Key: 'name', Values: ['AmazonMSK_lms_'] }],
      IncludePlannedDeletion: true,
      NextToken: undefined,
    });
    const creates = sm.commandCalls(CreateSecretCommand).map((call) => call.args[0].input);
    expect(creates.map((c) => [c.Name, c.KmsKeyId, c.Tags])).toEqual([
      ['AmazonMSK_lms_central-user', KMS, OURS],
      ['AmazonMSK_lms_lms-user', KMS, OURS],
    ]);
    expect(JSON.parse(creates[1].SecretString ?? '')).toEqual({ username: 'lms-user', password: 'from-env-Secret-1' });
    const generated = JSON.parse(creates[0].SecretString ?? '') as { username: string; password: string };
    expect(generated.username).toBe('central-user');
    expect(generated.password).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect(msk.commandCalls(BatchAssociateScramSecretCommand).map((call) => call.args[0].input)).toEqual([
      { ClusterArn: CLUSTER, SecretArnList: [arnOf('central-user'), arnOf('lms-user')] },
    ]);
  });

  it('keeps the value of an existing generated secret, and writes an env password only when it changed', async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        { Name: 'AmazonMSK_lms_gen-user', ARN: arnOf('gen-user'), KmsKeyId: KMS, Tags: OURS },
        { Name: 'AmazonMSK_lms_lms-user', ARN: arnOf('lms-user'), KmsKeyId: KMS, Tags: OURS },
        { Name: 'AmazonMSK_lms_same-user', ARN: arnOf('same-user'), KmsKeyId: KMS, Tags: OURS },
      ],
    });
    sm.on(GetSecretValueCommand, { SecretId: arnOf('lms-user') })
      .resolves({ SecretString: JSON.stringify({ username: 'lms-user', password: 'old' }) })
      .on(GetSecretValueCommand, { SecretId: arnOf('same-user') })
      .resolves({ SecretString: JSON.stringify({ username: 'same-user', password: 'from-env-Secret-1' }) });
    sm.on(PutSecretValueCommand).resolves({});
    msk.on(BatchAssociateScramSecretCommand).resolves({});
    const desired = [user('gen-user'), user('lms-user', { env: 'LMS_PW' }), user('same-user', { env: 'LMS_PW' })];
    const results = await store().apply(planUsers(desired, [], settings), desired);

    expect(results.every((r) => r.ok)).toBe(true);
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([
      arnOf('lms-user'),
      arnOf('same-user'),
    ]);
    expect(sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      {
        SecretId: arnOf('lms-user'),
        SecretString: JSON.stringify({ username: 'lms-user', password: 'from-env-Secret-1' }),
      },
    ]);
    expect(msk.commandCalls(BatchAssociateScramSecretCommand)).toHaveLength(1);
  });

  it('reports unprocessed secrets and failed writes per change, without a password anywhere', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    sm.on(CreateSecretCommand, { Name: 'AmazonMSK_lms_broken-user' }).rejects(
      Object.assign(new Error('User is not authorized to perform kms:GenerateDataKey'), {
        name: 'AccessDeniedException',
      }),
    );
    sm.on(CreateSecretCommand, { Name: 'AmazonMSK_lms_lms-user' }).resolves({ ARN: arnOf('lms-user') });
    sm.on(CreateSecretCommand, { Name: 'AmazonMSK_lms_pos-user' }).resolves({ ARN: arnOf('pos-user') });
    msk.on(BatchAssociateScramSecretCommand).resolves({
      UnprocessedScramSecrets: [
        {
          SecretArn: arnOf('pos-user'),
          ErrorCode: 'InvalidSecret',
          ErrorMessage: 'The secret uses the default KMS key',
        },
      ],
    });
    const desired = [
      user('broken-user', { env: 'LMS_PW' }),
      user('lms-user', { env: 'LMS_PW' }),
      user('pos-user', { env: 'LMS_PW' }),
      user('nopw-user', { env: 'UNSET_PW' }),
    ];
    const results = await store().apply(planUsers(desired, [], settings), desired);
    const byUser = Object.fromEntries(results.map((r) => [r.change.resource, r.error ?? 'ok']));
    expect(byUser).toEqual({
      'broken-user':
        'create user broken-user: CreateSecret AmazonMSK_lms_broken-user: AccessDeniedException: User is not authorized to perform kms:GenerateDataKey',
      'lms-user': 'ok',
      'pos-user': 'create user pos-user: BatchAssociateScramSecret: InvalidSecret: The secret uses the default KMS key',
      'nopw-user': 'create user nopw-user: password of user nopw-user: environment variable UNSET_PW is not set',
    });
    expect(msk.commandCalls(BatchAssociateScramSecretCommand)[0].args[0].input.SecretArnList).toEqual([
      arnOf('lms-user'),
      arnOf('pos-user'),
    ]);
    expect(JSON.stringify(results)).not.toContain('from-env-Secret-1');
  });

  it('chunks associations at MAX_SECRETS_PER_CALL', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    sm.on(CreateSecretCommand).callsFake((input: { Name: string }) => ({
      ARN: arnOf(input.Name.slice('AmazonMSK_lms_'.length)),
    }));
    msk.on(BatchAssociateScramSecretCommand).resolves({});
    const desired = Array.from({ length: MAX_SECRETS_PER_CALL + 2 }, (_, i) => user(`u${String(i).padStart(2, '0')}`));
    const results = await store().apply(planUsers(desired, [], settings), desired);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(
      msk.commandCalls(BatchAssociateScramSecretCommand).map((c) => c.args[0].input.SecretArnList?.length),
    ).toEqual([MAX_SECRETS_PER_CALL, 2]);
  });

  it('disassociates deleted users in one call and deletes only secrets it owns, with a recovery window', async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        { Name: 'AmazonMSK_lms_old-user', ARN: arnOf('old-user'), KmsKeyId: KMS, Tags: OURS },
        { Name: 'AmazonMSK_lms_handmade', ARN: arnOf('handmade'), KmsKeyId: KMS, Tags: [] },
      ],
    });
    msk.on(BatchDisassociateScramSecretCommand).resolves({});
    sm.on(DeleteSecretCommand).resolves({});
    const live = [
      { name: 'old-user', mechanisms: ['SCRAM-SHA-512' as const] },
      { name: 'handmade', mechanisms: ['SCRAM-SHA-512' as const] },
    ];
    const results = await store().apply(planUsers([], live, settings), []);
    expect(results.map((r) => [r.change.resource, r.ok])).toEqual([
      ['handmade', true],
      ['old-user', true],
    ]);
    expect(msk.commandCalls(BatchDisassociateScramSecretCommand).map((c) => c.args[0].input)).toEqual([
      { ClusterArn: CLUSTER, SecretArnList: [arnOf('handmade'), arnOf('old-user')] },
    ]);
    expect(sm.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: arnOf('old-user'), RecoveryWindowInDays: 7 },
    ]);
  });

  it("restores its own secret scheduled for deletion; refuses one without this stack's tag", async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        { Name: 'AmazonMSK_lms_back', ARN: arnOf('back'), KmsKeyId: KMS, Tags: OURS, DeletedDate: new Date() },
        { Name: 'AmazonMSK_lms_foreign', ARN: arnOf('foreign'), KmsKeyId: KMS, Tags: [{ Key: 'Stack', Value: 'x' }] },
      ],
    });
    sm.on(RestoreSecretCommand).resolves({});
    msk.on(BatchAssociateScramSecretCommand).resolves({});
    const desired = [user('back'), user('foreign')];
    const results = await store().apply(planUsers(desired, [], settings), desired);
    expect(Object.fromEntries(results.map((r) => [r.change.resource, r.error ?? 'ok']))).toEqual({
      back: 'ok',
      foreign:
        'create user foreign: secret AmazonMSK_lms_foreign exists without the tag Stack=lms, so this stack may not ' +
        'write it: tag it, or delete it and let the reconciler create it',
    });
    expect(sm.commandCalls(RestoreSecretCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: arnOf('back') }]);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('applies nothing for skipped deletions (deletions.users off)', async () => {
    const live = [{ name: 'old-user', mechanisms: ['SCRAM-SHA-512' as const] }];
    const changes = planUsers([], live, SettingsSchema.parse({}));
    expect(changes[0].verdict.status).toBe('skipped');
    expect(await store().apply(changes, [])).toEqual([]);
    expect(sm.calls()).toHaveLength(0);
    expect(msk.calls()).toHaveLength(0);
  });
});
