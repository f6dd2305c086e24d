import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import pg from 'pg';

const SERVER = path.join(import.meta.dirname, '..', '..', 'src', 'server.ts');

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  url: string;
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
}

/**
 * Starts `node src/server.ts` as `npm start` does and waits for its URL (from
 * its info-level log). With `keepLogs: false` the log is drained unread once
 * it listens, so a benchmark's client does not pay for parsing it.
 */
export async function startOrigin(
  env: Record<string, string>,
  options: { keepLogs?: boolean } = {},
): Promise<Child> {
  const proc = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  const lines: Array<Record<string, unknown>> = [];
  let err = '';
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const onData = (d: Buffer) => {
      buffered += d.toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          lines.push(entry);
          if (typeof entry.url === 'string' && String(entry.msg).startsWith('origin listening')) {
            if (options.keepLogs === false) proc.stdout.off('data', onData).resume();
            resolve(entry.url);
          }
        } catch {
          // not a log line
        }
      }
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code) =>
      reject(new Error(`origin exited with ${code} before listening:\n${err}`)),
    );
  });
  return { proc, url, lines, stderr: () => err };
}

export async function exitOf(
  proc: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  if (proc.exitCode !== null) return { code: proc.exitCode, ms: 0 };
  const [code] = (await once(proc, 'exit')) as [number | null];
  return { code, ms: performance.now() - started };
}

/** A private schema on DATABASE_URL for a spawned origin, or an in-memory embedded database without it. */
export function databaseEnv(): { env: Record<string, string>; cleanup(): Promise<void> } {
  const url = process.env.DATABASE_URL;
  if (!url)
    return { env: { EMBEDDED_DB_DIR: 'memory://', SEED_PRODUCTS: '5' }, cleanup: async () => {} };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
    async cleanup() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}
