/*
 * `npm run js-budget` (after a build): how much JavaScript each kind of page
 * of the static build makes the browser download, gzipped, and a failure
 * when a catalogue page (home, collection, category, product, artist) needs
 * more than 15 KB. A page's JavaScript is every script it names (module or
 * classic, inline or a file, and modulepreload links) plus every module
 * those import, statically or with import(): what the page may load, each
 * file counted once. The heaviest page of each kind is reported.
 *
 *   --dir DIR       the static build (default: dist/client)
 *   --budget BYTES  the limit for catalogue pages (default: 15360)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { init, parse } from 'es-module-lexer';

/** 15 KB of gzipped JavaScript per catalogue page, all islands and shared code included. */
export const BUDGET_BYTES = 15 * 1024;

export const PAGE_TYPES = [
  'home',
  'collection',
  'category',
  'product',
  'artist',
  'search',
  '404',
  'other',
] as const;
export type PageType = (typeof PAGE_TYPES)[number];

/** The pages the budget applies to: those built from the catalogue. */
export const CATALOGUE_TYPES: readonly PageType[] = [
  'home',
  'collection',
  'category',
  'product',
  'artist',
];

/** The kind of a page from its file, relative to the build folder ("products/x/index.html"). */
export function pageTypeOf(file: string): PageType {
  const path = file.split(sep).join('/');
  if (path === 'index.html') return 'home';
  if (path === '404.html') return '404';
  const first = path.split('/')[0];
  switch (first) {
    case 'products':
      return 'product';
    case 'galleries':
      return 'collection';
    case 'categories':
      return 'category';
    case 'artists':
      return 'artist';
    case 'search':
      return 'search';
    default:
      return 'other';
  }
}

export interface PageJs {
  /** The page's file, relative to the build folder. */
  page: string;
  type: PageType;
  /** Every script it may load: `/_astro/x.js`, or `inline #n` for an inline script. */
  files: string[];
  rawBytes: number;
  gzipBytes: number;
  /** import() calls whose module is computed at run time: not followed, so not counted. */
  unfollowed: number;
}

const HOST = 'https://page.invalid';
const JS_TYPES = new Set(['', 'module', 'text/javascript', 'application/javascript']);

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/([^\s=/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    const [, name = '', double, single, bare] = match;
    const value = (double ?? single ?? bare ?? '').replaceAll('&amp;', '&');
    found.set(name.toLowerCase(), value);
  }
  return found;
}

interface Reference {
  url?: string;
  inline?: string;
}

/** The scripts an HTML page names, in document order. */
export function scriptsOf(html: string): Reference[] {
  const found: Reference[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>|<link\b([^>]*)>/gi)) {
    const [, scriptAttributes, body, linkAttributes] = match;
    if (scriptAttributes !== undefined) {
      const attrs = attributes(scriptAttributes);
      if (!JS_TYPES.has((attrs.get('type') ?? '').trim().toLowerCase())) continue;
      const src = attrs.get('src');
      if (src !== undefined) found.push({ url: src });
      else if (body?.trim()) found.push({ inline: body });
      continue;
    }
    const attrs = attributes(linkAttributes ?? '');
    const rel = (attrs.get('rel') ?? '').toLowerCase().split(/\s+/);
    const href = attrs.get('href');
    const script =
      rel.includes('modulepreload') || (rel.includes('preload') && attrs.get('as') === 'script');
    if (script && href !== undefined) found.push({ url: href });
  }
  return found;
}

/** URL path of a reference seen at `from` (a URL path); refuses other hosts and bare names. */
function resolveUrl(reference: string, from: string, where: string): string {
  if (!/^(\.{0,2}\/|https?:)/.test(reference)) {
    throw new Error(`${where}: "${reference}" is not a URL the browser can load`);
  }
  const url = new URL(reference, HOST + from);
  if (url.origin !== HOST) throw new Error(`${where}: loads ${reference} from another host`);
  return decodeURIComponent(url.pathname);
}

interface Imports {
  urls: string[];
  unfollowed: number;
}

