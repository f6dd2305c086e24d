import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportError, exportCatalog, exportSource } from './export-source.ts';

describe('catalogue export source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-export-'));
  let server: Server;
  let base = '';
  const answers: Record<string, [number, string]> = {
    '/whole': [200, '{"type":"shop"}\n{"type":"end","cursor":"7","since":null}\n'],
    '/cut': [200, '{"type":"shop"}\n{"type":"product"'],
    '/refused': [
      401,
      '{"error":{"code":"EXPORT_TOKEN_INVALID","message":"The export token is not valid."}}',
    ],
  };
  let lastAuthorization = '';
  before(async () => {
    server = createServer((req, res) => {
      lastAuthorization = req.headers.authorization ?? '';
      const [status, body] = answers[req.url ?? ''] ?? [404, ''];
      res.writeHead(status).end(body);
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a URL and token are configured, then the export comes over HTTP with the token', async () => {
    const source = exportSource({
      CATALOG_EXPORT_URL: `${base}/whole`,
      CATALOG_EXPORT_TOKEN: 't0ken',
    });
    assert.deepEqual(source, { kind: 'http', url: `${base}/whole`, token: 't0ken' });
    const file = join(dir, 'whole.ndjson');
    await exportCatalog(file, source, {});
    assert.equal(lastAuthorization, 'Bearer t0ken');
    assert.match(readFileSync(file, 'utf8'), /"type":"end"/);
  });

  it('when the URL is set without a token, then the build says what is missing', () => {
    assert.throws(
      () => exportSource({ CATALOG_EXPORT_URL: `${base}/whole` }),
      /CATALOG_EXPORT_TOKEN/,
    );
  });

  it('when a database is configured, then the export uses the origin CLI', () => {
    const source = exportSource({ DATABASE_URL: 'postgres://x' });
    assert.equal(source.kind, 'cli');
  });

  it('when the export is cut short, then nothing is written', async () => {
    const file = join(dir, 'cut.ndjson');
    await assert.rejects(
      exportCatalog(file, { kind: 'http', url: `${base}/cut`, token: 't' }, {}),
      (err: unknown) => err instanceof ExportError && /cut short/.test(err.message),
    );
    assert.equal(existsSync(file), false);
  });

  it('when the origin refuses the token, then the error carries its answer', async () => {
    await assert.rejects(
      exportCatalog(
        join(dir, 'r.ndjson'),
        { kind: 'http', url: `${base}/refused`, token: 'bad' },
        {},
      ),
      /401 .*EXPORT_TOKEN_INVALID/,
    );
  });
});
