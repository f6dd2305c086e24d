import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { formatPrice } from '../catalog/catalog.ts';
import { priceBandOf } from '../catalog/price-band.ts';
import { type IndexReport, indexSite, SearchIndexError } from './indexer.ts';

/*
 * Pagefind's index can only be searched by its browser runtime, so these
 * tests read the files the browser would fetch: the entry, the metadata (pages,
 * filters, sorts), the filter index and the page fragments.
 */

interface FixtureProduct {
  slug: string;
  title: string;
  description: string;
  category: string;
  artist: string;
  amountMinor: number;
}

const PRODUCTS: FixtureProduct[] = [
  {
    slug: 'blue-hour',
    title: 'Blue Hour',
    description: 'Oil on canvas: a harbour at dusk, the water a deep cobalt.',
    category: 'Painting',
    artist: 'Ana Lee',
    amountMinor: 120_000,
  },
  {
    slug: 'red-field',
    title: 'Red Field',
    description: 'Screen print of a poppy field under a pale sky.',
    category: 'Printmaking',
    artist: 'Bo Kim',
    amountMinor: 4_500,
  },
  {
    slug: 'quiet-room',
    title: 'Quiet Room',
    description: 'Gouache study of a reading room with tall windows.',
    category: 'Painting',
    artist: 'Bo Kim',
    amountMinor: 18_000,
  },
];

