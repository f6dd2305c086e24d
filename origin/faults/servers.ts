import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chownSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * The fault suite's own PostgreSQL cluster and Redis server. The suite stops
 * and starts them on purpose, so they are never the machine's shared servers:
 * a throwaway cluster made with initdb in the run's folder and a redis-server
 * child process, each on its own port, both bound to 127.0.0.1.
 */

const isRoot = process.getuid?.() === 0;

/** The newest PostgreSQL server binaries: FAULTS_PG_BIN, else Debian's /usr/lib/postgresql/<v>/bin. */
export function postgresBin(): string {
  const configured = process.env.FAULTS_PG_BIN;
  if (configured) return configured;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const [newest] = versions;
  if (!newest) {
    throw new Error(
      'the fault suite runs its own PostgreSQL cluster and needs initdb and pg_ctl: install postgresql (bash .ci/run does) or set FAULTS_PG_BIN',
    );
  }
  return join(root, newest, 'bin');
}

/** Runs a PostgreSQL tool; as root, as the postgres user (initdb and postgres refuse root). */
function pgTool(bin: string, tool: string, args: string[]): string {
  const command = isRoot ? 'runuser' : join(bin, tool);
  const argv = isRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
  try {
    return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

/**
 * The same, without blocking the event loop: the load generator in this
 * process keeps its arrival rate while PostgreSQL stops or starts.
 */
function pgToolAsync(bin: string, tool: string, args: string[]): Promise<string> {
  const command = isRoot ? 'runuser' : join(bin, tool);
  const argv = isRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
  return new Promise((resolve, reject) => {
    execFile(command, argv, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`${tool} ${args.join(' ')} failed: ${stderr || stdout || err.message}`));
      else resolve(stdout);
    });
  });
}

export interface PrivatePostgres {
  /** postgres://…@127.0.0.1:<port>/vitrine_faults */
  url: string;
  /** `pg_ctl stop -m fast`: clients are disconnected, the server is gone until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  running(): boolean;
  /** Stops it if running (`-m immediate`); the folder is the caller's to remove. */
  destroy(): Promise<void>;
}

/** A new cluster in `dir/pg`, listening on 127.0.0.1:`port` and a socket in `dir`. */
export async function startPrivatePostgres(dir: string, port: number): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const data = join(dir, 'pg');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pg-password');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  pgTool(bin, 'initdb', [
    '-D',
    data,
    '-U',
    'vitrine',
    `--pwfile=${pwfile}`,
    '-A',
    'scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  // Durability is not under test (the origin processes crash, never PostgreSQL): skip the fsyncs.
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ');
  const start = async () => {
    await pgToolAsync(bin, 'pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'pg.log'),
      '-w',
      '-t',
      '30',
      '-o',
      options,
      'start',
    ]);
  };
  const running = () => existsSync(join(data, 'postmaster.pid'));
  await start();
  const url = `postgres://vitrine:${password}@127.0.0.1:${port}/postgres`;
  return {
    url,
    start,
    running,
    async stop() {
      await pgToolAsync(bin, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
    },
    async destroy() {
      if (running()) pgTool(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
  };
}

/** Stops a cluster a killed earlier run left in `dir` (identified by its data folder). */
export function stopLeftoverPostgres(dir: string): void {
  const data = join(dir, 'pg');
  if (!existsSync(join(data, 'postmaster.pid'))) return;
  try {
    pgTool(postgresBin(), 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  } catch {
    // Not running after all (a stale pid file).
  }
}

export interface PrivateRedis {
  url: string;
  /** `SHUTDOWN NOSAVE`, then waits for the process to end. */
  stop(): Promise<void>;
  start(): Promise<void>;
  running(): boolean;
  destroy(): Promise<void>;
}

/** A redis-server child on 127.0.0.1:`port`, without persistence. */
export async function startPrivateRedis(dir: string, port: number): Promise<PrivateRedis> {
  let child: ChildProcess | null = null;
  const start = async () => {
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--pidfile',
        join(dir, 'redis.pid'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FAULTS_RUN: dir } },
    );
    child = proc;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start within 10 s:\n${output}`)),
        10_000,
      );
      proc.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`redis-server could not be started (${err.message}): install it`));
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
    proc.stdout?.resume();
  };
  const running = () => child !== null && child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    const proc = child;
    if (!proc || !running()) return;
    const exited = once(proc, 'exit');
    // redis-cli reports the dropped connection of a successful shutdown as an error: ignore it.
    await new Promise<void>((done) => {
      execFile('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], () => done());
    });
    const timeout = sleep(5_000).then(() => 'timeout' as const);
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      proc.kill('SIGKILL');
      await exited;
    }
    child = null;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    running,
    async destroy() {
      const proc = child;
      if (!proc || !running()) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
      child = null;
    },
  };
}

/**
 * Ends the processes a killed earlier run left behind, never a recycled pid:
 * the node processes whose pid is in `dir/pids` and whose environment names
 * this run folder (FAULTS_RUN), and the redis-server of `dir/redis.pid` if it
 * still listens on the suite's port (Redis rewrites its environment for its
 * process title, so its command line is what tells).
 */
export function killLeftovers(dir: string, redisPort: number): void {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  };
  for (const pid of read(join(dir, 'pids')).split('\n').filter(Boolean).map(Number)) {
    if (read(`/proc/${pid}/environ`).split('\0').includes(`FAULTS_RUN=${dir}`)) stop(pid);
  }
  const redisPid = Number(read(join(dir, 'redis.pid')).trim());
  if (
    redisPid > 0 &&
    read(`/proc/${redisPid}/cmdline`).startsWith(`redis-server 127.0.0.1:${redisPort}`)
  ) {
    stop(redisPid);
  }
}
