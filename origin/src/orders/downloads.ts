import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KeyRing } from '../accounts/session-cookie.ts';

/*
 * Download links for digital works: `<base64url claims>.<base64url HMAC>`,
 * claims {o: order id, p: product id, u: user id, exp}. The link names its
 * buyer: it works only in that buyer's session, only until `exp`, and only
 * while the order stays paid (a refund revokes it).
 */

export interface DownloadClaims {
  orderId: string;
  productId: number;
  userId: number;
  /** Seconds since the epoch. */
  exp: number;
}

const mac = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(`download.v1.${payload}`).digest();

export function signDownload(ring: KeyRing, claims: DownloadClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ o: claims.orderId, p: claims.productId, u: claims.userId, exp: claims.exp }),
  ).toString('base64url');
  return `${payload}.${mac(ring.keys.get(ring.signingKid) ?? '', payload).toString('base64url')}`;
}

export function verifyDownload(
  ring: KeyRing,
  token: string,
  nowSeconds: number,
): DownloadClaims | null {
  const [payload = '', signature = '', ...rest] = token.split('.');
  if (
    rest.length > 0 ||
    !/^[A-Za-z0-9_-]+$/.test(payload) ||
    !/^[A-Za-z0-9_-]{43}$/.test(signature)
  )
    return null;
  const given = Buffer.from(signature, 'base64url');
  const valid = [...ring.keys.values()].some((secret) => {
    const expected = mac(secret, payload);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) return null;
  try {
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    if (
      typeof c.o !== 'string' ||
      typeof c.p !== 'number' ||
      typeof c.u !== 'number' ||
      typeof c.exp !== 'number'
    ) {
      return null;
    }
    if (c.exp <= nowSeconds) return null;
    return { orderId: c.o, productId: c.p, userId: c.u, exp: c.exp };
  } catch {
    return null;
  }
}
