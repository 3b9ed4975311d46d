// Kafka's vocabulary as the model knows it: topic configs, topic names, operations per resource, near names.
import {
  checkTopicConfig,
  javaDoubleString,
  REMOVED_TOPIC_CONFIGS,
  TOPIC_CONFIGS,
} from '../../../reconciler/model/topic-configs';
import { OPERATIONS_BY_RESOURCE, topicNameProblem } from '../../../reconciler/model/names';
import { editDistance, nearestName } from '../../../reconciler/model/near-names';
import { expandApp } from '../../../reconciler/model/expand';
import { describeAcl } from '../../../reconciler/model/keys';

describe('checkTopicConfig', () => {
  it.each([
    ['retention.ms', 604800000, undefined, '604800000'],
    ['retention.ms', '-1', undefined, '-1'],
    ['retention.bytes', 9223372036854775807, '9223372036854775807', '9223372036854775807'],
    ['cleanup.policy', 'delete', undefined, 'delete'],
    ['cleanup.policy', 'compact, delete', undefined, 'compact,delete'],
    ['compression.type', 'zstd', undefined, 'zstd'],
    ['min.insync.replicas', 2, undefined, '2'],
    ['unclean.leader.election.enable', false, undefined, 'false'],
    ['preallocate', 'true', undefined, 'true'],
    ['min.cleanable.dirty.ratio', 0.5, undefined, '0.5'],
    // Kafka returns a DOUBLE as Java's Double.toString writes it (probed on 4.1.2: "1" is read back as "1.0").
    ['min.cleanable.dirty.ratio', 1, undefined, '1.0'],
    ['min.cleanable.dirty.ratio', '0', undefined, '0.0'],
    ['min.cleanable.dirty.ratio', 0.0001, undefined, '1.0E-4'],
    // A LIST: the broker drops the spaces around commas ("0:1, 0:2" is read back as "0:1,0:2").
    ['follower.replication.throttled.replicas', '0:1, 0:2', undefined, '0:1,0:2'],
    ['leader.replication.throttled.replicas', ' * ', undefined, '*'],
    ['message.timestamp.type', 'LogAppendTime', undefined, 'LogAppendTime'],
    ['follower.replication.throttled.replicas', '*', undefined, '*'],
  ])('%s: %p is Kafka string %s', (name, value, source, expected) => {
    expect(checkTopicConfig(name, value, source)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['retention.mss', 1, 'unknown topic config "retention.mss" (did you mean "retention.ms"?)'],
    ['retentionms', 1, 'unknown topic config "retentionms" (did you mean "retention.ms"?)'],
    ['no.such.thing', 1, 'unknown topic config "no.such.thing"'],
    ['retention.ms', -2, 'must be an integer (long) ≥ -1, got -2'],
    [
      'retention.ms',
      '7d',
      'must be an integer (long) ≥ -1, got "7d" (did you mean 604800000, which is 7d in milliseconds?)',
    ],
    [
      'segment.bytes',
      '512MiB',
      'must be an integer ≥ 14, got "512MiB" (did you mean 536870912, which is 512MiB in bytes?)',
    ],
    ['retention.ms', 'soon', 'must be an integer (long) ≥ -1, got "soon"'],
    ['min.insync.replicas', 0, 'must be an integer ≥ 1, got 0'],
    ['max.message.bytes', 2147483648, 'must be an integer ≥ 0, got 2147483648'],
    ['cleanup.policy', 'compact,compact', 'must be a comma-separated list of delete, compact, got "compact,compact"'],
    ['cleanup.policy', 'remove', 'must be a comma-separated list of delete, compact, got "remove"'],
    [
      'compression.type',
      'Gzip',
      'must be one of uncompressed, zstd, lz4, snappy, gzip, producer, got "Gzip" (did you mean "gzip"?)',
    ],
    ['preallocate', 'yes', 'must be true or false, got "yes"'],
    ['min.cleanable.dirty.ratio', -0.1, 'must be a number from 0 to 1, got -0.1'],
    ['compression.gzip.level', 10, 'must be an integer from -1 to 9, got 10'],
  ])('%s: %p is refused', (name, value, message) => {
    expect(checkTopicConfig(name, value)).toEqual({
      ok: false,
      message,
      ...(name in TOPIC_CONFIGS ? {} : { unknown: true }),
    });
  });

  it.each([
    ['message.format.version', '2.8', 'removed in Kafka 4.0 (KIP-724) and has had no effect since Kafka 3.0'],
    ['message.downconversion.enable', false, 'removed in Kafka 4.0 (KIP-724'],
    [
      'message.timestamp.difference.max.ms',
      1000,
      'use message.timestamp.before.max.ms and message.timestamp.after.max.ms',
    ],
  ])('%s, removed in Kafka 4.0, is an error naming what to do instead', (name, value, part) => {
    const check = checkTopicConfig(name, value);
    expect(check).toEqual({ ok: false, unknown: true, message: expect.stringContaining(part) });
    expect(TOPIC_CONFIGS).not.toHaveProperty([name]);
    expect(REMOVED_TOPIC_CONFIGS).toHaveProperty([name]);
  });

  it('writes doubles as Java does', () => {
    expect([0.25, 3, 1e7, 123456.5, 1.5e-5].map(javaDoubleString)).toEqual([
      '0.25',
      '3.0',
      '1.0E7',
      '123456.5',
      '1.5E-5',
    ]);
  });

  it('knows the common Kafka 3.9 topic configs', () => {
    for (const name of [
      'cleanup.policy',
      'retention.ms',
      'retention.bytes',
      'segment.bytes',
      'max.message.bytes',
      'message.timestamp.type',
    ]) {
      expect(TOPIC_CONFIGS).toHaveProperty([name]);
    }
  });
});

describe('topicNameProblem', () => {
  it('accepts what Kafka accepts', () => {
    for (const name of ['lms-users-acls', 'a.b_c-D9', 'x'.repeat(249), '...'])
      expect(topicNameProblem(name)).toBeUndefined();
  });
  it('refuses what Kafka refuses', () => {
    expect(topicNameProblem('')).toBe('a topic name cannot be empty');
    expect(topicNameProblem('.')).toBe('a topic cannot be named "."');
    expect(topicNameProblem('..')).toBe('a topic cannot be named ".."');
    expect(topicNameProblem('x'.repeat(250))).toBe('topic name is 250 characters long; Kafka allows at most 249');
    expect(topicNameProblem('a/b')).toMatch(/^topic name "a\/b" has characters Kafka does not allow/);
  });
});

describe('OPERATIONS_BY_RESOURCE', () => {
  it('lists what the authorizer checks per resource', () => {
    expect(OPERATIONS_BY_RESOURCE.group).not.toContain('Write');
    expect(OPERATIONS_BY_RESOURCE.cluster).toContain('IdempotentWrite');
    expect(OPERATIONS_BY_RESOURCE.transactionalId).toEqual(['All', 'Write', 'Describe']);
  });
});

describe('nearestName', () => {
  it('finds typos, swaps and case slips, and nothing far away', () => {
    expect(editDistance('partitons', 'partitions')).toBe(1);
    expect(editDistance('Wrtie', 'Write')).toBe(1);
    expect(nearestName('partitons', ['partitions', 'replicationFactor'])).toBe('partitions');
    expect(nearestName('ZSTD', ['zstd', 'lz4'])).toBe('zstd');
    expect(nearestName('banana', ['partitions', 'replicationFactor'])).toBeUndefined();
    expect(nearestName('ab', ['xy'])).toBeUndefined();
  });
});

describe('expandApp', () => {
  const origin = { file: 'apps/a.yaml', line: 3, column: 3 };
  const origins = { app: origin, produces: [origin], consumes: [origin], transactionalIds: [origin] };
  it('turns a transactional, prefixed producer into its exact bindings', () => {
    const acls = expandApp(
      'a',
      {
        user: 'a-user',
        produces: [{ topic: 'a-', pattern: 'prefixed' }],
        consumes: [],
        idempotent: true,
        transactionalIds: ['a-tx'],
      },
      origins,
    );
    expect(acls.map(describeAcl)).toEqual([
      'allow User:a-user Write topic a-*',
      'allow User:a-user Describe topic a-*',
      'allow User:a-user IdempotentWrite cluster kafka-cluster',
      'allow User:a-user Write transactionalId a-tx',
      'allow User:a-user Describe transactionalId a-tx',
    ]);
    expect(new Set(acls.map((acl) => acl.origin?.via))).toEqual(new Set(['app a']));
  });
  it('gives a consumer-only app no cluster permission', () => {
    const acls = expandApp(
      'c',
      {
        user: 'c-user',
        produces: [],
        consumes: [{ topic: 't', group: 'g', pattern: 'literal' }],
        idempotent: true,
        transactionalIds: [],
      },
      origins,
    );
    expect(acls.map((acl) => acl.resourceType)).toEqual(['topic', 'topic', 'group']);
  });
});
