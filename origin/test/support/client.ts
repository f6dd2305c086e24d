/**
 * A tiny browser stand-in for API tests: keeps cookies like a browser would
 * (by name; attributes are asserted separately), fetches the CSRF token and
 * sends it on writes, and can pretend to come from a given client IP.
 */
export class Shopper {
  readonly baseUrl: string;
  readonly cookies = new Map<string, string>();
  /** Raw Set-Cookie headers of the last response. */
  lastSetCookie: string[] = [];
  csrf: string | null = null;
  ip: string | null = null;

  constructor(baseUrl: string, options: { ip?: string } = {}) {
    this.baseUrl = baseUrl;
    this.ip = options.ip ?? null;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    if (this.ip) headers['x-forwarded-for'] = this.ip;
    return headers;
  }

  private remember(res: Response): void {
    this.lastSetCookie = res.headers.getSetCookie();
    for (const line of this.lastSetCookie) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /expires=Thu, 01 Jan 1970/i.test(line) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: this.headers(headers) });
    this.remember(res);
    return res;
  }

  /** Fetches a CSRF token for the current session or pre-session. */
  async refreshCsrf(): Promise<string> {
    const res = await this.get('/api/v1/auth/csrf');
    this.csrf = ((await res.json()) as { token: string }).token;
    return this.csrf;
  }

  /** A state-changing request with the CSRF token (fetched first when missing). */
  async send(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    options: { csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.csrf ?? true) headers['x-csrf-token'] = this.csrf ?? (await this.refreshCsrf());
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: this.headers(headers),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    this.remember(res);
    return res;
  }

  /** Registers or logs in and keeps the new session's CSRF token. */
  async signIn(kind: 'register' | 'login', body: Record<string, string>): Promise<Response> {
    const res = await this.send('POST', `/api/v1/auth/${kind}`, body);
    if (res.ok) this.csrf = ((await res.clone().json()) as { csrfToken: string }).csrfToken;
    return res;
  }
}
