import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  createTestDatabase,
  hasExternalDatabase,
  redisUrl,
  type TestDatabase,
} from '../test/support/database.ts';
import { json, type Listening, listen } from '../test/support/http.ts';
import { startTcpProxy } from '../test/support/tcp-proxy.ts';
import { type App, createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './platform/db/database.ts';
import { createLogger } from './platform/logging.ts';
import { createRedis } from './platform/redis.ts';

const logger = createLogger('silent');

describe('app: error model, headers, health, metrics and OpenAPI', () => {
  let t: TestDatabase;
  let http: Listening;
  let built: App;

  before(async () => {
    t = await createTestDatabase({ overrides: { BODY_LIMIT_BYTES: '2048' } });
    built = createApp({ config: t.config, logger, db: t.db, redis: null });
    http = await listen(built.app);
  });
  after(async () => {
    await http?.close();
    await built?.close();
    await t?.drop();
  });

  it('when an /api route does not exist, then 404 with the JSON error shape', async () => {
    const res = await fetch(`${http.baseUrl}/api/v1/nope`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = await json(res);
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, 'ROUTE_NOT_FOUND');
    assert.equal(typeof body.error.message, 'string');
  });

  it('when the body is malformed JSON, then 400 MALFORMED_JSON without a stack trace', async () => {
    const res = await fetch(`${http.baseUrl}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title": ',
    });
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.equal(JSON.parse(text).error.code, 'MALFORMED_JSON');
    assert.doesNotMatch(text, /at .*\.(ts|js):\d+/);
  });

  it('when the body is over the limit, then 413 BODY_TOO_LARGE', async () => {
    const res = await fetch(`${http.baseUrl}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(4096) }),
    });
    assert.equal(res.status, 413);
    assert.equal((await json(res)).error.code, 'BODY_TOO_LARGE');
  });

  it('when a query parameter is invalid, then 400 VALIDATION_FAILED naming the field', async () => {
    const res = await fetch(`${http.baseUrl}/api/v1/products?limit=1000`);
    assert.equal(res.status, 400);
    const body = await json(res);
    assert.equal(body.error.code, 'VALIDATION_FAILED');
    assert.equal(body.error.details.fields[0].path, 'query.limit');
  });

  it('when any response is sent, then helmet headers, the API CSP and a request id are on it', async () => {
    const res = await fetch(`${http.baseUrl}/healthz`, {
      headers: { 'x-request-id': 'edge-req-12345678' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { status: 'ok' });
    assert.equal(
      res.headers.get('content-security-policy'),
      "default-src 'none';frame-ancestors 'none'",
    );
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.ok(res.headers.get('strict-transport-security'));
    assert.equal(res.headers.get('x-powered-by'), null);
    assert.equal(res.headers.get('x-request-id'), 'edge-req-12345678');
    const fresh = await fetch(`${http.baseUrl}/healthz`, {
      headers: { 'x-request-id': 'bad id<script>' },
    });
    assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('when the database answers and Redis is not configured, then /readyz is ready with the cache off', async () => {
    const res = await fetch(`${http.baseUrl}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), {
      status: 'ready',
      checks: { database: 'ok', cache: 'off', draining: false },
    });
  });

  it('when requests were served, then /metrics has durations by route template and pool gauges', async () => {
    await fetch(`${http.baseUrl}/api/v1/products/some-slug`);
    const text = await (await fetch(`${http.baseUrl}/metrics`)).text();
    assert.match(
      text,
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/products\/:slug",status_code="404"\} 1/,
    );
    assert.match(
      text,
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\}/,
    );
    assert.match(text, /db_pool_size_connections \d+/);
    assert.match(text, /db_pool_waiting_connections 0/);
  });

  it('when the OpenAPI document is fetched, then it is 3.1 and lists every mounted route with its schemas', async () => {
    const doc = await json(await fetch(`${http.baseUrl}/api/openapi.json`));
    assert.equal(doc.openapi, '3.1.0');
    const get = doc.paths['/api/v1/products/{slug}'].get;
    assert.equal(get.operationId, 'getProduct');
    assert.deepEqual(
      get.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`),
      ['path:slug'],
    );
    assert.ok(get.responses['404'], 'documents the 404');
    assert.equal(
      get.responses['404'].content['application/json'].schema.$ref,
      '#/components/schemas/ErrorResponse',
    );
    const list = doc.paths['/api/v1/products'].get;
    const names = list.parameters.map((p: { name: string }) => p.name);
    for (const name of [
      'cursor',
      'limit',
      'sort',
      'q',
      'collection',
      'category',
      'artist',
      'inStock',
    ]) {
      assert.ok(names.includes(name), `listProducts documents ${name}`);
    }
    const checkout = doc.paths['/api/v1/checkout'].post;
    assert.ok(
      checkout.parameters.some(
        (p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key',
      ),
      'the Idempotency-Key header is documented',
    );
    assert.ok(doc.components.schemas.ProductDetail);
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/openapi.json'])
      assert.ok(doc.paths[path], path);
  });
});

describe('app: readiness follows its dependencies', () => {
  it('when Redis is configured but unreachable, then readiness is degraded, not failed: the shop still serves', async () => {
    const t = await createTestDatabase();
    const redis = createRedis('redis://127.0.0.1:1', logger);
    const built = createApp({ config: t.config, logger, db: t.db, redis });
    const http = await listen(built.app);
    try {
      const res = await fetch(`${http.baseUrl}/readyz`);
      assert.equal(res.status, 200);
      assert.deepEqual((await json(res)).checks, {
        database: 'ok',
        cache: 'fail',
        draining: false,
      });
    } finally {
      redis.disconnect();
      await http.close();
      await built.close();
      await t.drop();
    }
  });

  const liveRedis = redisUrl;
  if (liveRedis) {
    it('when Redis is configured and up, then readiness reports the cache ok', async () => {
      const t = await createTestDatabase();
      const redis = createRedis(liveRedis, logger);
      await once(redis, 'ready');
      const built = createApp({ config: t.config, logger, db: t.db, redis });
      const http = await listen(built.app);
      try {
        const body = await json(await fetch(`${http.baseUrl}/readyz`));
        assert.deepEqual(body, {
          status: 'ready',
          checks: { database: 'ok', cache: 'ok', draining: false },
        });
      } finally {
        await redis.quit();
        await http.close();
        await built.close();
        await t.drop();
      }
    });
  }

  it('when the database goes down, then readiness answers 503; when it returns, ready again', async () => {
    if (!hasExternalDatabase) {
      // Embedded: closing PGlite is the outage.
      const t = await createTestDatabase();
      const built = createApp({ config: t.config, logger, db: t.db, redis: null });
      const http = await listen(built.app);
      try {
        assert.equal((await fetch(`${http.baseUrl}/readyz`)).status, 200);
        await t.db.close();
        const res = await fetch(`${http.baseUrl}/readyz`);
        assert.equal(res.status, 503);
        assert.equal((await json(res)).checks.database, 'fail');
      } finally {
        await http.close();
        await built.close();
      }
      return;
    }
    // Real PostgreSQL behind a relay we can cut.
    const target = new URL(process.env.DATABASE_URL ?? '');
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    target.host = `127.0.0.1:${proxy.port}`;
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: target.toString(),
    });
    const db = await openDatabase(config.database, logger);
    const built = createApp({ config, logger, db, redis: null });
    const http = await listen(built.app);
    try {
      assert.equal((await fetch(`${http.baseUrl}/readyz`)).status, 200);
      proxy.down();
      const down = await fetch(`${http.baseUrl}/readyz`);
      assert.equal(down.status, 503);
      assert.equal((await json(down)).status, 'not_ready');
      proxy.up();
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i++) {
        status = (await fetch(`${http.baseUrl}/readyz`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 200, 'ready again once the database is back');
    } finally {
      await http.close();
      await built.close();
      await db.close();
      await proxy.close();
    }
  });
});
