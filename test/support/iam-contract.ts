/**
 * The IAM contract: what the reconciler really sent (Kafka requests from kafkajs's own request log, AWS calls from the
 * SDK clients) turned into IAM requests — action, resource ARN, the condition keys the call carries — and evaluated
 * against the jumper's synthesized policy with @cloud-copilot/iam-simulate. Pure apart from the simulator.
 *
 * Two tables here are written from AWS's documentation, because the code cannot observe them:
 * - KAFKA_API_ACTIONS: which `kafka-cluster:*` action MSK checks for a Kafka API, on which resource. AWS states each
 *   action as "equivalent to Apache Kafka's <OPERATION> <RESOURCE> ACL" (service authorization reference,
 *   kafka-cluster), and Kafka's docs list the ACL each API checks ("Operations and Resources on Protocols").
 * - IMPLIED_AWS_CALLS: what AWS authorizes as the caller inside a call: Secrets Manager's KMS use (GenerateDataKey to
 *   write a value, Decrypt to read it, with kms:ViaService secretsmanager.REGION.amazonaws.com), CreateSecret with
 *   Tags also authorized as TagResource, and BatchAssociateScramSecret's key grant (CloudFormation's
 *   AWS::MSK::BatchScramSecret handler permissions: kms:CreateGrant, kms:DescribeKey, secretsmanager:GetSecretValue).
 */
import type { LogEntry } from 'kafkajs';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AwsCall } from './aws-users';

export type ContextValue = string | string[];

/** One authorization AWS makes: the action, the resource ARN ("*" for actions without resources), the context. */
export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, ContextValue>;
  /** What in the code caused it, for the failure message: `Kafka CreateTopics`, `secretsmanager:CreateSecret`. */
  cause: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Kafka: the request log

/** One request kafkajs sent, with the parsed response it logged (which names the resources). */
export interface KafkaRequestRecord {
  api: string;
  response: unknown;
}

const REQUEST_LINE = /^Request (\w+)\(key: \d+, version: \d+\)$/;
const RESPONSE_LINE = /^Response (\w+)\(key: \d+, version: \d+\)$/;

/**
 * A kafkajs logCreator that records every request (the DEBUG "Request …" line test/bench/requests.ts counts) and the
 * parsed response kafkajs logs at DEBUG for it. Requests are matched to responses by broker and correlation id.
 */
export function kafkaRequestRecorder(): { logCreator: () => (entry: LogEntry) => void; records: KafkaRequestRecord[] } {
  const records: KafkaRequestRecord[] = [];
  const pending = new Map<string, KafkaRequestRecord>();
  const keyOf = (log: Record<string, unknown>) => `${String(log.broker)}#${String(log.correlationId)}`;
  const logCreator = () => (entry: LogEntry) => {
    const log = entry.log as unknown as Record<string, unknown> & { message: string };
    const request = REQUEST_LINE.exec(log.message);
    if (request) {
      const record = { api: request[1], response: undefined };
      records.push(record);
      pending.set(keyOf(log), record);
      return;
    }
    if (RESPONSE_LINE.test(log.message)) {
      const record = pending.get(keyOf(log));
      if (record && log.data !== undefined) record.response = log.data;
      pending.delete(keyOf(log));
    }
  };
  return { logCreator, records };
}

type ResourceKind = 'cluster' | 'topic' | 'group';
type Extract = (response: Record<string, unknown>) => Array<{ kind: ResourceKind; name?: string; action: string }>;

const list = (value: unknown): Array<Record<string, unknown>> =>
  Array.isArray(value) ? (value as Array<Record<string, unknown>>) : [];
const onCluster =
  (action: string): Extract =>
  () => [{ kind: 'cluster', action }];
const perTopic =
  (field: string, action: string): Extract =>
  (response) =>
    list(response[field]).map((item) => ({ kind: 'topic', name: String(item.topic ?? item.name), action }));
