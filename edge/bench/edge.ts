/*
 * What the local edge adds per request: the same origin route measured
 * directly and through the edge, in one run.
 *
 *   npm run bench:edge                      # a bare node:http origin (the edge's own cost)
 *   ORIGIN_URL=http://127.0.0.1:3000 npm run bench:edge   # a running shop origin instead
 *
 * Two loads per target: one connection (latency without queueing) and 32
 * connections (throughput). BENCH_SECONDS sets each run's length (default 8).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { buildViewerRequest } from '../src/build.ts';
import { kvsDocument } from '../src/kvs.ts';
import { startEdgeServer } from '../src/server.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const isolation = process.env.EDGE_ISOLATION === 'context' ? 'context' : 'scope';
const ROUTE = '/api/v1/products?limit=12';
const body = JSON.stringify({
  items: Array.from({ length: 12 }, (_, i) => ({
    id: i,
    slug: `work-${i}`,
    title: `Work ${i}`,
    price: 12_000,
  })),
  next: null,
});

async function bareOrigin(): Promise<{ url: URL; close(): void }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}`), close: () => server.close() };
}

/** One request at a time on a kept-alive connection: latency without queueing, in microseconds. */
async function sequential(url: string, count = 4000) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const started = process.hrtime.bigint();
      httpGet(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1000));
      }).on('error', reject);
    });
  for (let i = 0; i < 300; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await once());
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0);
  return { p50: at(0.5), p99: at(0.99) };
}

async function load(url: string, connections: number) {
  const result = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

const external = process.env.ORIGIN_URL ? new URL(process.env.ORIGIN_URL) : null;
const bare = external ? null : await bareOrigin();
const origin = external ?? (bare as { url: URL }).url;
const work = mkdtempSync(join(tmpdir(), 'vitrine-edge-bench-'));
const functionFile = join(work, 'viewer-request.js');
writeFileSync(functionFile, buildViewerRequest());
const kvs = new Map(
  kvsDocument(new Map([['bench', 'b'.repeat(43)]])).data.map((e) => [e.key, e.value]),
);
const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
const edge = await startEdgeServer({
  port: 0,
  host: '127.0.0.1',
  appOrigin: origin,
  canaryOrigin: null,
  staticDir: work,
  kvs: { current: () => kvs },
  functionFile,
  logger,
  isolation,
});

const directUrl = `${origin.href.replace(/\/$/, '')}${ROUTE}`;
const edgeUrl = `${edge.url}${ROUTE}`;
const directSeq = await sequential(directUrl);
const edgeSeq = await sequential(edgeUrl);
const direct = await load(directUrl, 32);
const viaEdge = await load(edgeUrl, 32);

console.log(
  `GET ${ROUTE} against ${external ? external.href : 'a bare node:http origin'}, edge isolation ${isolation}\n`,
);
console.log('One request at a time (4,000 after 300 warm-up), microseconds:');
console.log('| target | p50 µs | p99 µs |');
console.log('|---|---|---|');
console.log(`| direct | ${directSeq.p50} | ${directSeq.p99} |`);
console.log(`| via edge | ${edgeSeq.p50} | ${edgeSeq.p99} |`);
console.log(
  `| added by the edge | +${edgeSeq.p50 - directSeq.p50} | +${edgeSeq.p99 - directSeq.p99} |`,
);
console.log(`\n32 connections for ${seconds} s (autocannon):`);
console.log('| target | req/s | p50 ms | p99 ms | errors |');
console.log('|---|---|---|---|---|');
console.log(`| direct | ${direct.rps} | ${direct.p50} | ${direct.p99} | ${direct.errors} |`);
console.log(`| via edge | ${viaEdge.rps} | ${viaEdge.p50} | ${viaEdge.p99} | ${viaEdge.errors} |`);

await edge.close();
bare?.close();
rmSync(work, { recursive: true, force: true });
