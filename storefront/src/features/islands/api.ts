/*
 * The islands' one way to the origin API. Same host as the page (the edge
 * routes /api/* to the origin), so the browser sends the HttpOnly
 * `__Host-vitrine_*` cookies itself and no CORS is involved. Writes carry
 * the CSRF token of GET /api/v1/auth/csrf, fetched once per page and
 * refetched once when the origin says it no longer matches the session
 * (a sign-in in another tab rotates it).
 */

/** No answer at all: offline, DNS, a dropped connection. */
export const NETWORK = 'NETWORK';

/** A failed call, with the API's stable error code (README "error codes"). */
export class ApiError extends Error {
  /** SCREAMING_SNAKE code from `{"error": {"code"}}`, or NETWORK, or one derived from the status. */
  readonly code: string;
  /** HTTP status; 0 when there was no answer. */
  readonly status: number;
  /** The error's `details` (e.g. `{productId, quantityAvailable}`), when the API sent any. */
  readonly details: unknown;
  /** Seconds from a Retry-After header, when there was one. */
  readonly retryAfterS: number | null;

  constructor(
    code: string,
    status: number,
    message: string,
    details: unknown = undefined,
    retryAfterS: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
    this.retryAfterS = retryAfterS;
  }
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;
type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  /** A state-changing call with the CSRF token; 204 answers resolve to undefined. */
  send<T>(method: WriteMethod, path: string, body?: unknown): Promise<T>;
}

/**
 * The error of a non-2xx answer. Bodies that are not the API's JSON (a
 * proxy's HTML page, an empty 502) still get a code from the status, so the
 * caller can always map a code to words.
 */
export function errorOf(status: number, body: unknown, retryAfter: string | null): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } })
    ?.error;
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  if (typeof error?.code === 'string') {
    const message = typeof error.message === 'string' ? error.message : error.code;
    return new ApiError(error.code, status, message, error.details, seconds);
  }
  const code =
    status === 429 ? 'TOO_MANY_REQUESTS' : status >= 500 ? 'SERVICE_UNAVAILABLE' : 'HTTP_ERROR';
  return new ApiError(code, status, `HTTP ${status}`, undefined, seconds);
}

const isCsrfFailure = (error: unknown) =>
  error instanceof ApiError &&
  (error.code === 'CSRF_TOKEN_INVALID' || error.code === 'CSRF_TOKEN_MISSING');

export function createApiClient(fetchImpl: Fetch): ApiClient {
  let csrf: Promise<string> | null = null;

  async function call<T>(
    method: string,
    path: string,
    body: unknown,
    token: string | null,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== null) headers['x-csrf-token'] = token;
    let res: Response;
    try {
      res = await fetchImpl(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch (cause) {
      throw new ApiError(NETWORK, 0, `No answer from ${path}: ${String(cause)}`);
    }
    if (res.status === 204) return undefined as T;
    const data: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw errorOf(res.status, data, res.headers.get('retry-after'));
    if (data === undefined) throw new ApiError('BAD_RESPONSE', res.status, `${path}: not JSON`);
    return data as T;
  }

  function csrfToken(): Promise<string> {
    if (!csrf) {
      const pending = call<{ token: string }>('GET', '/api/v1/auth/csrf', undefined, null).then(
        (answer) => answer.token,
      );
      // A failed fetch must not stay cached: the next write tries again.
      pending.catch(() => {
        if (csrf === pending) csrf = null;
      });
      csrf = pending;
    }
    return csrf;
  }

  return {
    get: (path) => call('GET', path, undefined, null),
    async send(method, path, body) {
      try {
        return await call(method, path, body, await csrfToken());
      } catch (error) {
        if (!isCsrfFailure(error)) throw error;
        csrf = null;
        return call(method, path, body, await csrfToken());
      }
    },
  };
}

/** The page's client (the global fetch is looked up per call, so tests may replace it). */
export const api: ApiClient = createApiClient((input, init) => fetch(input, init));