/** DescribeConfigs/AlterConfigs name each resource: 2 = topic, 4 = broker, 8 = broker logger (Kafka's ConfigResource). */
const perConfigResource =
  (topicAction: string, clusterAction: string): Extract =>
  (response) =>
    list(response.resources).map((item) =>
      item.resourceType === 2
        ? { kind: 'topic', name: String(item.resourceName), action: topicAction }
        : { kind: 'cluster', action: clusterAction },
    );
const CONNECT = 'kafka-cluster:Connect';

/** Kafka API → the `kafka-cluster:*` actions MSK checks for it (see the file comment for the sources). */
export const KAFKA_API_ACTIONS: Record<string, Extract> = {
  // The connection itself: MSK authorizes kafka-cluster:Connect on the SASL handshake.
  ApiVersions: onCluster(CONNECT),
  SaslHandshake: onCluster(CONNECT),
  SaslAuthenticate: onCluster(CONNECT),
  // DESCRIBE TOPIC per topic returned (Metadata for no topics describes only the brokers).
  Metadata: perTopic('topicMetadata', 'kafka-cluster:DescribeTopic'),
  CreateTopics: perTopic('topicErrors', 'kafka-cluster:CreateTopic'), // CREATE CLUSTER/TOPIC
  DeleteTopics: perTopic('topicErrors', 'kafka-cluster:DeleteTopic'), // DELETE TOPIC
  CreatePartitions: perTopic('topicErrors', 'kafka-cluster:AlterTopic'), // ALTER TOPIC
  DescribeConfigs: perConfigResource(
    'kafka-cluster:DescribeTopicDynamicConfiguration', // DESCRIBE_CONFIGS TOPIC
    'kafka-cluster:DescribeClusterDynamicConfiguration', // DESCRIBE_CONFIGS CLUSTER (brokers)
  ),
  AlterConfigs: perConfigResource(
    'kafka-cluster:AlterTopicDynamicConfiguration', // ALTER_CONFIGS TOPIC
    'kafka-cluster:AlterClusterDynamicConfiguration', // ALTER_CONFIGS CLUSTER (brokers)
  ),
  IncrementalAlterConfigs: perConfigResource(
    'kafka-cluster:AlterTopicDynamicConfiguration',
    'kafka-cluster:AlterClusterDynamicConfiguration',
  ),
  CreateAcls: onCluster('kafka-cluster:AlterCluster'), // ALTER CLUSTER
  DeleteAcls: onCluster('kafka-cluster:AlterCluster'), // ALTER CLUSTER
  DescribeAcls: onCluster('kafka-cluster:DescribeCluster'), // DESCRIBE CLUSTER
  ListPartitionReassignments: onCluster('kafka-cluster:DescribeCluster'), // DESCRIBE CLUSTER
  AlterPartitionReassignments: onCluster('kafka-cluster:AlterCluster'), // ALTER CLUSTER
  DescribeCluster: onCluster('kafka-cluster:DescribeCluster'), // DESCRIBE CLUSTER
  ListGroups: onCluster('kafka-cluster:DescribeCluster'), // DESCRIBE CLUSTER (else filtered by DESCRIBE GROUP)
  DescribeGroups: (response) =>
    list(response.groups).map((group) => ({
      kind: 'group',
      name: String(group.groupId),
      action: 'kafka-cluster:DescribeGroup',
    })),
  // KIP-546 client quotas: DESCRIBE_CONFIGS / ALTER_CONFIGS on the CLUSTER.
  DescribeClientQuotas: onCluster('kafka-cluster:DescribeClusterDynamicConfiguration'),
  AlterClientQuotas: onCluster('kafka-cluster:AlterClusterDynamicConfiguration'),
};

/** APIs MSK does not serve to IAM clients: SCRAM users on MSK are Secrets Manager secrets, not KIP-554 requests. */
export const NOT_ON_MSK: Record<string, string> = {
  DescribeUserScramCredentials: 'MSK keeps SCRAM users in Secrets Manager (the users store must not send KIP-554)',
  AlterUserScramCredentials: 'MSK keeps SCRAM users in Secrets Manager (the users store must not send KIP-554)',
};

