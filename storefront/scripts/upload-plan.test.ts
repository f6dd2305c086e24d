import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OBJECT_CACHE_CONTROL } from '@vitrine/edge/description';
import {
  type DeployManifest,
  invalidationBatch,
  MAX_INVALIDATION_PATHS,
  removals,
  uploads,
} from './upload-plan.ts';

const manifest: DeployManifest = {
  cursor: '42',
  upload: [
    'products/blue-hour/index.html',
    '_astro/Base.abc123.css',
    'pagefind/fragment/en_1.pf_fragment',
    'index.html',
    'sitemap.xml',
  ],
  remove: ['products/gone/index.html', '_astro/Base.old999.css'],
  invalidate: ['/', '/index.html', '/products/gone/', '/products/gone/index.html'],
};

const ruleFor = (pattern: string) =>
  OBJECT_CACHE_CONTROL.find((r) => r.pathPattern === pattern)?.cacheControl;

describe('upload plan', () => {
  it('when files are uploaded, then each gets the Cache-Control of the edge description', () => {
    const byKey = new Map(uploads(manifest).map((u) => [u.key, u]));
    assert.equal(byKey.get('_astro/Base.abc123.css')?.cacheControl, ruleFor('/_astro/*'));
    assert.equal(
      byKey.get('pagefind/fragment/en_1.pf_fragment')?.cacheControl,
      ruleFor('/pagefind/*'),
    );
    assert.equal(byKey.get('index.html')?.cacheControl, ruleFor('*'));
  });

  it('when files are uploaded, then each gets the Content-Type the local edge serves it with', () => {
    const byKey = new Map(uploads(manifest).map((u) => [u.key, u.contentType]));
    assert.equal(byKey.get('index.html'), 'text/html; charset=utf-8');
    assert.equal(byKey.get('_astro/Base.abc123.css'), 'text/css; charset=utf-8');
    assert.equal(byKey.get('sitemap.xml'), 'application/xml');
    assert.equal(byKey.get('pagefind/fragment/en_1.pf_fragment'), 'application/octet-stream');
  });

  it('when files are uploaded, then every asset goes before any page that may link it', () => {
    const keys = uploads(manifest).map((u) => u.key);
    const firstPage = keys.findIndex((k) => k.endsWith('.html'));
    assert.ok(keys.slice(firstPage).every((k) => k.endsWith('.html')));
    assert.deepEqual(
      uploads(manifest, 'pages').map((u) => u.key),
      ['index.html', 'products/blue-hour/index.html'],
    );
    assert.equal(uploads(manifest, 'assets').length + uploads(manifest, 'pages').length, 5);
  });

  it('when files are removed, then hashed assets stay for pages and tasks that still link them', () => {
    assert.deepEqual(removals(manifest), [['products/gone/index.html']]);
  });

  it('when more than a thousand files are removed, then they go in batches S3 accepts', () => {
    const many = { ...manifest, remove: Array.from({ length: 2500 }, (_, i) => `p/${i}.html`) };
    assert.deepEqual(
      removals(many).map((b) => b.length),
      [1000, 1000, 500],
    );
  });

  it('when paths changed, then one invalidation names them; none when nothing changed', () => {
    const batch = invalidationBatch(manifest.invalidate, 'run-1');
    assert.deepEqual(batch, {
      Paths: { Quantity: 4, Items: manifest.invalidate },
      CallerReference: 'run-1',
    });
    assert.equal(invalidationBatch([], 'run-2'), null);
  });

  it('when more paths changed than the free monthly allowance, then the whole site is invalidated', () => {
    const paths = Array.from({ length: MAX_INVALIDATION_PATHS + 1 }, (_, i) => `/p/${i}/`);
    assert.deepEqual(invalidationBatch(paths, 'run-3')?.Paths, { Quantity: 1, Items: ['/*'] });
    assert.equal(invalidationBatch(paths.slice(1), 'run-4')?.Paths.Quantity, 1000);
  });

  it('when run as the workflow runs it, then it prints NUL-separated triples and JSON lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'upload-plan-'));
    try {
      const file = join(dir, 'deploy.json');
      writeFileSync(file, JSON.stringify(manifest));
      const run = (...args: string[]) =>
        spawnSync(
          process.execPath,
          [join(import.meta.dirname, 'upload-plan.ts'), ...args, '--deploy', file],
          {
            encoding: 'utf8',
          },
        );
      const upload = run('upload', '--phase', 'pages');
      assert.equal(upload.status, 0, upload.stderr);
      assert.deepEqual(upload.stdout.split('\0').slice(0, 3), [
        'index.html',
        ruleFor('*'),
        'text/html; charset=utf-8',
      ]);
      const remove = run('remove');
      assert.deepEqual(JSON.parse(remove.stdout), {
        Objects: [{ Key: 'products/gone/index.html' }],
        Quiet: true,
      });
      const invalidation = run('invalidation', '--caller-reference', 'r');
      assert.equal(JSON.parse(invalidation.stdout).Paths.Quantity, 4);
      assert.equal(run('invalidation').status, 1, 'a caller reference is required');
      assert.equal(run('unknown').status, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
