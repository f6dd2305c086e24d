import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffBuilds, manifestOf, urlPathsOf } from './manifest.ts';

describe('deploy manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-manifest-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const put = (key: string, content: string) => {
    mkdirSync(join(dir, key, '..'), { recursive: true });
    writeFileSync(join(dir, key), content);
  };

  it('when a directory page changes, then both of its URLs are invalidated', () => {
    assert.deepEqual(urlPathsOf('products/blue-hour/index.html'), [
      '/products/blue-hour/',
      '/products/blue-hour/index.html',
    ]);
    assert.deepEqual(urlPathsOf('index.html'), ['/', '/index.html']);
    assert.deepEqual(urlPathsOf('sitemap.xml'), ['/sitemap.xml']);
  });

  it('when one page changes between builds, then only it is uploaded and invalidated', () => {
    put('index.html', 'home');
    put('products/a/index.html', 'a');
    put('products/b/index.html', 'b');
    put('_astro/app.1234.js', 'js');
    const first = manifestOf(dir, '10');
    const firstDiff = diffBuilds(null, first);
    assert.equal(firstDiff.upload.length, 4);
    assert.deepEqual(firstDiff.invalidate, [], 'a first deploy has nothing cached to invalidate');

    put('products/b/index.html', 'b, now cheaper');
    put('products/c/index.html', 'c');
    rmSync(join(dir, 'products/a'), { recursive: true });
    put('_astro/app.5678.js', 'new js');
    const diff = diffBuilds(first, manifestOf(dir, '12'));
    assert.deepEqual(diff.upload, [
      '_astro/app.5678.js',
      'products/b/index.html',
      'products/c/index.html',
    ]);
    assert.deepEqual(diff.remove, ['products/a/index.html']);
    assert.deepEqual(diff.invalidate, [
      '/products/a/',
      '/products/a/index.html',
      '/products/b/',
      '/products/b/index.html',
    ]);
  });

  it('when nothing changed, then there is nothing to upload or invalidate', () => {
    const a = manifestOf(dir, '12');
    assert.deepEqual(diffBuilds(a, manifestOf(dir, '12')), {
      upload: [],
      remove: [],
      invalidate: [],
    });
  });
});
