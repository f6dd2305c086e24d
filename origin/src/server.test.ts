import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { json } from '../test/support/http.ts';
import { databaseEnv, exitOf, startOrigin } from '../test/support/origin-process.ts';

const SERVER = path.join(import.meta.dirname, 'server.ts');

/** Database settings for a child: a private schema on the real server, else embedded PGlite. */
describe('server process', () => {
  it('when a variable is malformed, then the origin refuses to boot and names it', async () => {
    const proc = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH ?? '', PORT: 'abc', REDIS_URL: 'localhost:6379' },
    });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const { code } = await exitOf(proc);
    assert.equal(code, 1);
    assert.match(err, /PORT: must be a whole number/);
    assert.match(err, /REDIS_URL: must start with redis:\/\/ or rediss:\/\//);
  });

  describe('graceful shutdown on SIGTERM', () => {
    const database = databaseEnv();
    after(() => database.cleanup());

    it('when a request is in flight, then readiness fails at once, the request completes and the process exits 0', async () => {
      const child = await startOrigin({
        ...database.env,
        SHUTDOWN_DELAY_MS: '600',
        SHUTDOWN_TIMEOUT_MS: '5000',
      });
      const { port } = new URL(child.url);
      // A slow upload: the request is in flight until we send the rest of its body.
      const socket = net.connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      const body = '{"slow": "upload"}';
      socket.write(
        `POST /api/v1/nowhere HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
      );
      let response = '';
      socket.on('data', (d: Buffer) => {
        response += d.toString();
      });
      await new Promise((r) => setTimeout(r, 150));

      child.proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 150));
      const ready = await fetch(`${child.url}/readyz`);
      assert.equal(ready.status, 503, 'readiness fails while draining');
      assert.equal((await json(ready)).checks.draining, true);

      socket.write(body.slice(5));
      await once(socket, 'end');
      // Parsed, then refused for want of a CSRF token: a full answer to a full request.
      assert.match(response, /^HTTP\/1\.1 403 /, 'the in-flight request got its answer');
      assert.match(response, /"code":"CSRF_TOKEN_MISSING"/);
      // 'end' above: the server closed the kept-alive connection once the answer was out.

      const { code, ms } = await exitOf(child.proc);
      assert.equal(code, 0, child.stderr());
      assert.ok(ms < 5_000, `exited ${Math.round(ms)} ms after the request finished`);
      assert.ok(child.lines.some((l) => l.msg === 'shutdown complete'));
    });

    it('when a request never finishes, then its connection is cut at the deadline and the process still exits in time', async () => {
      const child = await startOrigin({
        ...database.env,
        SHUTDOWN_DELAY_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '800',
      });
      const { port } = new URL(child.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        'POST /api/v1/nowhere HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      socket.on('error', () => {});
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      child.proc.kill('SIGTERM');
      const { code } = await exitOf(child.proc);
      const ms = performance.now() - started;
      assert.equal(code, 0, child.stderr());
      assert.ok(ms >= 700 && ms < 4_000, `exited after ${Math.round(ms)} ms`);
    });
  });

  describe('embedded PostgreSQL (no DATABASE_URL)', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'vitrine-embedded-'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('when started on an empty folder, then it migrates, seeds and serves products; a restart keeps them', async () => {
      const env = {
        EMBEDDED_DB_DIR: path.join(dir, 'pglite'),
        MEDIA_DIR: path.join(dir, 'media'),
        SEED_PRODUCTS: '30',
      };
      const first = await startOrigin(env);
      try {
        assert.ok(first.lines.some((l) => String(l.msg).startsWith('database: embedded PGlite')));
        assert.ok(first.lines.some((l) => String(l.msg).startsWith('cache: L1 in process only')));
        assert.ok(first.lines.some((l) => l.msg === 'embedded database seeded'));
        const page = await json(await fetch(`${first.url}/api/v1/products?limit=100`));
        assert.ok(
          page.items.length > 20 && page.items.length <= 30,
          `${page.items.length} published products`,
        );
        const slug = page.items[0].slug;
        const detail = await fetch(`${first.url}/api/v1/products/${slug}`);
        assert.equal(detail.status, 200);
        const product = await json(detail);
        assert.equal(product.slug, slug);
        const image = await fetch(`${first.url}${product.images[0].url}`);
        assert.equal(image.status, 200);
        assert.match(image.headers.get('content-type') ?? '', /image\/svg\+xml/);
      } finally {
        first.proc.kill('SIGTERM');
        assert.equal((await exitOf(first.proc)).code, 0);
      }

      const second = await startOrigin(env);
      try {
        assert.ok(
          !second.lines.some((l) => l.msg === 'embedded database seeded'),
          'no second seed',
        );
        const page = await json(await fetch(`${second.url}/api/v1/products?limit=100`));
        assert.ok(page.items.length > 20);
      } finally {
        second.proc.kill('SIGTERM');
        assert.equal((await exitOf(second.proc)).code, 0);
      }
    });
  });
});
