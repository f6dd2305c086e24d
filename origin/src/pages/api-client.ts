import type { Request, Response } from 'express';

/*
 * The API as the origin-rendered pages see it: the same routes, validation,
 * session and CSRF checks a browser gets, on this very server (over loopback
 * to the address the page request came in on; no second server), with the
 * shopper's own cookies, address and provenance. Cookies an API answer sets
 * (a login's new session, a guest cart) go to the browser with the page and
 * to the page's later calls.
 *
 * (An in-memory dispatch such as light-my-request rewires Express's shared
 * request prototype, which breaks the real requests the same app serves.)
 */

export interface ApiResult<T = unknown> {
  status: number;
  ok: boolean;
  /** Parsed JSON, or null for an empty or non-JSON body. */
  body: T;
  headers: Headers;
}

/** `{"error": {code, message, details?}}`: every API failure. */
export interface ApiFailure {
  error: { code: string; message: string; details?: unknown };
}

export interface ApiCallOptions {
  /** JSON body of a write. */
  body?: unknown;
  /** Raw bytes with their content type (image uploads). */
  raw?: { bytes: Buffer; contentType: string };
  query?: Record<string, string | number | boolean | undefined>;
  /** Extra headers (Idempotency-Key). */
  headers?: Record<string, string>;
  /**
   * Writes only: the CSRF token the browser sent with the form (its hidden
   * `csrf` field). Never a token fetched here, or a forged cross-site form
   * would be signed by the page itself.
   */
  csrf?: string;
}

export type ApiCall = <T = unknown>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options?: ApiCallOptions,
) => Promise<ApiResult<T>>;

export interface PageApi {
  call: ApiCall;
  /** The CSRF token of the current session or pre-session, for the forms a page renders. */
  csrfToken(): Promise<string>;
}

function parseSetCookie(line: string): { name: string; value: string; cleared: boolean } {
  const [pair = ''] = line.split(';');
  const eq = pair.indexOf('=');
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  const cleared = value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line);
  return { name, value, cleared };
}

/** An API client bound to one page request. */
export function pageApi(req: Request, res: Response): PageApi {
  const local = req.socket.localAddress ?? '127.0.0.1';
  const self = `http://${local.includes(':') ? `[${local}]` : local}:${req.socket.localPort}`;
  const jar = new Map<string, string>(Object.entries(req.cookies ?? {}) as [string, string][]);
  let token: string | null = null;

  const call: ApiCall = async (method, path, options = {}) => {
    if (!path.startsWith('/api/')) throw new Error(`pages call the API only, not ${path}`);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    // The browser's provenance, so the API's cross-site checks judge the real request.
    for (const name of ['origin', 'sec-fetch-site', 'user-agent', 'host'] as const) {
      const value = req.get(name);
      if (value !== undefined) headers[name] = value;
    }
    // The shopper's address and scheme as this request resolved them (login throttling, CSRF).
    headers['x-forwarded-for'] = req.ip ?? '127.0.0.1';
    headers['x-forwarded-proto'] = req.protocol;
    if (method !== 'GET') {
      if (!options.csrf) throw new Error(`${method} ${path}: a write needs the form's CSRF token`);
      headers['x-csrf-token'] = options.csrf;
    }
    // Uint8Array<ArrayBuffer>: what fetch's BodyInit takes under the DOM types too (the storefront,
    // which type-checks this file, has them); a Buffer read from a request is backed by one.
    let payload: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.raw) {
      payload = options.raw.bytes as Uint8Array<ArrayBuffer>;
      headers['content-type'] = options.raw.contentType;
    } else if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const url = new URL(path, self);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const answer = await fetch(url, {
      method,
      headers,
      redirect: 'manual',
      ...(payload !== undefined ? { body: payload } : {}),
    });
    for (const line of answer.headers.getSetCookie()) {
      const { name, value, cleared } = parseSetCookie(line);
      if (cleared) jar.delete(name);
      else jar.set(name, value);
      // A new or ended session has its own CSRF token.
      if (name.endsWith('vitrine_session')) token = null;
      if (res.headersSent) {
        // Astro streams the page: a cookie learnt mid-render can no longer reach the browser.
        throw new Error(
          `${method} ${path} set a cookie after the page started streaming: call it in the page's frontmatter (e.g. await api.csrfToken() before rendering a form)`,
        );
      }
      res.appendHeader('set-cookie', line);
    }
    const text = await answer.text();
    const body: unknown =
      text && (answer.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : null;
    return { status: answer.status, ok: answer.ok, body: body as never, headers: answer.headers };
  };

  const csrfToken = async (): Promise<string> => {
    if (token === null) {
      const answer = await call<{ token: string }>('GET', '/api/v1/auth/csrf');
      if (!answer.ok) throw new Error(`could not get a CSRF token (${answer.status})`);
      token = answer.body.token;
    }
    return token;
  };

  return { call, csrfToken };
}
