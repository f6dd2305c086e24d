import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * DATA_FILE for the k6 scripts (lib/catalog.js): every page a visitor can
 * open, with the product ids its islands ask GET /api/v1/availability about
 * (read from the built HTML, so the load is what the real page causes), from
 * the catalogue export; and the search index's files.
 */

export interface PageData {
  path: string;
  /** Distinct product ids of the page's islands, in page order. */
  ids: number[];
  /** The page has a favourite toggle, so it reads GET /api/v1/favorites. */
  favourite: boolean;
}

export interface ProductData extends PageData {
  id: number;
  slug: string;
  kind: 'physical' | 'digital';
}

export interface SearchData {
  terms: string[];
  hash?: string;
  wasm?: string;
  worker: boolean;
  filters: string[];
  indexes: string[];
  fragments: string[];
}

export interface LoadData {
  home: PageData;
  galleries: PageData[];
  products: ProductData[];
  search: SearchData;
}

/** What a page's islands ask for: the ids on `data-product-id`, and whether it has a favourite toggle. */
export function pageIslands(html: string): { ids: number[]; favourite: boolean } {
  const ids = new Set<number>();
  for (const match of html.matchAll(/data-product-id="(\d+)"/g)) ids.add(Number(match[1]));
  return { ids: [...ids], favourite: html.includes('<vt-favourite') };
}

/** Words shoppers might type: distinct words of four letters or more from the titles. */
export function searchTerms(titles: string[], max = 50): string[] {
  const words = new Set<string>();
  for (const title of titles) {
    for (const word of title.toLowerCase().match(/\p{L}{4,}/gu) ?? []) {
      words.add(word);
      if (words.size >= max) return [...words];
    }
  }
  return words.size > 0 ? [...words] : ['art'];
}

interface Record {
  type: string;
  id?: number;
  slug?: string;
  path?: string;
  kind?: 'physical' | 'digital';
  title?: string;
}

function pageAt(clientDir: string, path: string): PageData {
  const file = join(clientDir, path, 'index.html');
  if (!existsSync(file)) throw new Error(`the build has no page for ${path} (${file})`);
  return { path, ...pageIslands(readFileSync(file, 'utf8')) };
}

function searchData(clientDir: string, titles: string[]): SearchData {
  const dir = join(clientDir, 'pagefind');
  const list = (sub: string) =>
    existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).sort() : [];
  const entry = JSON.parse(readFileSync(join(dir, 'pagefind-entry.json'), 'utf8')) as {
    languages: { [lang: string]: { hash: string; wasm: string | null } };
  };
  const [language] = Object.values(entry.languages);
  return {
    terms: searchTerms(titles),
    ...(language ? { hash: language.hash } : {}),
    ...(language?.wasm ? { wasm: language.wasm } : {}),
    worker: existsSync(join(dir, 'pagefind-worker.js')),
    filters: list('filter'),
    indexes: list('index'),
    fragments: list('fragment'),
  };
}

/** Builds the data from the export (NDJSON) and the built site, and writes it to `out`. */
export function writeLoadData(catalogFile: string, clientDir: string, out: string): LoadData {
  const records = readFileSync(catalogFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record);
  const products: ProductData[] = [];
  const galleries: PageData[] = [];
  const titles: string[] = [];
  for (const r of records) {
    if (r.type === 'product' && r.path && r.id && r.slug && r.kind) {
      products.push({ id: r.id, slug: r.slug, kind: r.kind, ...pageAt(clientDir, r.path) });
      if (r.title) titles.push(r.title);
    } else if (r.type === 'collection' && r.path) {
      galleries.push(pageAt(clientDir, r.path));
    }
  }
  if (products.length === 0) throw new Error(`${catalogFile}: no product in the export`);
  const data: LoadData = {
    home: pageAt(clientDir, '/'),
    galleries: galleries.length > 0 ? galleries : [pageAt(clientDir, '/')],
    products,
    search: searchData(clientDir, titles),
  };
  writeFileSync(out, JSON.stringify(data));
  return data;
}
