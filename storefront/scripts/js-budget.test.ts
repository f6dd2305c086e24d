import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  formatTable,
  measurePages,
  type PageJs,
  pageTypeOf,
  scriptsOf,
  summarise,
} from './js-budget.ts';

const files: Record<string, string> = {
  '_astro/page.js': 'import{a}from"./shared.js";import("./lazy.js");console.log(a);',
  '_astro/shared.js': 'export const a=1;',
  '_astro/lazy.js': 'export default 2;',
  '_astro/computed.js': 'const where="/pagefind/pagefind.js";export const load=()=>import(where);',
  // Random text does not compress: well over any budget once gzipped.
  '_astro/heavy.js': `export const blob=${JSON.stringify(randomBytes(24_000).toString('base64'))};`,
};

const page = (body: string) =>
  `<!doctype html><html><head><script type="application/ld+json">{"@type":"Product"}</script></head><body>${body}</body></html>`;

const pages: Record<string, string> = {
  'index.html': page('<script type="module" src="/_astro/page.js"></script>'),
  'products/one/index.html': page(
    '<link rel="modulepreload" href="/_astro/shared.js"><script type="module" src="/_astro/page.js"></script><script>console.log(1)</script>',
  ),
  'galleries/big/index.html': page('<script type="module" src="/_astro/heavy.js"></script>'),
  'search/index.html': page('<script type="module" src="/_astro/heavy.js"></script>'),
  '404.html': page(''),
  'artists/one/index.html': page('<script type="module" src="/_astro/computed.js"></script>'),
};

const gz = (text: string) => gzipSync(text).length;
const sizeOf = (...names: string[]) =>
  names.reduce((sum, name) => sum + gz(files[`_astro/${name}`] ?? ''), 0);

describe('js-budget', () => {
  let dir = '';
  let measured: PageJs[] = [];

  const write = (root: string, entries: Record<string, string>) => {
    for (const [name, content] of Object.entries(entries)) {
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), content);
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'js-budget-'));
    write(dir, { ...files, ...pages });
    measured = await measurePages(dir);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const of = (name: string) => {
    const found = measured.find((entry) => entry.page === name);
    assert.ok(found, name);
    return found;
  };

  it('when a page loads a module, then its static and dynamic imports count, gzipped', () => {
    const home = of('index.html');
    assert.deepEqual(home.files, ['/_astro/page.js', '/_astro/shared.js', '/_astro/lazy.js']);
    assert.equal(home.gzipBytes, sizeOf('page.js', 'shared.js', 'lazy.js'));
  });

  it('when a module is preloaded and imported, then it counts once; inline scripts count; JSON-LD does not', () => {
    const product = of('products/one/index.html');
    assert.deepEqual(product.files, [
      '/_astro/shared.js',
      '/_astro/page.js',
      '/_astro/lazy.js',
      'inline #1',
    ]);
    assert.equal(
      product.gzipBytes,
      sizeOf('page.js', 'shared.js', 'lazy.js') + gz('console.log(1)'),
    );
  });

  it('when a module imports a computed name, then it is reported as not followed', () => {
    const artist = of('artists/one/index.html');
    assert.equal(artist.unfollowed, 1);
    assert.equal(artist.gzipBytes, sizeOf('computed.js'));
    assert.equal(of('index.html').unfollowed, 0);
    assert.match(formatTable(summarise(measured)), /artist .*1 computed import\(\)/);
  });

  it('when a page loads no script, then it weighs nothing', () => {
    assert.equal(of('404.html').gzipBytes, 0);
  });

  it('when a catalogue page is over budget, then its type is over; a search page is only reported', () => {
    const rows = summarise(measured);
    const row = (type: string) => rows.find((entry) => entry.type === type);
    assert.equal(row('collection')?.over, true);
    assert.equal(row('search')?.over, false);
    assert.equal(row('search')?.budget, null);
    assert.equal(row('home')?.over, false);
    assert.equal(row('product')?.heaviest?.page, 'products/one/index.html');
    assert.match(formatTable(rows), /collection\s+1\s+galleries\/big\/index\.html.*OVER/);
  });

  it('when the budget is raised, then nothing is over', () => {
    assert.ok(summarise(measured, 1024 * 1024).every((row) => !row.over));
  });

  it('when a page names a script missing from the build, then measuring fails and names both', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'js-budget-broken-'));
    try {
      write(broken, {
        'index.html': page('<script type="module" src="/_astro/gone.js"></script>'),
      });
      await assert.rejects(
        measurePages(broken),
        /index\.html: \/_astro\/gone\.js is not in the build/,
      );
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('when a page loads a script from another host, then measuring fails', async () => {
    const foreign = mkdtempSync(join(tmpdir(), 'js-budget-foreign-'));
    try {
      write(foreign, { 'index.html': page('<script src="https://cdn.example/x.js"></script>') });
      await assert.rejects(measurePages(foreign), /from another host/);
    } finally {
      rmSync(foreign, { recursive: true, force: true });
    }
  });

  it('when script tags are read, then types that are not JavaScript are skipped', () => {
    assert.deepEqual(
      scriptsOf(
        '<script type="importmap">{}</script><script type="module" src="/a.js?v=1&amp;x=2"></script><link rel="stylesheet" href="/s.css">',
      ),
      [{ url: '/a.js?v=1&x=2' }],
    );
  });

  it('when page files are classified, then each URL family is its page type', () => {
    const types = {
      'index.html': 'home',
      '404.html': '404',
      'products/a/index.html': 'product',
      'galleries/index.html': 'collection',
      'galleries/a/index.html': 'collection',
      'categories/a/index.html': 'category',
      'artists/a/index.html': 'artist',
      'search/index.html': 'search',
      'about/index.html': 'other',
    };
    for (const [file, type] of Object.entries(types)) assert.equal(pageTypeOf(file), type, file);
  });
});
