import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * The session cookie contract shared with the edge (ARCHITECTURE.md):
 *
 *   v1.<kid>.<base64url(JSON payload)>.<base64url(HMAC-SHA256(key[kid], "v1.<kid>.<payload>"))>
 *
 * The payload is `{"sid": <random id, base64url>, "exp": <absolute expiry, epoch seconds>}`.
 * The edge verifies signature and `exp` without a network call; the origin
 * then checks the session record, which can be revoked at any moment.
 */

export interface SessionClaims {
  /** The random session id (the secret; only its SHA-256 is stored). */
  sid: string;
  /** Absolute expiry, seconds since the epoch. */
  exp: number;
}

export interface KeyRing {
  keys: ReadonlyMap<string, string>;
  signingKid: string;
}

const KID = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

export function signSessionCookie(claims: SessionClaims, ring: KeyRing): string {
  const secret = ring.keys.get(ring.signingKid);
  if (!secret) throw new Error(`signing key ${ring.signingKid} is not in the ring`);
  const payload = Buffer.from(JSON.stringify({ sid: claims.sid, exp: claims.exp })).toString(
    'base64url',
  );
  const signed = `v1.${ring.signingKid}.${payload}`;
  return `${signed}.${mac(secret, signed).toString('base64url')}`;
}

export type CookieRejection = 'malformed' | 'unknown_kid' | 'bad_signature' | 'expired';

/** The claims when the cookie is well-formed, signed by a key in the ring and not expired. */
export function verifySessionCookie(
  value: string,
  ring: KeyRing,
  nowSeconds: number,
): { ok: true; claims: SessionClaims } | { ok: false; reason: CookieRejection } {
  if (value.length > 512) return { ok: false, reason: 'malformed' };
  const parts = value.split('.');
  if (parts.length !== 4) return { ok: false, reason: 'malformed' };
  const [version, kid = '', payload = '', signature = ''] = parts;
  if (version !== 'v1' || !KID.test(kid) || !B64URL.test(payload) || !B64URL.test(signature)) {
    return { ok: false, reason: 'malformed' };
  }
  const secret = ring.keys.get(kid);
  if (!secret) return { ok: false, reason: 'unknown_kid' };
  const expected = mac(secret, `v1.${kid}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { sid, exp } = (claims ?? {}) as { sid?: unknown; exp?: unknown };
  if (
    typeof sid !== 'string' ||
    !B64URL.test(sid) ||
    typeof exp !== 'number' ||
    !Number.isInteger(exp)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { sid, exp } };
}
