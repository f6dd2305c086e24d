import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../platform/errors.ts';
import type { KeyRing } from './session-cookie.ts';

/*
 * CSRF defence, two layers (OWASP CSRF cheat sheet):
 * 1. Fetch metadata / Origin: a write whose Sec-Fetch-Site says cross-site, or
 *    whose Origin is not the shop's, is refused before anything else.
 * 2. A signed token bound to the session (or, before login, to an anonymous
 *    pre-session cookie): HMAC(key, binding + nonce). It must come back in
 *    X-CSRF-Token on every state-changing request. Login rotates the binding,
 *    so the login response carries a fresh token.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const NONCE = /^[A-Za-z0-9_-]{22}$/;

function sign(secret: string, binding: string, nonce: string): string {
  return createHmac('sha256', secret).update(`csrf.v1.${binding}.${nonce}`).digest('base64url');
}

export function mintCsrfToken(ring: KeyRing, binding: string): string {
  const secret = ring.keys.get(ring.signingKid) ?? '';
  const nonce = randomBytes(16).toString('base64url');
  return `${nonce}.${sign(secret, binding, nonce)}`;
}

export function verifyCsrfToken(ring: KeyRing, binding: string, token: string): boolean {
  const [nonce = '', mac = '', ...rest] = token.split('.');
  if (rest.length > 0 || !NONCE.test(nonce) || mac.length !== 43) return false;
  const given = Buffer.from(mac, 'base64url');
  // Any key of the ring, so a key rotation does not break open pages.
  for (const secret of ring.keys.values()) {
    const expected = Buffer.from(sign(secret, binding, nonce), 'base64url');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
  }
  return false;
}

const forbidden = (code: string, message: string) => new AppError(code, message, { status: 403 });

export interface CsrfOptions {
  ring: KeyRing;
  /** Origins allowed to write (the shop's public origin). The request's own origin is allowed too. */
  allowedOrigins: readonly string[];
  /** The binding for this request: session or anonymous pre-session; null when neither exists. */
  bindingOf: (req: Parameters<RequestHandler>[0]) => string | null;
  /** Paths that authenticate otherwise (signed payment webhooks). */
  exempt?: (path: string) => boolean;
}

/** Refuses cross-site writes and writes without a valid token: 403 with a code. */
export function csrfProtection(options: CsrfOptions): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || options.exempt?.(req.path)) {
      next();
      return;
    }
    const site = req.get('sec-fetch-site');
    if (site === 'cross-site') {
      throw forbidden('CROSS_SITE_REQUEST', 'This request came from another site and was refused.');
    }
    const origin = req.get('origin');
    if (origin !== undefined) {
      const own = `${req.protocol}://${req.get('host') ?? ''}`;
      if (origin !== own && !options.allowedOrigins.includes(origin)) {
        throw forbidden(
          'CROSS_SITE_REQUEST',
          'This request came from another site and was refused.',
        );
      }
    }
    const token = req.get('x-csrf-token');
    if (!token) {
      throw forbidden(
        'CSRF_TOKEN_MISSING',
        'Send the token from GET /api/v1/auth/csrf in the X-CSRF-Token header.',
      );
    }
    const binding = options.bindingOf(req);
    if (!binding || !verifyCsrfToken(options.ring, binding, token)) {
      throw forbidden(
        'CSRF_TOKEN_INVALID',
        'The CSRF token does not match this session; fetch a new one from GET /api/v1/auth/csrf.',
      );
    }
    next();
  };
}