/** `arn:…:cluster/NAME/UUID` → the ARN of a topic or group of that cluster. */
export function kafkaResourceArn(clusterArn: string, kind: ResourceKind, name?: string): string {
  if (kind === 'cluster') return clusterArn;
  return `${clusterArn.replace(':cluster/', `:${kind}/`)}/${name}`;
}

export function kafkaIamRequests(
  records: KafkaRequestRecord[],
  clusterArn: string,
): { requests: IamRequest[]; problems: string[] } {
  const requests: IamRequest[] = [];
  const problems: string[] = [];
  for (const record of records) {
    if (record.api in NOT_ON_MSK) {
      problems.push(`Kafka ${record.api} was sent over MSK IAM: ${NOT_ON_MSK[record.api]}`);
      continue;
    }
    const extract = KAFKA_API_ACTIONS[record.api];
    if (!extract) {
      problems.push(`Kafka ${record.api}: no kafka-cluster action known for it; add it to KAFKA_API_ACTIONS`);
      continue;
    }
    const cause = `Kafka ${record.api}`;
    requests.push({ action: CONNECT, resource: clusterArn, context: {}, cause });
    if (record.response === undefined || record.response === null) continue; // no answer (e.g. a failed request)
    const needed = extract(record.response as Record<string, unknown>);
    for (const { kind, name, action } of needed) {
      if (kind !== 'cluster' && (!name || name === 'undefined')) {
        problems.push(`${cause}: the response names no ${kind} (kafkajs changed its response shape?)`);
        continue;
      }
      requests.push({ action, resource: kafkaResourceArn(clusterArn, kind, name), context: {}, cause });
    }
  }
  return { requests, problems };
}

// ---------------------------------------------------------------------------------------------------------------
// AWS: the SDK calls

/** What moto knows of a secret after the run (tags and key do not change during it). */
export interface SecretFacts {
  arn: string;
  kmsKeyId: string;
  tags: Record<string, string>;
}

export interface AwsFacts {
  region: string;
  account: string;
  secret(id: string): SecretFacts;
}

const tagContext = (prefix: string, tags: Record<string, string>) =>
  Object.fromEntries(Object.entries(tags).map(([key, value]) => [`${prefix}${key}`, value]));

function kmsVia(service: string, facts: AwsFacts): Record<string, ContextValue> {
  return { 'kms:ViaService': `${service}.${facts.region}.amazonaws.com`, 'kms:CallerAccount': facts.account };
}

