/**
 * `npm run bench:auth`: logins per second per core, and what checking a
 * session costs a request when the session is in L1.
 *
 * The origin runs as its own process (against DATABASE_URL / REDIS_URL when
 * set, else the embedded database) and autocannon drives it from this one.
 * For the login figure the origin gets one libuv thread (UV_THREADPOOL_SIZE=1),
 * so argon2id runs on one core: logins/s is then per core.
 */

import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { Shopper } from '../test/support/client.ts';
import { exitOf, startOrigin } from '../test/support/origin-process.ts';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const env = {
  // Production's level: one JSON line per request is part of what a request costs.
  LOG_LEVEL: 'info',
  SEED_PRODUCTS: '20',
  EMBEDDED_DB_DIR: 'memory://',
  // High throttles: the benchmark signs in the same account many times a second.
  LOGIN_FAILURES_PER_ACCOUNT: '1000',
  SESSION_KEYS: `bench:${randomBytes(32).toString('base64url')}`,
  ...(process.env.DATABASE_URL
    ? {
        DATABASE_URL: process.env.DATABASE_URL,
        DATABASE_SCHEMA: `bench_${randomBytes(4).toString('hex')}`,
      }
    : {}),
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  UV_THREADPOOL_SIZE: '1',
};

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const origin = await startOrigin(env, { keepLogs: false });
try {
  const password = 'bench-harbour-lantern';
  const email = `bench.${Date.now()}@example.com`;
  const shopper = new Shopper(origin.url);
  const reg = await shopper.signIn('register', { email, password });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${await reg.text()}`);
  const sessionCookie = [...shopper.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  // Logins from a fresh anonymous pre-session: the token is bound to its cookie.
  const anon = new Shopper(origin.url);
  const token = await anon.refreshCsrf();
  const anonCookie = [...anon.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const logins = await run({
    url: `${origin.url}/api/v1/auth/login`,
    method: 'POST',
    connections: 4,
    duration: DURATION_S,
    headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie: anonCookie },
    body: JSON.stringify({ email, password }),
  });
  if (logins.non2xx > 0) throw new Error(`${logins.non2xx} logins failed`);

  // The same cheap request (an unknown API route: session middleware, then 404)
  // with and without a valid session cookie; the difference is the session check.
  const path = `${origin.url}/api/v1/session-bench`;
  await run({ url: path, connections: 16, duration: 2, headers: { cookie: sessionCookie } }); // warm L1 and JIT
  const anonymous = await run({ url: path, connections: 16, duration: DURATION_S });
  const withSession = await run({
    url: path,
    connections: 16,
    duration: DURATION_S,
    headers: { cookie: sessionCookie },
  });

  const row = (name: string, r: autocannon.Result) =>
    `| ${name} | ${Math.round(r.requests.average)} | ${r.latency.mean.toFixed(2)} | ${r.latency.p50} | ${r.latency.p99} |`;
  console.log(
    `\nlogins: ${logins.requests.average.toFixed(1)} per second on one core (argon2id m=19456 KiB, t=2, p=1), p50 ${logins.latency.p50} ms, p99 ${logins.latency.p99} ms`,
  );
  console.log(
    '\n| request (16 connections) | req/s | mean ms | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |',
  );
  console.log(row('anonymous', anonymous));
  console.log(row('with a session (L1 hit)', withSession));
  console.log(
    `\nsession check: ${((1 / withSession.requests.average - 1 / anonymous.requests.average) * 1e6).toFixed(1)} µs of server time per request (from throughput), mean latency +${(withSession.latency.mean - anonymous.latency.mean).toFixed(2)} ms`,
  );
} finally {
  origin.proc.kill('SIGTERM');
  await exitOf(origin.proc);
  if (env.DATABASE_URL && env.DATABASE_SCHEMA) {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${env.DATABASE_SCHEMA}" CASCADE`);
    await client.end();
  }
}
