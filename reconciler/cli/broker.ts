import { parseArgs } from 'node:util';
import { LOCAL_ADMIN, layoutFor, runningPids, startLocalCluster, stopLocalCluster } from '../localkafka/broker';
import { UsageError, type Command } from './command';

export const brokerCommand: Command = {
  usage: 'msk-gitops broker start|stop|status [--port N] [--wipe]',
  async run({ argv, stdout }) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { port: { type: 'string' }, wipe: { type: 'boolean', default: false } },
    });
    const portBase = values.port === undefined ? undefined : Number(values.port);
    if (portBase !== undefined && !Number.isInteger(portBase)) throw new UsageError(`--port must be a number`);
    const log = (line: string) => stdout.write(`${line}\n`);
    switch (positionals[0]) {
      case 'start': {
        const { layout } = await startLocalCluster({ portBase, log });
        log(`bootstrap servers: ${layout.scramBootstrap.join(',')} (SASL_PLAINTEXT, SCRAM-SHA-512)`);
        log(`admin: ${LOCAL_ADMIN.username} (password in reconciler/localkafka/broker.ts; local use only)`);
        return 0;
      }
      case 'stop': {
        const pids = await stopLocalCluster({ portBase, wipe: values.wipe });
        log(pids.length ? `stopped local Kafka (pids ${pids.join(', ')})` : 'local Kafka was not running');
        return 0;
      }
      case 'status': {
        const layout = layoutFor(portBase);
        const pids = runningPids(layout);
        log(pids.length ? `running on ${layout.scramBootstrap.join(',')} (pids ${pids.join(', ')})` : 'not running');
        return pids.length ? 0 : 3;
      }
      default:
        throw new UsageError('expected start, stop or status');
    }
  },
};
