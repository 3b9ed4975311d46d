/**
 * The AWS emulator moto, started for a suite from its real `moto_server` script (never a pyenv shim, whose pid is a
 * shell that would outlive a kill) on a free loopback port, and ended by that pid.
 *
 *   const moto = await startMoto();        // throws MotoMissingError with how to install it
 *   ... AWS clients / terraform pointed at moto.endpoint, any access key, region of your choice ...
 *   await moto.stop();
 *
 * moto runs with IAM managed policies loaded, AMI validation and EC2 instance-type validation on, so an AMI or
 * instance type that AWS would refuse is refused here too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export const MOTO_VERSION = '5.2.1';
export const MOTO_INSTALL_HINT = `pip install 'moto[server]==${MOTO_VERSION}'`;

export const MOTO_ENV = {
  MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
  MOTO_ENABLE_AMI_VALIDATION: 'true',
  MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION: 'true',
} as const;

/** Fake credentials every client pointed at moto may use: moto accepts any key, AWS would refuse these. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export class MotoMissingError extends Error {
  constructor(looked: string[]) {
    super(
      [
        'moto_server (the AWS emulator the apply tests run against) was not found.',
        `Looked at: ${looked.join('; ')}.`,
        `Install it for python3 with: ${MOTO_INSTALL_HINT}`,
        'or set MOTO_SERVER to the path of its moto_server script.',
      ].join('\n'),
    );
    this.name = 'MotoMissingError';
  }
}

export interface MotoServer {
  /** http://127.0.0.1:<port>: the one endpoint for every service. */
  endpoint: string;
  port: number;
  pid: number;
  /** The moto_server script that runs. */
  binary: string;
  /** Forget every resource (POST /moto-api/reset), for suites that share one server. */
  reset(): Promise<void>;
  /** Ends the server by its pid (SIGTERM, then SIGKILL after 5 s); resolves once it has exited. */
  stop(): Promise<void>;
}

function isShim(path: string): boolean {
  return /[\\/]shims[\\/]/.test(path);
}

function usable(path: string | undefined): path is string {
  return !!path && existsSync(path) && !isShim(path);
}

/**
 * The real moto_server script: $MOTO_SERVER, else what `pyenv which` resolves the shim to, else the scripts folder of
 * the python3 that can import moto, else the first one on PATH that is not a shim.
 */
export function findMotoServer(): string {
  const looked: string[] = [];

  const fromEnv = process.env.MOTO_SERVER;
  if (fromEnv) {
    if (usable(fromEnv)) return fromEnv;
    looked.push(`MOTO_SERVER=${fromEnv} (${existsSync(fromEnv) ? 'a shim' : 'no such file'})`);
  }

  const pyenv = spawnSync('pyenv', ['which', 'moto_server'], { encoding: 'utf8', timeout: 60_000 });
  const fromPyenv = pyenv.status === 0 ? pyenv.stdout.trim() : undefined;
  if (usable(fromPyenv)) return fromPyenv;
  looked.push('pyenv which moto_server');

  for (const python of ['python3', 'python']) {
    const probe = spawnSync(python, ['-c', 'import moto, sysconfig; print(sysconfig.get_path("scripts"))'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const candidate = probe.status === 0 ? join(probe.stdout.trim(), 'moto_server') : undefined;
    if (usable(candidate)) return candidate;
    looked.push(`${python} -c 'import moto'`);
  }

  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'moto_server');
    if (usable(candidate)) return candidate;
  }
  looked.push('PATH (shims skipped)');

  throw new MotoMissingError(looked);
}

/** moto's version, asked of the interpreter named by the script's shebang line. */
export function motoVersion(binary: string): string | undefined {
  const shebang = readFileSync(binary, 'utf8').split('\n', 1)[0];
  const interpreter = shebang.startsWith('#!') ? shebang.slice(2).trim().split(/\s+/) : [];
  if (interpreter.length === 0) return undefined;
  const probe = spawnSync(interpreter[0], [...interpreter.slice(1), '-c', 'import moto; print(moto.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export interface StartMotoOptions {
  /** How long to wait for the first answer (default 60 s: a loaded 2-core machine imports moto slowly). */
  startTimeoutMs?: number;
}

export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const binary = findMotoServer();
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let lastFailure = '';
  // The free port is free when asked, not necessarily when moto binds it: another process may take it between.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freeLoopbackPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], {
      env: { ...process.env, ...MOTO_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));

    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null && !spawnError) {
      if (await answers(endpoint)) {
        // Nothing reads moto's request log once it is up; drop it so a full pipe never stalls the server.
        child.stdout?.removeListener('data', keep).resume();
        child.stderr?.removeListener('data', keep).resume();
        const pid = child.pid as number;
        return {
          endpoint,
          port,
          pid,
          binary,
          async reset() {
            const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
            if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
          },
          async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const gone = exited(child);
            process.kill(pid, 'SIGTERM');
            const timer = setTimeout(() => {
              if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
            }, 5_000);
            await gone;
            clearTimeout(timer);
          },
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    if (child.exitCode === null && child.signalCode === null && child.pid) {
      const gone = exited(child);
      process.kill(child.pid, 'SIGKILL');
      await gone;
    }
    lastFailure = spawnError
      ? `${binary} could not be started: ${spawnError.message}`
      : `${binary} on port ${port} ${Date.now() >= deadline ? 'did not answer in time' : `exited (${child.exitCode ?? child.signalCode})`}:\n${output.trim()}`;
    if (spawnError || Date.now() >= deadline || !/address already in use/i.test(output)) break;
  }
  throw new Error(`moto_server did not start. ${lastFailure}`);
}
