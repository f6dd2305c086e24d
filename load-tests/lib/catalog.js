import { SharedArray } from 'k6/data';
import http from 'k6/http';
import { config } from './config.js';

/*
 * What the visitors look at. With DATA_FILE (the runner writes it from the
 * catalogue export and the built pages) every page comes with the product ids
 * its islands ask /api/v1/availability about, and the search index's files.
 * The arrays are SharedArrays: read once, shared by every VU, one small
 * element copied per access.
 *
 * Without DATA_FILE, setup() reads the catalogue from the API instead
 * (collections and product pages) and the islands' ids are approximated: a
 * product page asks for itself, a gallery for its works, the home page for
 * the newest works.
 *
 * A page: { path, ids: number[], favourite: boolean }; a product adds
 * { id, slug, kind }.
 */

function shared(name, pick) {
  return new SharedArray(name, () => pick(JSON.parse(open(config.dataFile))));
}

/** Catalogue arrays from DATA_FILE, or null without it (init context only). */
export function loadSharedCatalog() {
  if (!config.dataFile) return null;
  return {
    home: shared('home', (d) => [d.home]),
    galleries: shared('galleries', (d) => d.galleries),
    products: shared('products', (d) => d.products),
    search: shared('search', (d) => [d.search]),
  };
}

function getJson(path) {
  const res = http.get(`${config.baseUrl}${path}`, { tags: { name: 'setup', kind: 'setup' } });
  if (res.status !== 200) throw new Error(`setup: GET ${path} answered ${res.status}`);
  return res.json();
}

/** The same shape from the public API (setup() only). */
export function catalogFromApi(maxProducts = 200) {
  const products = [];
  let cursor = null;
  while (products.length < maxProducts) {
    const page = getJson(
      `/api/v1/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const p of page.items) {
      products.push({
        id: p.id,
        slug: p.slug,
        kind: p.kind,
        path: `/products/${p.slug}/`,
        ids: [p.id],
        favourite: true,
      });
    }
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  const collections = getJson('/api/v1/collections').items;
  const galleries = collections.map((c) => ({
    path: `/galleries/${c.slug}/`,
    ids: [],
    favourite: false,
  }));
  for (const gallery of galleries) {
    const slug = gallery.path.split('/')[2];
    gallery.ids = getJson(`/api/v1/collections/${slug}?limit=100`)
      .items.map((p) => p.id)
      .slice(0, 100);
  }
  let search = { terms: ['art'] };
  const entry = http.get(`${config.baseUrl}/pagefind/pagefind-entry.json`);
  if (entry.status === 200) {
    const [lang, info] = Object.entries(entry.json().languages)[0] ?? [];
    if (lang) search = { ...search, hash: info.hash, wasm: info.wasm, worker: false };
  }
  return {
    home: [{ path: '/', ids: products.slice(0, 24).map((p) => p.id), favourite: false }],
    galleries,
    products,
    search: [search],
  };
}

const pick = (array) => array[Math.floor(Math.random() * array.length)];

/** Random access to a catalogue (SharedArrays or setup's plain arrays). */
export function catalogView(source) {
  return {
    home: () => source.home[0],
    gallery: () => pick(source.galleries),
    product: () => pick(source.products),
    search: () => source.search[0],
    products: () => source.products,
  };
}

export { pick };