/** Sizes of the static build's JavaScript, read once per file. */
class ScriptFiles {
  readonly #dir: string;
  readonly #imports = new Map<string, Imports>();
  readonly #sizes = new Map<string, { raw: number; gzip: number }>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  #read(urlPath: string, where: string): Buffer {
    try {
      return readFileSync(join(this.#dir, ...urlPath.split('/')));
    } catch {
      throw new Error(`${where}: ${urlPath} is not in the build`);
    }
  }

  size(urlPath: string, where: string): { raw: number; gzip: number } {
    let size = this.#sizes.get(urlPath);
    if (!size) {
      const content = this.#read(urlPath, where);
      size = { raw: content.length, gzip: gzipSync(content).length };
      this.#sizes.set(urlPath, size);
    }
    return size;
  }

  /** The modules a file imports, statically or with import() of a string. */
  imports(urlPath: string, where: string, source?: string): Imports {
    const cached = source === undefined ? this.#imports.get(urlPath) : undefined;
    if (cached) return cached;
    const code = source ?? this.#read(urlPath, where).toString('utf8');
    const [found] = parse(code, urlPath);
    const result: Imports = { urls: [], unfollowed: 0 };
    for (const entry of found) {
      if (entry.n !== undefined) result.urls.push(resolveUrl(entry.n, urlPath, urlPath));
      // d is -2 for import.meta, -1 for static imports, the position of import( otherwise.
      else if (entry.d >= 0) result.unfollowed++;
    }
    if (source === undefined) this.#imports.set(urlPath, result);
    return result;
  }
}

function measurePage(files: ScriptFiles, page: string, html: string): PageJs {
  const pageUrl = `/${page.split(sep).join('/')}`;
  const seen = new Set<string>();
  let rawBytes = 0;
  let gzipBytes = 0;
  let unfollowed = 0;
  const follow = (imports: Imports) => {
    unfollowed += imports.unfollowed;
    for (const next of imports.urls) visit(next);
  };
  const count = (size: { raw: number; gzip: number }) => {
    rawBytes += size.raw;
    gzipBytes += size.gzip;
  };
  const visit = (urlPath: string) => {
    if (seen.has(urlPath)) return;
    seen.add(urlPath);
    count(files.size(urlPath, page));
    follow(files.imports(urlPath, page));
  };
  let inline = 0;
  for (const reference of scriptsOf(html)) {
    if (reference.url !== undefined) {
      visit(resolveUrl(reference.url, pageUrl, page));
      continue;
    }
    const code = reference.inline ?? '';
    seen.add(`inline #${++inline}`);
    count({ raw: Buffer.byteLength(code), gzip: gzipSync(code).length });
    follow(files.imports(`${pageUrl}#inline`, page, code));
  }
  return { page, type: pageTypeOf(page), files: [...seen], rawBytes, gzipBytes, unfollowed };
}

/** The JavaScript of every HTML page under `dir`. */
export async function measurePages(dir: string): Promise<PageJs[]> {
  await init;
  const files = new ScriptFiles(dir);
  const pages = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.html'))
    .sort();
  return pages.map((page) => measurePage(files, page, readFileSync(join(dir, page), 'utf8')));
}

export interface TypeRow {
  type: PageType;
  pages: number;
  /** The page of this kind that loads the most (gzipped); null when there is none. */
  heaviest: PageJs | null;
  /** The limit, for catalogue pages; null for the others (reported only). */
  budget: number | null;
  over: boolean;
}

export function summarise(pages: readonly PageJs[], budget = BUDGET_BYTES): TypeRow[] {
  return PAGE_TYPES.map((type) => {
    const ofType = pages.filter((page) => page.type === type);
    const heaviest = ofType.reduce<PageJs | null>(
      (max, page) => (max === null || page.gzipBytes > max.gzipBytes ? page : max),
      null,
    );
    const limit = CATALOGUE_TYPES.includes(type) ? budget : null;
    return {
      type,
      pages: ofType.length,
      heaviest,
      budget: limit,
      over: limit !== null && heaviest !== null && heaviest.gzipBytes > limit,
    };
  });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatTable(rows: readonly TypeRow[]): string {
  const table = [
    ['page type', 'pages', 'heaviest page', 'files', 'raw', 'gzip', 'budget', '', 'not counted'],
    ...rows.map((row) => [
      row.type,
      String(row.pages),
      row.heaviest?.page ?? '-',
      String(row.heaviest?.files.length ?? 0),
      kb(row.heaviest?.rawBytes ?? 0),
      kb(row.heaviest?.gzipBytes ?? 0),
      row.budget === null ? '-' : kb(row.budget),
      row.over ? 'OVER' : row.budget === null || row.pages === 0 ? '' : 'ok',
      row.heaviest?.unfollowed ? `${row.heaviest.unfollowed} computed import()` : '',
    ]),
  ];
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((line) => line[column]?.length ?? 0))) ?? [];
  return table
    .map((line) =>
      line
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, budget: { type: 'string' } },
  });
  const dir = resolve(values.dir ?? resolve(import.meta.dirname, '../dist/client'));
  const budget = values.budget === undefined ? BUDGET_BYTES : Number(values.budget);
  try {
    const pages = await measurePages(dir);
    if (pages.length === 0) throw new Error(`no HTML pages in ${dir}: build first`);
    const rows = summarise(pages, budget);
    process.stdout.write(`JavaScript per page type (gzipped), ${dir}\n${formatTable(rows)}\n`);
    const over = rows.filter((row) => row.over);
    if (over.length > 0) {
      process.stderr.write(
        `js-budget: over ${kb(budget)}: ${over.map((row) => `${row.type} (${row.heaviest?.page})`).join(', ')}\n`,
      );
      process.exitCode = 1;
    }
  } catch (error) {
    process.stderr.write(`js-budget: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
