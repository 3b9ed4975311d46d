/**
 * The Secrets Manager half of the MSK users store, for real against moto (secrets, versions, deletion and restore,
 * KMS key, tags): create with the stack's key, list, put a new version, schedule deletion, restore — and two stacks
 * in one account keep to their own secrets. MSK's SCRAM association stays on aws-sdk-client-mock (moto has no
 * BatchAssociateScramSecret): test/support/aws-users.ts.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
} from '@aws-sdk/client-secrets-manager';
import { SettingsSchema, type LiveUser, type UserSpec } from '../../reconciler/model/schema';
import { planUsers } from '../../reconciler/plan/users';
import { createMskUserStore } from '../../reconciler/users/msk-secrets';
import { scramSecretName } from '../../reconciler/users/msk-secret-names';
import { ACCOUNT, createStackKey, mskUsersFakes, REGION, type MskUsersFakes } from '../support/aws-users';
import { startMoto, type MotoServer } from '../support/moto';

const clusterArnOf = (name: string) => `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/${name}/0c1d2e3f-aaaa-bbbb-cccc-1`;
const settings = SettingsSchema.parse({ deletions: { users: true } });
const user = (name: string, password: UserSpec['password']): UserSpec => ({
  name,
  mechanism: 'SCRAM-SHA-512',
  password,
  iterations: 8192,
});

let moto: MotoServer;
let kmsKeyArn: string;
const fakes: MskUsersFakes[] = [];

beforeAll(async () => {
  moto = await startMoto();
  kmsKeyArn = await createStackKey(moto);
}, 120_000);

afterAll(async () => {
  for (const fake of fakes) fake.restore();
  await moto?.stop();
});

function storeOf(cluster: string, env: NodeJS.ProcessEnv) {
  const fake = mskUsersFakes(moto, clusterArnOf(cluster));
  fakes.push(fake);
  const store = createMskUserStore({
    clusterArn: clusterArnOf(cluster),
    kmsKeyId: kmsKeyArn,
    secretsManager: fake.secretsManager,
    kafka: fake.mskClient,
    env,
  });
  /** One reconcile of the users: list, plan, apply; the results' errors (none expected). */
  const converge = async (desired: UserSpec[]) => {
    const live = (await store.list()) as LiveUser[];
    const results = await store.apply(planUsers(desired, live, settings), desired);
    return results.filter((result) => !result.ok).map((result) => result.error);
  };
  return { fake, store, converge };
}

