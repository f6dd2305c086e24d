import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageIslands, searchTerms, writeLoadData } from './data.ts';

describe('the load data', () => {
  it('when a page has islands, then each product id is asked for once, in page order', () => {
    const html =
      '<vt-price data-product-id="7"></vt-price><vt-availability data-product-id="7"></vt-availability>' +
      '<vt-price data-product-id="3"></vt-price><vt-favourite data-product-id="7"></vt-favourite>';
    assert.deepEqual(pageIslands(html), { ids: [7, 3], favourite: true });
    assert.deepEqual(pageIslands('<main>no islands</main>'), { ids: [], favourite: false });
  });

  it('when titles give search terms, then they are distinct words of four letters or more', () => {
    assert.deepEqual(searchTerms(['Blue Hour', 'The blue Heron', 'Été à Arles']), [
      'blue',
      'hour',
      'heron',
      'arles',
    ]);
    assert.deepEqual(searchTerms([]), ['art']);
  });

  describe('from an export and a built site', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'load-data-'));
      const page = (path: string, html: string) => {
        mkdirSync(join(dir, 'client', path), { recursive: true });
        writeFileSync(join(dir, 'client', path, 'index.html'), html);
      };
      page(
        '/',
        '<vt-price data-product-id="1"></vt-price><vt-price data-product-id="2"></vt-price>',
      );
      page('/galleries/blue/', '<vt-price data-product-id="2"></vt-price>');
      page(
        '/products/sea/',
        '<vt-price data-product-id="1"></vt-price><vt-favourite></vt-favourite>',
      );
      page(
        '/products/sky/',
        '<vt-price data-product-id="2"></vt-price><vt-favourite></vt-favourite>',
      );
      mkdirSync(join(dir, 'client', 'pagefind', 'fragment'), { recursive: true });
      mkdirSync(join(dir, 'client', 'pagefind', 'index'), { recursive: true });
      writeFileSync(
        join(dir, 'client', 'pagefind', 'pagefind-entry.json'),
        JSON.stringify({
          version: '1.6.0',
          languages: { en: { hash: 'en_abc', wasm: 'en', page_count: 2 } },
        }),
      );
      writeFileSync(join(dir, 'client', 'pagefind', 'fragment', 'en_1.pf_fragment'), '');
      writeFileSync(join(dir, 'client', 'pagefind', 'index', 'en_9.pf_index'), '');
      const records = [
        { type: 'shop', name: 'Test' },
        { type: 'collection', id: 1, slug: 'blue', path: '/galleries/blue/', productIds: [2] },
        {
          type: 'product',
          id: 1,
          slug: 'sea',
          path: '/products/sea/',
          kind: 'physical',
          title: 'Open Sea',
        },
        {
          type: 'product',
          id: 2,
          slug: 'sky',
          path: '/products/sky/',
          kind: 'digital',
          title: 'Night Sky',
        },
        { type: 'end' },
      ];
      writeFileSync(
        join(dir, 'catalog.ndjson'),
        `${records.map((r) => JSON.stringify(r)).join('\n')}\n`,
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('when the data is written, then every page carries its islands and the search files are listed', () => {
      const out = join(dir, 'data.json');
      writeLoadData(join(dir, 'catalog.ndjson'), join(dir, 'client'), out);
      const data = JSON.parse(readFileSync(out, 'utf8'));
      assert.deepEqual(data.home, { path: '/', ids: [1, 2], favourite: false });
      assert.deepEqual(data.galleries, [{ path: '/galleries/blue/', ids: [2], favourite: false }]);
      assert.deepEqual(data.products[1], {
        id: 2,
        slug: 'sky',
        kind: 'digital',
        path: '/products/sky/',
        ids: [2],
        favourite: true,
      });
      assert.deepEqual(data.search, {
        terms: ['open', 'night'],
        hash: 'en_abc',
        wasm: 'en',
        worker: false,
        filters: [],
        indexes: ['en_9.pf_index'],
        fragments: ['en_1.pf_fragment'],
      });
    });

    it('when the export names a page the build lacks, then it says which', () => {
      const broken = join(dir, 'broken.ndjson');
      writeFileSync(
        broken,
        `${JSON.stringify({ type: 'product', id: 3, slug: 'gone', path: '/products/gone/', kind: 'physical' })}\n`,
      );
      assert.throws(
        () => writeLoadData(broken, join(dir, 'client'), join(dir, 'x.json')),
        /no page for \/products\/gone\//,
      );
    });
  });
});
