import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type Child,
  databaseEnv,
  exitOf,
  startOrigin,
} from '@vitrine/origin/testing/origin-process';

/*
 * Page tests drive the real pages through a real origin: a small seeded shop
 * on its own database schema, its catalogue exported and the storefront built
 * from it once per test run, then `node origin/src/server.ts` with that SSR
 * bundle. `testShop()` does all of it on first use and a root `after` hook
 * tears it down, so every page-test file shares one build and one origin.
 *
 * Browsers are plain fetch with a cookie jar, manual redirects and the
 * `Origin` header a browser sends with form posts (Astro and the API refuse
 * cross-site form posts without it).
 */

const STOREFRONT = resolve(import.meta.dirname, '..', '..');
const ORIGIN_SRC = resolve(STOREFRONT, '..', 'origin', 'src');
/** Inside the storefront so the SSR bundle resolves its packages from node_modules. */
const BUILDS = join(STOREFRONT, '.data', 'pages-tests');
const SESSION_KEYS = `pt1:${randomBytes(24).toString('hex')}`;

export interface TestShop {
  /** The origin's address, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Extra environment the origin runs with (schema, media folder…), for the origin's command lines. */
  env: Record<string, string>;
  /** The origin's log so far (JSON lines), to explain a failure. */
  logs(): string;
  /** The static half of the build (what S3 serves), for tests that put the edge in front. */
  staticDir?: string;
}