export function awsIamRequests(calls: AwsCall[], facts: AwsFacts): { requests: IamRequest[]; problems: string[] } {
  const requests: IamRequest[] = [];
  const problems: string[] = [];
  for (const call of calls) {
    const cause = `${call.service}:${call.command}`;
    const input = call.input;
    const push = (action: string, resource: string, context: Record<string, ContextValue> = {}) =>
      requests.push({ action, resource, context, cause });
    const onSecret = (id: unknown) => facts.secret(String(id));
    const resourceTags = (secret: SecretFacts) => tagContext('aws:ResourceTag/', secret.tags);
    switch (cause) {
      case 'secretsmanager:ListSecrets':
        push(cause, '*');
        break;
      case 'secretsmanager:CreateSecret': {
        const secret = onSecret(input.Name);
        const tags = Object.fromEntries(
          ((input.Tags as Array<{ Key: string; Value: string }>) ?? []).map((tag) => [tag.Key, tag.Value]),
        );
        const requestTags = { ...tagContext('aws:RequestTag/', tags), 'aws:TagKeys': Object.keys(tags) };
        push(cause, secret.arn, {
          'secretsmanager:Name': String(input.Name),
          ...(input.KmsKeyId ? { 'secretsmanager:KmsKeyArn': String(input.KmsKeyId) } : {}),
          ...(Object.keys(tags).length > 0 ? requestTags : {}),
        });
        if (Object.keys(tags).length > 0) push('secretsmanager:TagResource', secret.arn, requestTags);
        push('kms:GenerateDataKey', secret.kmsKeyId, kmsVia('secretsmanager', facts));
        break;
      }
      case 'secretsmanager:PutSecretValue': {
        const secret = onSecret(input.SecretId);
        push(cause, secret.arn, resourceTags(secret));
        push('kms:GenerateDataKey', secret.kmsKeyId, kmsVia('secretsmanager', facts));
        break;
      }
      case 'secretsmanager:GetSecretValue': {
        const secret = onSecret(input.SecretId);
        push(cause, secret.arn, resourceTags(secret));
        push('kms:Decrypt', secret.kmsKeyId, kmsVia('secretsmanager', facts));
        break;
      }
      case 'secretsmanager:DeleteSecret': {
        const secret = onSecret(input.SecretId);
        push(cause, secret.arn, {
          ...resourceTags(secret),
          ...(input.RecoveryWindowInDays !== undefined
            ? { 'secretsmanager:RecoveryWindowInDays': String(input.RecoveryWindowInDays) }
            : {}),
        });
        break;
      }
      case 'secretsmanager:RestoreSecret':
      case 'secretsmanager:DescribeSecret':
        push(cause, onSecret(input.SecretId).arn, resourceTags(onSecret(input.SecretId)));
        break;
      case 'kafka:ListScramSecrets':
        push(cause, String(input.ClusterArn));
        break;
      case 'kafka:BatchAssociateScramSecret':
      case 'kafka:BatchDisassociateScramSecret': {
        push(cause, String(input.ClusterArn));
        for (const arn of (input.SecretArnList as string[]) ?? []) {
          const secret = onSecret(arn);
          push('kms:DescribeKey', secret.kmsKeyId, kmsVia('kafka', facts));
          if (call.command === 'BatchAssociateScramSecret') {
            push('kms:CreateGrant', secret.kmsKeyId, {
              ...kmsVia('kafka', facts),
              'kms:GrantIsForAWSResource': 'true',
            });
            push('secretsmanager:GetSecretValue', secret.arn, resourceTags(secret));
          }
        }
        break;
      }
      default:
        problems.push(`${cause}: no IAM mapping known for this AWS call; add it to awsIamRequests`);
    }
  }
  return { requests, problems };
}

// ---------------------------------------------------------------------------------------------------------------
// The synthesized policy

interface SynthStatement {
  sid?: string;
  effect?: string;
  actions?: string[];
  resources?: string[];
  condition?: Array<{ test: string; variable: string; values: string[] }>;
}

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: Array<{
    Sid?: string;
    Effect: string;
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string[]>>;
  }>;
}

/**
 * Evaluates the terraform interpolations of a synthesized string: `${aws_x.name.attr}` references (given by the
 * caller, as terraform would know them after apply), string literals and the functions the stack uses. Anything else
 * throws, so a new construct in the stack makes this say what to add rather than guess.
 */
