import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import {
  LOCAL_ADMIN,
  layoutsOn,
  portBaseFromEnv,
  runningLayout,
  runningPids,
  startLocalCluster,
  stopLocalCluster,
} from '../localkafka/broker';
import { UnsupportedKafkaVersionError, requestedKafkaVersion } from '../localkafka/versions';
import { type Command } from './command';
import { UsageError, UserFacingError } from '../shared/errors';

/** `--kafka-version` (or MSK_GITOPS_BROKER_VERSION) checked; an unknown version is a usage error listing the supported. */
export function kafkaVersionOption(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return requestedKafkaVersion(flag, env);
  } catch (error) {
    if (error instanceof UnsupportedKafkaVersionError) throw new UsageError(error.message);
    throw error;
  }
}

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

export const brokerCommand: Command = {
  usage:
    'msk-gitops broker start|stop|status|reset [--port N] [--kafka-version V] [--wipe] [--yes]\n' +
    '  start: --kafka-version V picks the Apache Kafka version (default: MSK_GITOPS_BROKER_VERSION, else 4.1.2)\n' +
    '  stop --wipe: also delete the run folder; reset: stop and delete it after asking (--yes: without asking)',
  async run({ argv, stdout, env }) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        'kafka-version': { type: 'string' },
        wipe: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
      },
    });
    const portBase = values.port === undefined ? portBaseFromEnv() : Number(values.port);
    if (!Number.isInteger(portBase)) throw new UsageError(`--port must be a number`);
    const kafkaVersion = kafkaVersionOption(values['kafka-version'], env);
    const log = (line: string) => stdout.write(`${line}\n`);
    switch (positionals[0]) {
      case 'start': {
        const { layout } = await startLocalCluster({ portBase, kafkaVersion, log });
        log(`bootstrap servers: ${layout.scramBootstrap.join(',')} (SASL_PLAINTEXT, SCRAM-SHA-512)`);
        log(`admin: ${LOCAL_ADMIN.username} (password in reconciler/localkafka/broker.ts; local use only)`);
        return 0;
      }
      case 'stop': {
        const pids = await stopLocalCluster({ portBase, kafkaVersion, wipe: values.wipe });
        log(pids.length ? `stopped local Kafka (pids ${pids.join(', ')})` : 'local Kafka was not running');
        return 0;
      }
      case 'status': {
        const layout = runningLayout(portBase);
        const pids = layout ? runningPids(layout) : [];
        log(
          layout
            ? `Kafka ${layout.kafkaVersion} running on ${layout.scramBootstrap.join(',')} (pids ${pids.join(', ')}; ${layout.runDir})`
            : 'not running',
        );
        return layout ? 0 : 3;
      }
      case 'reset': {
        const folders = layoutsOn(portBase)
          .filter((layout) => kafkaVersion === undefined || layout.kafkaVersion === kafkaVersion)
          .map((layout) => layout.runDir);
        if (folders.length === 0) {
          log(`nothing to reset: no local Kafka run folder on port base ${portBase}`);
          return 0;
        }
        log(
          `this deletes every topic, user and ACL of the local cluster, its data and logs:\n  ${folders.join('\n  ')}`,
        );
        if (!values.yes) {
          if (!process.stdin.isTTY)
            throw new UserFacingError('no terminal to confirm on: pass --yes to reset without asking');
          if (!(await confirm('Reset? (yes/no) '))) {
            log('reset cancelled; nothing was deleted');
            return 1;
          }
        }
        const pids = await stopLocalCluster({ portBase, kafkaVersion, wipe: true });
        log(`${pids.length ? `stopped pids ${pids.join(', ')}; ` : ''}deleted; the next start formats a fresh cluster`);
        return 0;
      }
      default:
        throw new UsageError('expected start, stop, status or reset');
    }
  },
};
