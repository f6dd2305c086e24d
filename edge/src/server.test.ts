import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { signSessionCookie } from '@vitrine/origin/session-cookie';
import { pino } from 'pino';
import { buildViewerRequest } from './build.ts';
import { loadEdgeConfig } from './config.ts';
import { COOKIES, KVS_KEYS } from './description.ts';
import { kvsDocument, readKvsFile, writeKvsFile } from './kvs.ts';
import { type RunningEdge, startEdgeServer, watchedKvs } from './server.ts';

/*
 * The edge server end to end: a static build on disk as the S3 origin, a
 * recording HTTP server as the app origin, the built function in between.
 */

const fixtures = join(import.meta.dirname, '..', 'fixtures');

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function recordingOrigin(): Promise<{ server: Server; url: URL; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.writeHead(200, { 'content-type': 'application/json', 'x-origin': 'app' });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: new URL(`http://127.0.0.1:${port}`), seen };
}

function staticBuild(with404: boolean): string {
  const parent = mkdtempSync(join(tmpdir(), 'vitrine-static-'));
  // A file beside the bucket's folder, which no key may reach.
  writeFileSync(join(parent, 'outside.txt'), 'secret');
  const dir = join(parent, 'public');
  mkdirSync(join(dir, 'galleries', 'nocturnes'), { recursive: true });
  mkdirSync(join(dir, '_astro'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Home</title>');
  writeFileSync(
    join(dir, 'galleries', 'nocturnes', 'index.html'),
    '<!doctype html><title>Nocturnes</title>',
  );
  writeFileSync(
    join(dir, '_astro', 'app.3f9a1c.js'),
    `export const works = ${JSON.stringify(Array(200).fill('a work'))};`,
  );
  if (with404) writeFileSync(join(dir, '404.html'), '<!doctype html><title>Not found</title>');
  return dir;
}

describe('edge server', () => {
  const kvs = new Map(readKvsFile(join(fixtures, 'kvs.json')));
  const ring = { keys: new Map([['k2025', kvs.get('kid:k2025') ?? '']]), signingKid: 'k2025' };
  const session = signSessionCookie(
    { sid: 'c2Vzc2lvbg', exp: Math.floor(Date.now() / 1000) + 3600 },
    ring,
  );
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const work = mkdtempSync(join(tmpdir(), 'vitrine-edge-'));
  const functionFile = join(work, 'viewer-request.js');
  writeFileSync(functionFile, buildViewerRequest());
  const dirs: string[] = [];
  let origin: Awaited<ReturnType<typeof recordingOrigin>>;
  let edge: RunningEdge;

  const start = (overrides: Partial<Parameters<typeof startEdgeServer>[0]> = {}) => {
    const staticDir = staticBuild(true);
    dirs.push(join(staticDir, '..'));
    return startEdgeServer({
      port: 0,
      host: '127.0.0.1',
      appOrigin: origin.url,
      canaryOrigin: null,
      staticDir,
      kvs: { current: () => kvs },
      functionFile,
      logger,
      pool: 2,
      ...overrides,
    });
  };
  const get = (path: string, init: RequestInit = {}, at = edge) =>
    fetch(`${at.url}${path}`, { redirect: 'manual', ...init });

  before(async () => {
    origin = await recordingOrigin();
    edge = await start();
  });
  after(async () => {
    await edge.close();
    origin.server.close();
    for (const dir of [...dirs, work]) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    origin.seen.length = 0;
  });

  describe('static origin', () => {
    it('when the home page is asked for, then index.html comes from the build with its upload headers', async () => {
      const res = await get('/', { headers: { cookie: `${COOKIES.session}=${session}` } });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '<!doctype html><title>Home</title>');
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=0, must-revalidate');
      assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]{32}"$/);
      // The response headers policy covers the static pages.
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(origin.seen.length, 0);
    });

    it('when a directory is asked for without its slash, then 301, and with it, its index', async () => {
      const redirect = await get('/galleries/nocturnes?sort=new');
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.get('location'), '/galleries/nocturnes/?sort=new');
      const page = await get('/galleries/nocturnes/');
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Nocturnes/);
    });

    it('when the viewer has the current ETag, then 304 without a body', async () => {
      const etag = (await get('/')).headers.get('etag') ?? '';
      const res = await get('/', { headers: { 'if-none-match': etag } });
      assert.equal(res.status, 304);
      assert.equal(await res.text(), '');
    });

    it('when a hashed asset is fetched with gzip, then it is compressed and cached for a year', async () => {
      const res = await fetch(`${edge.url}/_astro/app.3f9a1c.js`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      // fetch decodes gzip itself; ask Node's http for the raw bytes through the header check above.
      assert.match(await res.text(), /^export const works/);
      const raw = await new Promise<Buffer>((resolve) => {
        const url = new URL(`${edge.url}/_astro/app.3f9a1c.js`);
        import('node:http').then(({ get: httpGet }) =>
          httpGet(url, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
            assert.equal(r.headers['content-encoding'], 'gzip');
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => resolve(Buffer.concat(chunks)));
          }),
        );
      });
      assert.match(gunzipSync(raw).toString(), /^export const works/);
    });

    it('when a page does not exist, then the behaviour maps S3’s 403 to the 404 page', async () => {
      const res = await get('/products/no-such-work/');
      assert.equal(res.status, 404);
      assert.match(await res.text(), /Not found/);
    });

    it('when a page does not exist and the build has no 404 page, then S3’s 403 AccessDenied passes', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vitrine-bare-'));
      dirs.push(dir);
      const bare = await start({ staticDir: dir });
      try {
        const res = await get('/nothing/', {}, bare);
        assert.equal(res.status, 403);
        assert.match(await res.text(), /<Code>AccessDenied<\/Code>/);
      } finally {
        await bare.close();
      }
    });

    it('when a key tries to leave the bucket, then it is a missing key', async () => {
      for (const path of [
        '/%2e%2e/outside.txt',
        '/..%2Foutside.txt',
        '/galleries/%2e%2e/%2e%2e/outside.txt',
      ]) {
        const res = await get(path);
        assert.equal(res.status, 404, path);
        assert.doesNotMatch(await res.text(), /secret/);
      }
    });

    it('when a catalogue path is POSTed to, then CloudFront refuses the method with 403', async () => {
      const res = await get('/galleries/nocturnes/', { method: 'POST', body: 'x' });
      assert.equal(res.status, 403);
      assert.match(await res.text(), /not configured to allow the HTTP request method/);
    });
  });

  describe('session gate', () => {
    it('when a protected page is asked for without a session, then 302 to login and the origin is not reached', async () => {
      const res = await get('/account/');
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/login/?next=%2Faccount%2F');
      assert.equal(res.headers.get('x-cache'), 'FunctionGeneratedResponse from cloudfront');
      assert.equal(origin.seen.length, 0);
    });

    it('when a protected page is asked for with a valid session, then the origin renders it with the cookie', async () => {
      const res = await get('/account/', {
        headers: { cookie: `${COOKIES.session}=${session}; theme=dark` },
      });
      assert.equal(res.status, 200);
      assert.equal(origin.seen[0]?.url, '/account/');
      assert.equal(origin.seen[0]?.headers.cookie, `${COOKIES.session}=${session}`);
    });

    it('when a protected API is called with a forged session, then 401 JSON from the edge and a cleared cookie', async () => {
      const forged = `${session.slice(0, session.lastIndexOf('.'))}.${'A'.repeat(43)}`;
      const res = await get('/api/v1/orders', {
        headers: { cookie: `${COOKIES.session}=${forged}` },
      });
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), {
        error: { code: 'NOT_SIGNED_IN', message: 'Sign in to do this.' },
      });
      assert.match(
        res.headers.get('set-cookie') ?? '',
        new RegExp(`^${COOKIES.session}=; .*Max-Age=0`),
      );
      assert.equal(origin.seen.length, 0);
    });

    it('when the KeyValueStore switches maintenance on, then the next request sees it', async () => {
      const before = kvs.get(KVS_KEYS.flags) ?? '';
      kvs.set(KVS_KEYS.flags, JSON.stringify({ maintenance: 'app', canary: { percent: 0 } }));
      try {
        const res = await get('/api/v1/products');
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('retry-after'), '300');
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'MAINTENANCE');
        assert.equal((await get('/')).status, 200);
      } finally {
        kvs.set(KVS_KEYS.flags, before);
      }
    });
  });

  describe('app origin', () => {
    it('when an API call carries many cookies and headers, then only the allow-listed ones reach the origin', async () => {
      const res = await get('/api/v1/products?limit=2&q=blue%20hour&q=dusk', {
        headers: {
          cookie: `${COOKIES.session}=${session}; _ga=GA1.2; ${COOKIES.csrf}=t0k; ${COOKIES.cart}=c4rt; theme=dark`,
          'x-csrf-token': 't0k',
          'x-evil': 'yes',
          'x-api-key': 'leaked',
          'x-forwarded-for': '203.0.113.9',
        },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-origin'), 'app');
      // The origin's own answer is not overridden; missing headers are added.
      assert.equal(res.headers.get('referrer-policy'), 'same-origin');
      assert.deepEqual(res.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
      const seen = origin.seen[0];
      assert.ok(seen);
      assert.equal(seen.url, '/api/v1/products?limit=2&q=blue%20hour&q=dusk');
      assert.equal(
        seen.headers.cookie,
        `${COOKIES.session}=${session}; ${COOKIES.csrf}=t0k; ${COOKIES.cart}=c4rt`,
      );
      assert.equal(seen.headers['x-csrf-token'], 't0k');
      assert.equal(seen.headers['x-evil'], undefined);
      assert.equal(seen.headers['x-api-key'], undefined);
      assert.equal(seen.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
      assert.equal(seen.headers['x-forwarded-proto'], 'http');
      assert.match(String(seen.headers['x-amz-cf-id']), /^[A-Za-z0-9_-]{56}$/);
    });

    it('when a JSON body is POSTed, then it reaches the origin intact', async () => {
      const body = JSON.stringify({ productId: 7, quantity: 2 });
      const res = await get('/api/v1/cart/items', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', cookie: `${COOKIES.session}=${session}` },
      });
      assert.equal(res.status, 200);
      assert.equal(origin.seen[0]?.method, 'POST');
      assert.equal(origin.seen[0]?.body, body);
      assert.equal(origin.seen[0]?.headers['content-type'], 'application/json');
    });

    it('when the origin is down, then 502 from CloudFront', async () => {
      const closed = createServer();
      closed.listen(0, '127.0.0.1');
      await new Promise((r) => closed.once('listening', r));
      const { port } = closed.address() as AddressInfo;
      closed.close();
      const lonely = await start({ appOrigin: new URL(`http://127.0.0.1:${port}`) });
      try {
        const res = await get('/api/v1/products', {}, lonely);
        assert.equal(res.status, 502);
        assert.equal(res.headers.get('x-cache'), 'Error from cloudfront');
      } finally {
        await lonely.close();
      }
    });
  });

  describe('app origin with several targets (a load balancer in front)', () => {
    interface Target {
      server: Server;
      url: URL;
      /** Requests it answered, readiness checks excepted. */
      seen: Seen[];
      /** What /readyz answers. */
      ready: number;
      /** Non-health requests arriving after this are dropped at once (their connection reset). */
      resetRequests: boolean;
    }

    async function target(name: string): Promise<Target> {
      const t = { seen: [] as Seen[], ready: 200, resetRequests: false } as Target;
      t.server = createServer((req, res) => {
        if (req.url === '/readyz') {
          res.writeHead(t.ready, { 'content-type': 'application/json' });
          res.end('{}');
          return;
        }
        if (t.resetRequests) {
          req.socket.destroy();
          return;
        }
        let body = '';
        req.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        req.on('end', () => {
          t.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
          res.writeHead(200, { 'content-type': 'application/json', 'x-target': name });
          res.end(JSON.stringify({ name }));
        });
      });
      t.server.listen(0, '127.0.0.1');
      await new Promise((r) => t.server.once('listening', r));
      t.url = new URL(`http://127.0.0.1:${(t.server.address() as AddressInfo).port}`);
      return t;
    }

    async function refusingUrl(): Promise<URL> {
      const closed = createServer();
      closed.listen(0, '127.0.0.1');
      await new Promise((r) => closed.once('listening', r));
      const { port } = closed.address() as AddressInfo;
      await new Promise((r) => closed.close(r));
      return new URL(`http://127.0.0.1:${port}`);
    }

    const names = async (at: RunningEdge, count: number, init: RequestInit = {}) => {
      const answered: string[] = [];
      for (let i = 0; i < count; i++) {
        const res = await get('/api/v1/products', init, at);
        assert.equal(res.status, 200, await res.clone().text());
        answered.push(res.headers.get('x-target') ?? '?');
        await res.arrayBuffer();
      }
      return answered;
    };

    const eventually = async (check: () => boolean, ms = 3_000) => {
      const deadline = Date.now() + ms;
      while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(check(), `not within ${ms} ms`);
    };

    it('when ORIGIN_URL lists several targets, then the edge keeps them all, in order', () => {
      const config = loadEdgeConfig({
        ORIGIN_URL: 'http://127.0.0.1:3501, http://127.0.0.1:3502/',
        EDGE_HEALTH_CHECK_MS: '250',
      });
      assert.deepEqual(
        config.appOrigins.map((u) => u.href),
        ['http://127.0.0.1:3501/', 'http://127.0.0.1:3502/'],
      );
      assert.equal(config.appOrigin.href, 'http://127.0.0.1:3501/');
      assert.equal(config.healthCheckMs, 250);
      assert.equal(loadEdgeConfig({}).healthCheckMs, 1_000);
      assert.throws(
        () => loadEdgeConfig({ ORIGIN_URL: 'http://127.0.0.1:3501,ftp://x' }),
        /ORIGIN_URL: must be an http\(s\) URL/,
      );
      assert.throws(() => loadEdgeConfig({ ORIGIN_URL: ' , ' }), /ORIGIN_URL/);
      assert.throws(
        () => loadEdgeConfig({ EDGE_HEALTH_CHECK_MS: '1s' }),
        /EDGE_HEALTH_CHECK_MS: must be milliseconds/,
      );
    });

    it('when two targets are healthy, then requests go to them in turn and the log names each', async () => {
      const a = await target('a');
      const b = await target('b');
      const lb = await start({ appOrigin: [a.url, b.url], healthCheck: { intervalMs: 50 } });
      try {
        logs.length = 0;
        assert.deepEqual(await names(lb, 4), ['a', 'b', 'a', 'b']);
        await new Promise((r) => setTimeout(r, 20));
        const targets = logs.filter((l) => l.msg === 'edge').map((l) => l.target);
        assert.deepEqual(targets, [a.url.host, b.url.host, a.url.host, b.url.host]);
      } finally {
        await lb.close();
        a.server.close();
        b.server.close();
      }
    });

    it('when a target refuses connections, then its requests are retried once on the next, body intact, and the health check takes it out', async () => {
      const b = await target('b');
      const down = await refusingUrl();
      const lb = await start({ appOrigin: [down, b.url], healthCheck: { intervalMs: 50 } });
      try {
        logs.length = 0;
        const body = JSON.stringify({ productId: 7, quantity: 2 });
        const res = await get(
          '/api/v1/cart/items',
          { method: 'POST', body, headers: { 'content-type': 'application/json' } },
          lb,
        );
        assert.equal(res.status, 200, 'the POST never reached the first target: safe to resend');
        assert.equal(res.headers.get('x-target'), 'b');
        assert.equal(b.seen[0]?.body, body);
        await new Promise((r) => setTimeout(r, 20));
        const line = logs.find((l) => l.msg === 'edge' && l.method === 'POST');
        assert.match(String(line?.decision), /retried: .* ECONNREFUSED/);

        // After one failed check the refusing target gets nothing more: no retries needed.
        await eventually(() => logs.some((l) => /out of service/.test(String(l.msg))));
        logs.length = 0;
        assert.deepEqual(await names(lb, 3), ['b', 'b', 'b']);
        await new Promise((r) => setTimeout(r, 20));
        assert.ok(logs.filter((l) => l.msg === 'edge').every((l) => l.decision === 'pass'));
      } finally {
        await lb.close();
        b.server.close();
      }
    });

    it('when a target’s /readyz fails, then it gets no new requests until it passes again', async () => {
      const a = await target('a');
      const b = await target('b');
      const lb = await start({ appOrigin: [a.url, b.url], healthCheck: { intervalMs: 50 } });
      try {
        a.ready = 503; // draining after SIGTERM: still answers, but wants no new work
        await eventually(() => logs.some((l) => l.target === a.url.host && l.reason));
        assert.deepEqual(await names(lb, 4), ['b', 'b', 'b', 'b']);
        a.ready = 200;
        await eventually(() =>
          logs.some((l) => l.target === a.url.host && /back in service/.test(String(l.msg))),
        );
        assert.deepEqual((await names(lb, 4)).sort(), ['a', 'a', 'b', 'b']);
      } finally {
        await lb.close();
        a.server.close();
        b.server.close();
      }
    });

    it('when every target fails its health check, then all of them still get traffic (fail open)', async () => {
      const a = await target('a');
      const b = await target('b');
      a.ready = 503;
      b.ready = 503;
      const lb = await start({ appOrigin: [a.url, b.url], healthCheck: { intervalMs: 50 } });
      try {
        await eventually(
          () => logs.filter((l) => /out of service/.test(String(l.msg))).length >= 2,
        );
        assert.deepEqual((await names(lb, 4)).sort(), ['a', 'a', 'b', 'b']);
      } finally {
        await lb.close();
        a.server.close();
        b.server.close();
      }
    });

    it('when a target drops a POST it has received, then 502 and no retry: the origin may have acted on it', async () => {
      const a = await target('a');
      const b = await target('b');
      a.resetRequests = true;
      const lb = await start({ appOrigin: [a.url, b.url], healthCheck: { intervalMs: 0 } });
      try {
        const res = await get(
          '/api/v1/checkout',
          {
            method: 'POST',
            body: '{}',
            headers: {
              'content-type': 'application/json',
              cookie: `${COOKIES.session}=${session}`,
            },
          },
          lb,
        );
        assert.equal(res.status, 502);
        assert.equal(b.seen.length, 0);
      } finally {
        await lb.close();
        a.server.close();
        b.server.close();
      }
    });

    it('when a kept-alive connection is closed under a read, then the read is sent again on the next target', async () => {
      const a = await target('a');
      const b = await target('b');
      const lb = await start({ appOrigin: [a.url, b.url], healthCheck: { intervalMs: 0 } });
      try {
        assert.deepEqual(await names(lb, 2), ['a', 'b']);
        // a's connection stays open in the edge's pool; now a drops whatever comes over it.
        a.resetRequests = true;
        logs.length = 0;
        assert.deepEqual(await names(lb, 1), ['b']);
        await new Promise((r) => setTimeout(r, 20));
        assert.match(String(logs.find((l) => l.msg === 'edge')?.decision), /retried: .*ECONNRESET/);
      } finally {
        await lb.close();
        a.server.close();
        b.server.close();
      }
    });
  });

  describe('function output', () => {
    it('when the function adds a header CloudFront forbids, then 502 and the origin is not reached', async () => {
      const file = join(work, 'forbidden.js');
      writeFileSync(
        file,
        "function handler(event) {\n  event.request.headers['x-forwarded-proto'] = { value: 'https' };\n  return event.request;\n}\n",
      );
      const bad = await start({ functionFile: file });
      try {
        const res = await get('/api/v1/products', {}, bad);
        assert.equal(res.status, 502);
        assert.match(await res.text(), /function returned an invalid value/);
        assert.equal(origin.seen.length, 0);
        const line = logs.findLast((l) => String(l.decision ?? '').startsWith('function error'));
        assert.match(String(line?.decision), /x-forwarded-proto/);
      } finally {
        await bad.close();
      }
    });

    it('when a file outside the runtime is given, then the server refuses to start, naming line and feature', async () => {
      const file = join(work, 'modern.js');
      writeFileSync(
        file,
        'function handler(event) {\n  const { request } = event;\n  return request;\n}\n',
      );
      await assert.rejects(start({ functionFile: file }), /modern\.js:2:9: destructuring/);
    });
  });

  it('when requests pass, then each has one log line with behaviour, decision and timings', async () => {
    logs.length = 0;
    await (await get('/api/v1/products')).text();
    await (await get('/account/')).text();
    await new Promise((r) => setTimeout(r, 20));
    const lines = logs.filter((l) => l.msg === 'edge');
    assert.equal(lines.length, 2);
    const [api, page] = lines;
    assert.equal(api?.behaviour, 'api');
    assert.equal(api?.decision, 'pass');
    assert.equal(api?.status, 200);
    assert.equal(typeof api?.fn_ms, 'number');
    assert.equal(typeof api?.origin_ms, 'number');
    assert.equal(page?.behaviour, 'page-account');
    assert.equal(page?.decision, '302 → /login/?next=%2Faccount%2F');
  });

  it('when the KeyValueStore file is rewritten, then the edge reads the new keys without a restart', async () => {
    const file = join(work, 'watched-kvs.json');
    writeKvsFile(file, kvsDocument(new Map([['old', 'o'.repeat(40)]])));
    const store = watchedKvs(file, logger);
    try {
      assert.ok(store.current().has('kid:old'));
      writeKvsFile(file, kvsDocument(new Map([['new', 'n'.repeat(40)]])));
      const deadline = Date.now() + 3000;
      while (!store.current().has('kid:new') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(store.current().has('kid:new'));
      assert.ok(!store.current().has('kid:old'));
    } finally {
      store.close();
    }
  });
});