export function resolveTerraformString(text: string, references: (reference: string) => string): string {
  return text.replace(/\$\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}/g, (_, expression: string) => {
    let at = 0;
    const skip = () => {
      while (/\s/.test(expression[at] ?? '')) at += 1;
    };
    const value = (): string | string[] => {
      skip();
      if (expression[at] === '"') {
        const match = /^"((?:[^"\\]|\\.)*)"/.exec(expression.slice(at))!;
        at += match[0].length;
        return JSON.parse(`"${match[1]}"`) as string;
      }
      const number = /^\d+/.exec(expression.slice(at));
      if (number) {
        at += number[0].length;
        return number[0];
      }
      const name = /^[A-Za-z_][\w.-]*/.exec(expression.slice(at));
      if (!name) throw new Error(`cannot evaluate \${${expression}} at ${at}`);
      at += name[0].length;
      skip();
      if (expression[at] !== '(') return references(name[0]);
      at += 1;
      const args: Array<string | string[]> = [];
      for (skip(); expression[at] !== ')'; skip()) {
        args.push(value());
        skip();
        if (expression[at] === ',') at += 1;
      }
      at += 1;
      const text = (index: number) => {
        const arg = args[index];
        if (typeof arg !== 'string') throw new Error(`\${${expression}}: argument ${index + 1} is not a string`);
        return arg;
      };
      switch (name[0]) {
        case 'replace':
          return text(0).split(text(1)).join(text(2));
        case 'split':
          return text(1).split(text(0));
        case 'element': {
          const items = args[0];
          if (!Array.isArray(items)) throw new Error(`\${${expression}}: element() of a non-list`);
          return items[Number(text(1)) % items.length];
        }
        default:
          throw new Error(`\${${expression}}: the contract test does not evaluate ${name[0]}(); add it`);
      }
    };
    const result = value();
    if (typeof result !== 'string') throw new Error(`\${${expression}} is not a string`);
    return result;
  });
}

/** The one aws_iam_policy_document of a synthesized stack, resolved, as IAM policy JSON. */
export function synthesizedPolicy(
  tf: { data?: Record<string, Record<string, { statement?: SynthStatement[] }>> },
  references: (reference: string) => string,
): IamPolicy {
  const documents = Object.values(tf.data?.aws_iam_policy_document ?? {});
  if (documents.length !== 1) throw new Error(`expected one aws_iam_policy_document, found ${documents.length}`);
  const resolve = (text: string) => resolveTerraformString(text, references);
  return {
    Version: '2012-10-17',
    Statement: (documents[0].statement ?? []).map((statement) => {
      const condition: Record<string, Record<string, string[]>> = {};
      for (const block of statement.condition ?? []) {
        (condition[block.test] ??= {})[block.variable] = block.values.map(resolve);
      }
      return {
        ...(statement.sid ? { Sid: statement.sid } : {}),
        Effect: statement.effect ?? 'Allow',
        Action: statement.actions ?? [],
        Resource: (statement.resources ?? []).map(resolve),
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

export interface Verdict {
  request: IamRequest;
  result: string;
}

/**
 * The key policy AWS gives a key created without one (the stack's, stacks/constructs/kms.ts): it delegates to the
 * account's IAM policies. KMS authorizes only what the key policy allows, so the simulator needs it.
 */
export function defaultKeyPolicy(account: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

/** Every distinct request (action, resource, context) against the policy, as the role's identity policy. */
export async function evaluate(policy: IamPolicy, requests: IamRequest[], principal: string): Promise<Verdict[]> {
  const account = principal.split(':')[4];
  const seen = new Map<string, IamRequest>();
  for (const request of requests) {
    const key = JSON.stringify([request.action, request.resource, request.context]);
    if (!seen.has(key)) seen.set(key, request);
  }
  const verdicts: Verdict[] = [];
  for (const request of seen.values()) {
    const outcome = await runSimulation(
      {
        identityPolicies: [{ name: 'jumper', policy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(request.action.startsWith('kms:') ? { resourcePolicy: defaultKeyPolicy(account) } : {}),
        request: {
          action: request.action,
          principal,
          resource: { resource: request.resource, accountId: account },
          contextVariables: request.context,
        },
      } as never,
      {},
    );
    const result =
      outcome.resultType === 'error' ? `error: ${JSON.stringify(outcome.errors)}` : String(outcome.overallResult);
    verdicts.push({ request, result });
  }
  return verdicts;
}

/** `kafka-cluster:CreateTopic on arn:… (Kafka CreateTopics): ImplicitlyDenied`, one per line. */
export function describeVerdicts(verdicts: Verdict[]): string[] {
  return verdicts.map(
    ({ request, result }) =>
      `${request.action} on ${request.resource}` +
      (Object.keys(request.context).length > 0 ? ` with ${JSON.stringify(request.context)}` : '') +
      ` (${request.cause}): ${result}`,
  );
}