function run(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; input?: string } = {},
): Promise<string> {
  return new Promise((done, fail) => {
    const child: ChildProcess = spawn(process.execPath, args, {
      cwd: options.cwd ?? STOREFRONT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stdin?.end(options.input ?? '');
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code === 0) done(out);
      else fail(new Error(`node ${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

let started: Promise<TestShop> | undefined;
let teardown: (() => Promise<void>) | undefined;

/** The shared shop (seeded gallery, 12 works), started on first use. */
export function testShop(): Promise<TestShop> {
  started ??= start();
  return started;
}

async function start(): Promise<TestShop> {
  if (!process.env.DATABASE_URL) {
    throw new Error(
      'page tests need PostgreSQL: set DATABASE_URL (and REDIS_URL if you have it), see the README',
    );
  }
  const database = databaseEnv();
  const work = mkdtempSync(join(tmpdir(), 'vitrine-pages-'));
  const outDir = newBuildDir();
  const env: Record<string, string> = {
    ...database.env,
    MEDIA_DIR: join(work, 'media'),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  };
  let origin: Child | undefined;
  teardown = async () => {
    if (origin) {
      origin.proc.kill('SIGTERM');
      // Its connections close before the schema is dropped.
      await exitOf(origin.proc);
    }
    await database.cleanup();
    rmSync(work, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  };

  const catalog = join(work, 'catalog.ndjson');
  await seedGallery(env, 12);
  await run([join(ORIGIN_SRC, 'cli', 'catalog-export.ts'), '--out', catalog], env);
  await buildStorefront(catalog, outDir);
  origin = await startOrigin({
    ...env,
    SESSION_KEYS,
    STOREFRONT_SSR_ENTRY: join(outDir, 'server', 'entry.mjs'),
  });
  const child = origin;
  return {
    url: child.url,
    env,
    logs: () => child.lines.map((l) => JSON.stringify(l)).join('\n') + child.stderr(),
    staticDir: join(outDir, 'client'),
  };
}

after(async function () {
  this.timeout(30_000);
  await teardown?.();
});

/** A new folder for one storefront build (inside the storefront, see BUILDS). */
export function newBuildDir(): string {
  mkdirSync(BUILDS, { recursive: true });
  return mkdtempSync(join(BUILDS, 'build-'));
}

/** Seeds a gallery of `products` works on the schema `env` names, its pictures in env.MEDIA_DIR. */
export async function seedGallery(env: Record<string, string>, products: number): Promise<void> {
  await run(
    [join(ORIGIN_SRC, 'cli', 'seed.ts'), '--shop', 'gallery', '--products', String(products)],
    env,
  );
}

/**
 * `astro build` of a catalogue export into `outDir` (the static site in
 * client/, the origin's SSR bundle in server/), with the storefront's own
 * settings in `env` (PUBLIC_BASE_URL…).
 */
export async function buildStorefront(
  catalog: string,
  outDir: string,
  env: Record<string, string> = {},
): Promise<void> {
  await run(
    [
      '--input-type=module',
      '-e',
      `import { build } from 'astro'; await build({ root: ${JSON.stringify(STOREFRONT)}, outDir: ${JSON.stringify(outDir)}, logLevel: 'error' });`,
    ],
    { ...env, CATALOG_FILE: catalog },
  );
}

/** An admin made the way a shop owner makes one: the origin's `admin:create` command. */
export async function createAdmin(
  shop: TestShop,
  email: string,
  password: string,
  name = 'Shop Admin',
): Promise<void> {
  await run(
    [join(ORIGIN_SRC, 'cli', 'admin-create.ts'), '--email', email, '--name', name],
    shop.env,
    {
      input: password,
    },
  );
}

/** A page as a test sees it. */
export interface Page {
  status: number;
  headers: Headers;
  /** The body as text (HTML for pages). */
  body: string;
  /** The redirect target, for 3xx answers. */
  location: string | null;
}

type Fields = Record<string, string | number | readonly (string | number)[]>;

/** A browser stand-in: cookies by name, redirects not followed, same-origin form posts. */
export class Browser {
  readonly base: string;
  readonly cookies = new Map<string, string>();
  /**
   * The client address the origin sees (X-Forwarded-For from loopback, as
   * behind the edge): login throttling counts failures per address in Redis,
   * which outlives a test run, so tests that fail logins use their own.
   */
  readonly ip: string | null;

  constructor(base: string, options: { ip?: string } = {}) {
    this.base = base;
    this.ip = options.ip ?? null;
  }

  private cookieHeader(): Record<string, string> {
    const headers: Record<string, string> = this.ip ? { 'x-forwarded-for': this.ip } : {};
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return headers;
  }

  private async request(path: string, init: RequestInit): Promise<Page> {
    const res = await fetch(new URL(path, this.base), {
      ...init,
      redirect: 'manual',
      headers: { ...this.cookieHeader(), ...(init.headers as Record<string, string>) },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line))
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return {
      status: res.status,
      headers: res.headers,
      body: await res.text(),
      location: res.headers.get('location'),
    };
  }

  get(path: string): Promise<Page> {
    return this.request(path, { method: 'GET', headers: { accept: 'text/html' } });
  }

  /**
   * Posts a form as a browser would: urlencoded, or multipart when given a
   * FormData (file uploads). Repeated fields take an array.
   */
  postForm(path: string, fields: Fields | FormData): Promise<Page> {
    const headers: Record<string, string> = { origin: this.base, accept: 'text/html' };
    let body: string | FormData;
    if (fields instanceof FormData) {
      body = fields;
    } else {
      const form = new URLSearchParams();
      for (const [name, value] of Object.entries(fields)) {
        for (const v of Array.isArray(value) ? value : [value]) form.append(name, String(v));
      }
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    return this.request(path, { method: 'POST', headers, body });
  }

  /**
   * Opens the page, then posts `fields` to it (or to `action`) with the
   * page's CSRF token, as a shopper filling in its form would.
   */
  async submit(path: string, fields: Fields | FormData, action = path): Promise<Page> {
    const page = await this.get(path);
    const csrf = csrfOf(page.body);
    if (fields instanceof FormData) {
      fields.set('csrf', csrf);
      return this.postForm(action, fields);
    }
    return this.postForm(action, { ...fields, csrf });
  }

  /**
   * Opens the page and presses the button whose accessible name (its text,
   * visually hidden parts included) is `buttonName`: its form is posted
   * with the form's hidden fields, the button's own name and value, and
   * `fields` for what a person would type. Throws when there is no such button.
   */
  async click(path: string, buttonName: string, fields: Fields = {}): Promise<Page> {
    const page = await this.get(path);
    const form = formWithButton(page.body, buttonName);
    return this.postForm(form.action ?? path, { ...form.fields, ...fields });
  }

  /** Calls the JSON API directly (set-ups that are not what a test is about). */
  async api<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const extra: Record<string, string> = { accept: 'application/json', ...headers };
    if (method !== 'GET') {
      const token = await this.request('/api/v1/auth/csrf', { method: 'GET' });
      extra['x-csrf-token'] = (JSON.parse(token.body) as { token: string }).token;
      extra.origin = this.base;
    }
    if (body !== undefined) extra['content-type'] = 'application/json';
    const res = await this.request(path, {
      method,
      headers: extra,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (res.body ? JSON.parse(res.body) : null) as T };
  }

  /** Registers a new account through the API (and is signed in as it). */
  async register(
    email: string,
    password = 'a long enough passphrase',
    displayName = '',
  ): Promise<void> {
    const res = await this.api('POST', '/api/v1/auth/register', { email, password, displayName });
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`register ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Signs in through the API. */
  async login(email: string, password = 'a long enough passphrase'): Promise<void> {
    const res = await this.api('POST', '/api/v1/auth/login', { email, password });
    if (res.status !== 200)
      throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

const attribute = (tag: string, name: string) => {
  const value = tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
  return value === undefined ? undefined : decodeEntities(value);
};

/** A form of the page found by one of its buttons, with the fields that button would post. */
export function formWithButton(
  html: string,
  buttonName: string,
): { action: string | undefined; fields: Record<string, string> } {
  for (const [form = '', open = ''] of html.matchAll(/(<form\b[^>]*>)[\s\S]*?<\/form>/g)) {
    for (const [button = '', inner = ''] of form.matchAll(/<button\b[^>]*>([\s\S]*?)<\/button>/g)) {
      // Tags add no spaces to a name: "Move<span> Nocturne 3</span> up" reads "Move Nocturne 3 up".
      const name = decodeEntities(inner.replace(/<[^>]+>/g, ''))
        .replace(/\s+/g, ' ')
        .trim();
      if (name !== buttonName) continue;
      const fields: Record<string, string> = {};
      for (const [input = ''] of form.matchAll(/<input\b[^>]*>/g)) {
        const field = attribute(input, 'name');
        if (field && attribute(input, 'type') === 'hidden')
          fields[field] = attribute(input, 'value') ?? '';
      }
      const pressed = attribute(button, 'name');
      if (pressed) fields[pressed] = attribute(button, 'value') ?? '';
      return { action: attribute(open, 'action'), fields };
    }
  }
  throw new Error(`no button named “${buttonName}” on the page`);
}

/** The hidden CSRF field of the first form that has one. */
export function csrfOf(html: string): string {
  const input = html.match(/<input[^>]*name="csrf"[^>]*>/)?.[0];
  const value = input?.match(/value="([^"]*)"/)?.[1];
  if (!value) throw new Error('the page has no form with a CSRF field');
  return value;
}

/** The words of a page (tags dropped, entities decoded, spaces collapsed), for assertions on copy. */
export function textOf(html: string): string {
  return decodeEntities(
    html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim();
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}