describe('the MSK users store against moto (Secrets Manager and KMS for real)', () => {
  const env: NodeJS.ProcessEnv = { ALICE_PW: 'alice-Secret-1' };
  const lms = () => storeOf('lms', env);
  let prod: ReturnType<typeof lms>;
  const describe = (name: string) => prod.fake.secretsManager.send(new DescribeSecretCommand({ SecretId: name }));
  const valueOf = async (name: string) =>
    JSON.parse(
      (await prod.fake.secretsManager.send(new GetSecretValueCommand({ SecretId: name }))).SecretString ?? '',
    ) as { username: string; password: string };

  beforeAll(() => {
    prod = lms();
  });

  it("creates each user's secret with the stack's key, its tags and MSK's JSON, and associates it", async () => {
    const desired = [user('alice-user', { env: 'ALICE_PW' }), user('bob-user', { generate: true })];
    expect(await prod.converge(desired)).toEqual([]);

    const alice = await describe(scramSecretName('lms', 'alice-user'));
    expect(alice.Name).toBe('AmazonMSK_lms_alice-user');
    expect(alice.KmsKeyId).toBe(kmsKeyArn);
    expect(alice.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'managed-by', Value: 'msk-gitops' },
        { Key: 'Stack', Value: 'lms' },
      ]),
    );
    expect(await valueOf('AmazonMSK_lms_alice-user')).toEqual({ username: 'alice-user', password: 'alice-Secret-1' });
    expect((await valueOf('AmazonMSK_lms_bob-user')).password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([...prod.fake.associated].sort()).toEqual([alice.ARN, (await describe('AmazonMSK_lms_bob-user')).ARN]);
    expect(await prod.store.list()).toEqual([
      { name: 'alice-user', mechanisms: ['SCRAM-SHA-512'] },
      { name: 'bob-user', mechanisms: ['SCRAM-SHA-512'] },
    ]);
  });

  it('writes a changed password as a new version of the existing secret, and nothing when it is unchanged', async () => {
    const desired = [user('alice-user', { env: 'ALICE_PW' }), user('bob-user', { generate: true })];
    // The secret exists but is not associated (an association that failed half-way): the next reconcile creates the
    // user again, finds the secret and writes the password it now has.
    const alice = await describe('AmazonMSK_lms_alice-user');
    prod.fake.associated.delete(alice.ARN!);
    env.ALICE_PW = 'alice-Secret-2';
    expect(await prod.converge(desired)).toEqual([]);
    expect(await valueOf('AmazonMSK_lms_alice-user')).toEqual({ username: 'alice-user', password: 'alice-Secret-2' });
    const versions = async () =>
      (await prod.fake.secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: 'AmazonMSK_lms_alice-user' })))
        .Versions ?? [];
    expect(await versions()).toHaveLength(2);
    expect(prod.fake.associated.has(alice.ARN!)).toBe(true);

    prod.fake.associated.delete(alice.ARN!);
    expect(await prod.converge(desired)).toEqual([]);
    expect(await versions()).toHaveLength(2);
  });

  it('schedules the deletion of a removed user with a recovery window, and restores it when declared again', async () => {
    const bobPassword = (await valueOf('AmazonMSK_lms_bob-user')).password;
    expect(await prod.converge([user('alice-user', { env: 'ALICE_PW' })])).toEqual([]);
    const deleted = await describe('AmazonMSK_lms_bob-user');
    expect(deleted.DeletedDate).toBeInstanceOf(Date);
    expect(prod.fake.associated.has(deleted.ARN!)).toBe(false);
    const listed = await prod.fake.secretsManager.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['AmazonMSK_lms_'] }], IncludePlannedDeletion: true }),
    );
    expect(listed.SecretList?.map((secret) => secret.Name).sort()).toEqual([
      'AmazonMSK_lms_alice-user',
      'AmazonMSK_lms_bob-user',
    ]);

    expect(
      await prod.converge([user('alice-user', { env: 'ALICE_PW' }), user('bob-user', { generate: true })]),
    ).toEqual([]);
    const restored = await describe('AmazonMSK_lms_bob-user');
    expect(restored.DeletedDate).toBeUndefined();
    expect(restored.ARN).toBe(deleted.ARN);
    // Restored, not re-generated: the app's password still works.
    expect((await valueOf('AmazonMSK_lms_bob-user')).password).toBe(bobPassword);
    expect(prod.fake.associated.has(restored.ARN!)).toBe(true);
  });

  it("keeps two stacks in one account to their own secrets: staging never sees or touches prod's users", async () => {
    const staging = storeOf('lms-staging', { ALICE_PW: 'staging-Secret-1' });
    // prod's association is invisible to staging's cluster; its secrets are outside staging's namespace.
    expect(await staging.store.list()).toEqual([]);
    expect(await staging.converge([user('alice-user', { env: 'ALICE_PW' })])).toEqual([]);
    expect(
      staging.fake.calls.filter((call) => call.command === 'ListSecrets').map((call) => call.input.Filters),
    ).toEqual([[{ Key: 'name', Values: ['AmazonMSK_lms-staging_'] }]]);
    expect((await describe('AmazonMSK_lms-staging_alice-user')).Tags).toEqual(
      expect.arrayContaining([{ Key: 'Stack', Value: 'lms-staging' }]),
    );
    expect(await valueOf('AmazonMSK_lms_alice-user')).toEqual({ username: 'alice-user', password: 'alice-Secret-2' });
  });
});
