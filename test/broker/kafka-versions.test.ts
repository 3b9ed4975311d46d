/**
 * Kafka 4.0 removed old protocol versions (KIP-896). Against the run's broker (the matrix runs this once per tested
 * version): every request a reconcile sends while creating, changing and deleting topics, configs, ACLs and SCRAM
 * users, kafkajs' own and the hand-written ones alike, carries a version the broker announces in its ApiVersions
 * answer; and `connection` names the cluster's Kafka release without a warning.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { PassThrough } from 'node:stream';
import { main } from '../../reconciler/cli';
import { kafkaConfigFor } from '../../reconciler/connection/kafka';
import { kafkaLine } from '../../reconciler/localkafka/versions';
import {
  apiVersionsRequest,
  apiVersionsResponse,
  type ApiVersionsAnswer,
} from '../../reconciler/observe/kafka-version';
import { reconcileOnce } from '../../reconciler/reconcile';
import { KafkaScramAdmin } from '../../reconciler/users/kafka-scram';
import { testKafkaVersion } from '../support/kafka-cli';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';

const P = uniquePrefix('kv');
const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-kafka-versions-'));
const secretsDir = path.join(dir, 'secrets');
const REQUEST_LINE = /^Request (\w+)\(key: (\d+), version: (\d+)\)$/;

interface Sent {
  api: string;
  key: number;
  version: number;
}

function write(topics: object, acls: object[], users: object): void {
  const settings = {
    scope: { topics: [`${P}*`], principals: [`User:${P}*`], users: [`${P}*`] },
    deletions: { topics: true, acls: true, users: true },
  };
  writeFileSync(path.join(dir, 'settings.yaml'), stringify(settings));
  writeFileSync(path.join(dir, 'main.yaml'), stringify({ topics, acls, users }));
}

/** A reconcile through a client that records every request line kafkajs logs (its own and those sent for us). */
async function reconcileRecording(sent: Sent[]): Promise<void> {
  const kafka = new Kafka({
    ...(await kafkaConfigFor(testProfile())),
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => {
      const match = REQUEST_LINE.exec(entry.log.message);
      if (match) sent.push({ api: match[1], key: Number(match[2]), version: Number(match[3]) });
    },
  });
  const outcome = await reconcileOnce({ dir, profile: testProfile(), apply: true, kafka });
  expect(outcome.error).toBeNull();
  expect(outcome.status).toBe('converged');
}

async function brokerApiVersions(): Promise<ApiVersionsAnswer> {
  const scram = new KafkaScramAdmin(await testKafka());
  try {
    return await scram.send(apiVersionsRequest(), apiVersionsResponse);
  } finally {
    await scram.disconnect();
  }
}

beforeAll(() => {
  process.env.MSK_GITOPS_SECRETS_DIR = secretsDir;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test(`every API a reconcile sends is within Kafka ${testKafkaVersion()}'s supported versions (KIP-896)`, async () => {
  const sent: Sent[] = [];
  const user = { mechanism: 'SCRAM-SHA-512', password: { generate: true } };
  const acl = (op: string) => ({
    principal: `User:${P}app`,
    resource: { type: 'topic', name: `${P}t` },
    operations: [op],
  });
  write(
    { [`${P}t`]: { partitions: 1, replicationFactor: 2, config: { 'retention.ms': 3600000 } } },
    [acl('Read'), acl('Write')],
    { [`${P}app`]: user, [`${P}gone`]: user },
  );
  await reconcileRecording(sent);
  write({ [`${P}t`]: { partitions: 2, replicationFactor: 2, config: { 'retention.ms': 7200000 } } }, [acl('Read')], {
    [`${P}app`]: user,
  });
  await reconcileRecording(sent);
  // Everything deleted but one topic (an empty desired state is refused, never a reason to delete).
  write({ [`${P}keep`]: { partitions: 1, replicationFactor: 2 } }, [], {});
  await reconcileRecording(sent);

  const answer = await brokerApiVersions();
  expect(answer.errorCode).toBe(0);
  const outside = sent.filter(({ key, version }) => {
    const range = answer.apis.get(key);
    return !range || version < range.min || version > range.max;
  });
  expect(outside).toEqual([]);

  // What the reconciler needs was really exercised, each with one version.
  const used = new Map<string, Set<number>>();
  for (const { api, version } of sent) used.set(api, (used.get(api) ?? new Set()).add(version));
  for (const api of [
    'Metadata',
    'CreateTopics',
    'CreatePartitions',
    'DeleteTopics',
    'DescribeConfigs',
    'AlterConfigs',
    'CreateAcls',
    'DescribeAcls',
    'DeleteAcls',
    'DescribeUserScramCredentials',
    'AlterUserScramCredentials',
  ]) {
    expect([api, used.has(api)]).toEqual([api, true]);
  }
  if (process.env.MSK_GITOPS_SHOW_API_VERSIONS === 'true') {
    const rows = [...used].sort(([a], [b]) => a.localeCompare(b));
    for (const [api, versions] of rows) {
      const key = sent.find((s) => s.api === api)!.key;
      const range = answer.apis.get(key)!;
      process.stderr.write(`| ${api} | ${key} | ${[...versions].join(', ')} | ${range.min}–${range.max} |\n`);
    }
  }
});

test('`connection` prints the cluster’s Kafka release, found from its finalized metadata.version', async () => {
  const stdout = new PassThrough();
  const chunks: string[] = [];
  stdout.on('data', (chunk) => chunks.push(String(chunk)));
  const code = await main(['connection'], { stdout, stderr: stdout, env: process.env, cwd: dir });
  const out = chunks.join('');
  expect(code).toBe(0);
  expect(out).toContain(
    `kafka version:     ${kafkaLine(testKafkaVersion())} (metadata.version ${kafkaLine(testKafkaVersion())}-IV`,
  );
  expect(out).not.toContain('warning');
});