const layout = (title: string, main: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · Galerie</title></head>` +
  `<body><header><a href="/">Galerie</a><form role="search" action="/search/"><input name="q"></form></header>` +
  `<main id="main">${main}</main><footer>Galerie · Original works</footer></body></html>`;

/** A product page as the catalogue pages mark it up for search. */
function productPage(p: FixtureProduct): string {
  const band = priceBandOf(p.amountMinor, 'EUR');
  return layout(
    p.title,
    `<article data-pagefind-body data-pagefind-meta="image:/media/products/${p.slug}-1.svg" data-pagefind-sort="price:${p.amountMinor}">` +
      `<h1>${p.title}</h1><p>${p.description}</p>` +
      `<p class="price">${formatPrice(p.amountMinor, 'EUR')}</p>` +
      `<span hidden data-pagefind-filter="price">${band.label}</span>` +
      `<dl><dt>Category</dt><dd data-pagefind-filter="category">${p.category}</dd>` +
      `<dt>Artist</dt><dd data-pagefind-filter="artist">${p.artist}</dd></dl></article>`,
  );
}

/** Every other kind of page: listings name products too, but must stay out of results. */
const OTHER_PAGES: Record<string, string> = {
  'index.html': layout('Home', `<h1>Galerie</h1><p>New: Blue Hour, Red Field, Quiet Room.</p>`),
  'categories/painting/index.html': layout(
    'Painting',
    `<h1>Painting</h1><ul><li>Blue Hour</li><li>Quiet Room</li></ul>`,
  ),
  'artists/bo-kim/index.html': layout('Bo Kim', `<h1>Bo Kim</h1><p>Prints and gouache.</p>`),
  'search/index.html': layout('Search', `<h1>Search</h1>`),
  '404.html': layout('Not found', `<h1>Page not found</h1>`),
};

async function writeSite(dir: string, pages: Record<string, string>): Promise<void> {
  for (const [path, html] of Object.entries(pages)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), html);
  }
}

const productPages = () =>
  Object.fromEntries(PRODUCTS.map((p) => [`products/${p.slug}/index.html`, productPage(p)]));

/** Pagefind's binary files: gzip around a signature and CBOR. */
async function readPagefindFile(file: string): Promise<Buffer> {
  const raw = gunzipSync(await readFile(file));
  const signature = 'pagefind_dcd';
  assert.equal(raw.subarray(0, signature.length).toString(), signature, `${file} signature`);
  return raw.subarray(signature.length);
}

/** The subset of CBOR Pagefind writes in its metadata and filter files: unsigned ints, strings, arrays. */
function decodeCbor(bytes: Buffer, at = 0): [unknown, number] {
  const head = bytes.readUInt8(at);
  const major = head >> 5;
  const info = head & 31;
  let pos = at + 1;
  let n = info;
  if (info > 26) throw new Error(`unexpected CBOR length encoding ${info} at ${at}`);
  if (info >= 24) {
    const width = 2 ** (info - 24);
    n = bytes.readUIntBE(pos, width);
    pos += width;
  }
  if (major === 0) return [n, pos];
  if (major === 2 || major === 3) return [bytes.subarray(pos, pos + n).toString('utf8'), pos + n];
  if (major === 4) {
    const items: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const [item, next] = decodeCbor(bytes, pos);
      items.push(item);
      pos = next;
    }
    return [items, pos];
  }
  throw new Error(`unexpected CBOR major type ${major} at ${at}`);
}

interface Fragment {
  url: string;
  content: string;
  filters: Record<string, string[]>;
  meta: Record<string, string>;
}

interface WrittenIndex {
  pageCount: number;
  /** Fragments in page-number order (the numbers filters and sorts refer to). */
  pages: Fragment[];
  /** filter → value → URLs of its pages. */
  filters: Record<string, Record<string, string[]>>;
  /** sort → URLs in ascending order. */
  sorts: Record<string, string[]>;
}

async function readIndex(outputPath: string): Promise<WrittenIndex> {
  const entry = JSON.parse(await readFile(join(outputPath, 'pagefind-entry.json'), 'utf8'));
  const [language] = Object.values(entry.languages) as { hash: string; page_count: number }[];
  assert.ok(language, 'the entry names one language');
  const [meta] = decodeCbor(
    await readPagefindFile(join(outputPath, `pagefind.${language.hash}.pf_meta`)),
  );
  const [, pageList, , filterList, sortList] = meta as [
    string,
    [string, number, string][],
    unknown,
    [string, string][],
    [string, number[]][],
  ];
  const pages: Fragment[] = [];
  for (const [hash] of pageList) {
    const json = await readPagefindFile(join(outputPath, 'fragment', `${hash}.pf_fragment`));
    pages.push(JSON.parse(json.toString('utf8')));
  }
  const urlOf = (n: number) => pages[n]?.url ?? `missing page ${n}`;
  const filters: WrittenIndex['filters'] = {};
  for (const [name, hash] of filterList) {
    const [decoded] = decodeCbor(
      await readPagefindFile(join(outputPath, 'filter', `${hash}.pf_filter`)),
    );
    const [key, values] = decoded as [string, [string, number[]][]];
    filters[key] = Object.fromEntries(values.map(([value, ns]) => [value, ns.map(urlOf).sort()]));
    assert.equal(key, name);
  }
  const sorts = Object.fromEntries(sortList.map(([name, ns]) => [name, ns.map(urlOf)]));
  return { pageCount: language.page_count, pages, filters, sorts };
}

const urlsOf = (products: FixtureProduct[]) => products.map((p) => `/products/${p.slug}/`).sort();

describe('search indexer', () => {
  let site: string;
  let report: IndexReport;
  let index: WrittenIndex;

  before(async () => {
    site = await mkdtemp(join(tmpdir(), 'vitrine-search-'));
    await writeSite(site, { ...productPages(), ...OTHER_PAGES });
    report = await indexSite({ siteDir: site, expectedPages: PRODUCTS.length });
    index = await readIndex(report.outputPath);
  });

  after(async () => {
    await rm(site, { recursive: true, force: true });
  });

  it('when a site is indexed, then the index is written to pagefind/ beside the pages and the report counts the product pages', () => {
    assert.equal(report.outputPath, join(site, 'pagefind'));
    assert.equal(report.pageCount, PRODUCTS.length);
    assert.equal(index.pageCount, PRODUCTS.length);
    assert.ok(report.files > 0 && report.bytes > 0);
  });

  it('when a site is indexed, then only product pages are in it, listings and the search page left out', () => {
    assert.deepEqual(index.pages.map((p) => p.url).sort(), urlsOf(PRODUCTS));
  });

  it('when a product page is indexed, then its title, image and text come from the marked-up content only', () => {
    const page = index.pages.find((p) => p.url === '/products/blue-hour/');
    assert.ok(page);
    assert.equal(page.meta.title, 'Blue Hour');
    assert.equal(page.meta.image, '/media/products/blue-hour-1.svg');
    assert.match(page.content, /harbour at dusk/);
    assert.doesNotMatch(page.content, /Original works/, 'the footer is outside data-pagefind-body');
  });

  it('when a site is indexed, then the category, artist and price band filters list every value with its pages', () => {
    const byValue = (key: keyof FixtureProduct) => {
      const out: Record<string, string[]> = {};
      for (const p of PRODUCTS) {
        const value = String(p[key]);
        out[value] = [...(out[value] ?? []), `/products/${p.slug}/`].sort();
      }
      return out;
    };
    assert.deepEqual(index.filters.category, byValue('category'));
    assert.deepEqual(index.filters.artist, byValue('artist'));
    assert.deepEqual(index.filters.price, {
      'Under €50': ['/products/red-field/'],
      '€100 to €250': ['/products/quiet-room/'],
      '€1,000 to €2,500': ['/products/blue-hour/'],
    });
  });

  it('when a site is indexed, then the price sort orders pages by amount as a number, not as text', () => {
    const ascending = [...PRODUCTS].sort((a, b) => a.amountMinor - b.amountMinor);
    assert.deepEqual(
      index.sorts.price,
      ascending.map((p) => `/products/${p.slug}/`),
    );
  });

  it('when a site is indexed, then the runtime the search page loads is written and the unused UI bundles are not', async () => {
    const files = await readdir(report.outputPath);
    for (const needed of ['pagefind.js', 'pagefind-worker.js', 'pagefind-entry.json']) {
      assert.ok(files.includes(needed), `${needed} is written`);
    }
    assert.ok(
      files.some((f) => f.startsWith('wasm.')),
      'the WebAssembly search core is written',
    );
    assert.deepEqual(
      files.filter((f) => /ui\.(js|css)$|highlight/.test(f)),
      [],
    );
  });

  it('when a site is indexed again, then the previous index is replaced, not merged', async () => {
    await rm(join(site, 'products', 'red-field'), { recursive: true });
    try {
      const again = await indexSite({ siteDir: site, expectedPages: PRODUCTS.length - 1 });
      const reread = await readIndex(again.outputPath);
      assert.deepEqual(
        reread.pages.map((p) => p.url).sort(),
        urlsOf(PRODUCTS.filter((p) => p.slug !== 'red-field')),
      );
      assert.equal(reread.filters.price?.['Under €50'], undefined);
      // Stale fragments would be uploaded and served for nothing.
      const fragments = await readdir(join(again.outputPath, 'fragment'));
      assert.equal(fragments.length, reread.pages.length);
    } finally {
      await writeSite(site, productPages());
    }
  });
});

describe('search indexer failures', () => {
  let site: string;

  beforeEach(async () => {
    site = await mkdtemp(join(tmpdir(), 'vitrine-search-'));
  });

  afterEach(async () => {
    await rm(site, { recursive: true, force: true });
  });

  it('when no page carries data-pagefind-body, then indexing fails instead of indexing every page', async () => {
    await writeSite(site, OTHER_PAGES);
    await assert.rejects(indexSite({ siteDir: site, expectedPages: PRODUCTS.length }), (err) => {
      assert.ok(err instanceof SearchIndexError);
      assert.match(err.message, /5 pages indexed but the catalogue has 3 products/);
      assert.match(err.message, /data-pagefind-body/);
      return true;
    });
  });

  it('when a product page lost data-pagefind-body, then indexing fails with the count', async () => {
    const pages = productPages();
    pages['products/red-field/index.html'] = layout('Red Field', '<h1>Red Field</h1>');
    await writeSite(site, { ...pages, ...OTHER_PAGES });
    await assert.rejects(
      indexSite({ siteDir: site, expectedPages: PRODUCTS.length }),
      /2 pages indexed but the catalogue has 3 products/,
    );
  });
});
