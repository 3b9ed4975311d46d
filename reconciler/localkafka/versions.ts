/**
 * The Apache Kafka versions msk-gitops runs locally and is tested against: the one place they are named. The local
 * broker, the test matrix (`npm test` runs the broker suites once per tested version), `connection`'s warning and the
 * docs all read this table.
 *
 * The default is the newest 4.x release that both Maven Central serves and MSK offers (MSK offers the 4.1 line as
 * "4.1.x.kraft": 4.x is KRaft only); 3.9.1 is the newest 3.x line MSK offers and stays tested. Another patch release of a tested line
 * (4.1.0, 3.9.0) may be started, untested; any other version is refused with this list.
 */

/** How the broker of a line logs: Kafka 4.0 moved from log4j 1 (reload4j) to log4j2 (KIP-653). */
export type BrokerLogging = 'reload4j' | 'log4j2';

export interface KafkaVersionInfo {
  /** The line's version string on MSK (`kafka_versions` of aws_msk_cluster / the stack's `kafka.version`). */
  msk: string;
  logging: BrokerLogging;
}

/** Tested versions, newest first; the first is the default. */
export const TESTED_KAFKA_VERSIONS = {
  '4.1.2': { msk: '4.1.x.kraft', logging: 'log4j2' },
  '3.9.1': { msk: '3.9.x', logging: 'reload4j' },
} as const satisfies Record<string, KafkaVersionInfo>;

export type TestedKafkaVersion = keyof typeof TESTED_KAFKA_VERSIONS;

export const DEFAULT_KAFKA_VERSION: TestedKafkaVersion = '4.1.2';

/** The env variable that picks the local broker's version when no `--kafka-version` is given. */
export const KAFKA_VERSION_ENV = 'MSK_GITOPS_BROKER_VERSION';

/** "4.1" of "4.1.2". */
export function kafkaLine(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

const LINES = new Map<string, KafkaVersionInfo>(
  Object.entries(TESTED_KAFKA_VERSIONS).map(([version, info]) => [kafkaLine(version), info]),
);

export function describeSupportedVersions(): string {
  const tested = Object.keys(TESTED_KAFKA_VERSIONS).map((v) => (v === DEFAULT_KAFKA_VERSION ? `${v} (default)` : v));
  return `supported: ${tested.join(', ')} (tested), or another ${[...LINES.keys()].map((l) => `${l}.x`).join(' / ')} release`;
}

export class UnsupportedKafkaVersionError extends Error {}

/** The version a user asked for, checked against the supported lines; its logging follows its line. */
export function checkKafkaVersion(raw: string): { version: string; info: KafkaVersionInfo; tested: boolean } {
  const version = raw.trim();
  const info = /^\d+\.\d+\.\d+$/.test(version) ? LINES.get(kafkaLine(version)) : undefined;
  if (!info) throw new UnsupportedKafkaVersionError(`unknown Kafka version "${raw}": ${describeSupportedVersions()}`);
  return { version, info, tested: version in TESTED_KAFKA_VERSIONS };
}

/** `--kafka-version`, else the env variable, else undefined (the caller picks the default or what already runs). */
export function requestedKafkaVersion(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const raw = flag ?? (env[KAFKA_VERSION_ENV] || undefined);
  return raw === undefined ? undefined : checkKafkaVersion(raw).version;
}
