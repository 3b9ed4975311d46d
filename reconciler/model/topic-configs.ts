/**
 * The topic-level configs of the tested Kafka versions (LogConfig / TopicConfig of 4.1 and 3.9; 4.1's are 3.9's minus
 * the three Kafka 4.0 removed): the only keys a manifest may set under a topic's `config`, with their types and
 * ranges, so a typo or a wrong value fails review instead of the apply. Values are normalized to the strings Kafka
 * itself returns, so the plan compares like with like.
 */
import { didYouMean } from './near-names';

export type TopicConfigType =
  | { kind: 'int' | 'long'; min?: bigint; max?: bigint }
  | { kind: 'double'; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'enum-list'; values: readonly string[] }
  | { kind: 'string' };

export interface TopicConfigDefinition {
  type: TopicConfigType;
  description: string;
}

const INT_MAX = 2n ** 31n - 1n;
const INT_MIN = -(2n ** 31n);
const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

const long = (min?: bigint, max?: bigint): TopicConfigType => ({ kind: 'long', min, max });
const int = (min?: bigint, max?: bigint): TopicConfigType => ({ kind: 'int', min, max });
const bool: TopicConfigType = { kind: 'boolean' };

export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDefinition>> = {
  'cleanup.policy': {
    type: { kind: 'enum-list', values: ['delete', 'compact'] },
    description: 'delete, compact, or "compact,delete"',
  },
  'compression.type': {
    type: { kind: 'enum', values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
    description: 'final compression of the topic data; "producer" keeps what the producer sent',
  },
  'compression.gzip.level': { type: int(-1n, 9n), description: 'gzip level, 1-9 (-1: default)' },
  'compression.lz4.level': { type: int(1n, 17n), description: 'lz4 level, 1-17' },
  'compression.zstd.level': { type: int(-131072n, 22n), description: 'zstd level, -131072 to 22' },
  'delete.retention.ms': { type: long(0n), description: 'how long delete tombstones are kept on compacted topics' },
  'file.delete.delay.ms': { type: long(0n), description: 'wait before deleting a file from the filesystem' },
  'flush.messages': { type: long(1n), description: 'force an fsync after this many messages' },
  'flush.ms': { type: long(0n), description: 'force an fsync after this many milliseconds' },
  'follower.replication.throttled.replicas': {
    type: { kind: 'string' },
    description: 'replicas throttled on the follower side ("partition:broker,…" or "*")',
  },
  'index.interval.bytes': { type: int(0n), description: 'how often an offset index entry is added' },
  'leader.replication.throttled.replicas': {
    type: { kind: 'string' },
    description: 'replicas throttled on the leader side ("partition:broker,…" or "*")',
  },
  'local.retention.bytes': { type: long(-2n), description: 'tiered storage: local bytes kept (-2: retention.bytes)' },
  'local.retention.ms': { type: long(-2n), description: 'tiered storage: local time kept (-2: retention.ms)' },
  'max.compaction.lag.ms': { type: long(1n), description: 'longest a message stays uncompacted' },
  'max.message.bytes': { type: int(0n), description: 'largest record batch the topic accepts' },
  'message.timestamp.after.max.ms': { type: long(0n), description: 'how far in the future a timestamp may be' },
  'message.timestamp.before.max.ms': { type: long(0n), description: 'how far in the past a timestamp may be' },
  'message.timestamp.type': {
    type: { kind: 'enum', values: ['CreateTime', 'LogAppendTime'] },
    description: 'CreateTime or LogAppendTime',
  },
  'min.cleanable.dirty.ratio': { type: { kind: 'double', min: 0, max: 1 }, description: 'compaction trigger, 0 to 1' },
  'min.compaction.lag.ms': { type: long(0n), description: 'shortest a message stays uncompacted' },
  'min.insync.replicas': { type: int(1n), description: 'replicas that must acknowledge an acks=all write' },
  preallocate: { type: bool, description: 'preallocate segment files' },
  'remote.log.copy.disable': { type: bool, description: 'tiered storage: stop copying to remote storage' },
  'remote.log.delete.on.disable': { type: bool, description: 'tiered storage: delete remote data when disabled' },
  'remote.storage.enable': { type: bool, description: 'tiered storage for this topic' },
  'retention.bytes': { type: long(), description: 'bytes kept per partition (-1: unlimited)' },
  'retention.ms': { type: long(-1n), description: 'time kept (-1: forever)' },
  'segment.bytes': { type: int(14n), description: 'segment file size' },
  'segment.index.bytes': { type: int(4n), description: 'offset index size' },
  'segment.jitter.ms': { type: long(0n), description: 'random jitter subtracted from segment.ms' },
  'segment.ms': { type: long(1n), description: 'roll a new segment after this long' },
  'unclean.leader.election.enable': { type: bool, description: 'allow out-of-sync replicas to become leader' },
};

/**
 * Topic configs Kafka 4.0 removed: a 4.x broker refuses them ("Configuration is invalid", INVALID_CONFIG) and 3.x
 * ignores or deprecates them, so a manifest that sets one is an error on every version, with what to do instead
 * (docs/kafka-versions.md). Removing the key from a manifest leaves a 3.x topic's live value alone.
 */
export const REMOVED_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'message.format.version':
    'was removed in Kafka 4.0 (KIP-724) and has had no effect since Kafka 3.0 (every broker writes the v2 format); remove it',
  'message.downconversion.enable':
    'was removed in Kafka 4.0 (KIP-724: brokers no longer down-convert records for consumers older than 0.10); remove it',
  'message.timestamp.difference.max.ms':
    'was removed in Kafka 4.0 (KIP-937); use message.timestamp.before.max.ms and message.timestamp.after.max.ms (Kafka 3.6 and later)',
};

/** `unknown`: the name is not a topic config at all (the message then belongs on the key, not the value). */
export type TopicConfigCheck = { ok: true; value: string } | { ok: false; message: string; unknown?: boolean };

function describeType(type: TopicConfigType): string {
  switch (type.kind) {
    case 'int':
    case 'long': {
      const noun = type.kind === 'int' ? 'an integer' : 'an integer (long)';
      if (type.min !== undefined && type.max !== undefined) return `${noun} from ${type.min} to ${type.max}`;
      if (type.min !== undefined) return `${noun} ≥ ${type.min}`;
      return noun;
    }
    case 'double':
      return `a number from ${type.min} to ${type.max}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${type.values.join(', ')}`;
    case 'enum-list':
      return `a comma-separated list of ${type.values.join(', ')}`;
    case 'string':
      return 'a string';
  }
}

const MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const BYTES: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * A double as Java's Double.toString writes it, which is how Kafka returns a DOUBLE config ("1.0", "0.5", "1.0E-4"):
 * `min.cleanable.dirty.ratio: 1` written as "1" would otherwise be read back as "1.0" and planned again forever.
 */
export function javaDoubleString(n: number): string {
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) return Number.isInteger(n) ? `${n}.0` : String(n);
  const [mantissa, exponent] = n.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** "7d" for a `.ms` config, "1MiB" for a `.bytes` one: Kafka wants the plain number, so say which. */
function inUnit(name: string, text: string): string | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]+)$/.exec(text);
  if (!match) return undefined;
  const table = name.endsWith('.ms') ? MS : name.endsWith('.bytes') ? BYTES : undefined;
  const factor = table?.[match[2].toLowerCase()];
  if (factor === undefined) return undefined;
  const value = Math.round(Number(match[1]) * factor);
  return `${value}, which is ${match[1]}${match[2]} in ${table === MS ? 'milliseconds' : 'bytes'}`;
}

/**
 * Checks one config value and returns it as Kafka writes it. `sourceText` is the scalar as written in the YAML
 * (when it was a plain number), so longs beyond 2^53 keep their exact digits.
 */
export function checkTopicConfig(name: string, value: unknown, sourceText?: string): TopicConfigCheck {
  const definition = TOPIC_CONFIGS[name];
  const removed = REMOVED_TOPIC_CONFIGS[name];
  if (removed) return { ok: false, unknown: true, message: `topic config "${name}" ${removed}` };
  if (!definition) {
    return {
      ok: false,
      unknown: true,
      message: `unknown topic config "${name}"${didYouMean(name, Object.keys(TOPIC_CONFIGS))}`,
    };
  }
  const type = definition.type;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  const wrong = () => ({ ok: false as const, message: `must be ${describeType(type)}, got ${shown}` });
  switch (type.kind) {
    case 'int':
    case 'long': {
      let text: string;
      if (typeof value === 'number')
        text = sourceText !== undefined && /^[-+]?\d+$/.test(sourceText) ? sourceText : String(value);
      else if (typeof value === 'string') text = value.trim();
      else return wrong();
      if (!/^[-+]?\d+$/.test(text)) {
        const unit = inUnit(name, text);
        return unit === undefined ? wrong() : { ok: false, message: `${wrong().message} (did you mean ${unit}?)` };
      }
      const n = BigInt(text);
      const [lo, hi] = type.kind === 'int' ? [INT_MIN, INT_MAX] : [LONG_MIN, LONG_MAX];
      if (n < (type.min ?? lo) || n > (type.max ?? hi)) return wrong();
      return { ok: true, value: n.toString() };
    }
    case 'double': {
      const n =
        typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n) || (type.min !== undefined && n < type.min) || (type.max !== undefined && n > type.max)) {
        return wrong();
      }
      return { ok: true, value: javaDoubleString(n) };
    }
    case 'boolean':
      if (value === true || value === 'true') return { ok: true, value: 'true' };
      if (value === false || value === 'false') return { ok: true, value: 'false' };
      return wrong();
    case 'enum': {
      if (typeof value !== 'string' || !type.values.includes(value)) {
        return {
          ok: false,
          message: `must be ${describeType(type)}, got ${shown}${didYouMean(String(value), type.values)}`,
        };
      }
      return { ok: true, value };
    }
    case 'enum-list': {
      if (typeof value !== 'string') return wrong();
      const parts = value.split(',').map((part) => part.trim());
      const bad = parts.find((part) => !type.values.includes(part));
      if (bad !== undefined) {
        return { ok: false, message: `must be ${describeType(type)}, got ${shown}${didYouMean(bad, type.values)}` };
      }
      if (new Set(parts).size !== parts.length) return wrong();
      return { ok: true, value: parts.join(',') };
    }
    case 'string':
      // The throttled-replica lists are Kafka LISTs: the broker splits on commas and drops the spaces around them.
      if (typeof value === 'string')
        return {
          ok: true,
          value: name.endsWith('.throttled.replicas')
            ? value
                .split(',')
                .map((p) => p.trim())
                .join(',')
            : value,
        };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return wrong();
  }
}
