import { parseCookie } from 'cookie';
import type { CookieOptions, RequestHandler, Response } from 'express';
import type { Role } from '../platform/db/models.ts';
import { AppError } from '../platform/errors.ts';
import type { ActiveSession, SessionStore, SessionUser } from './sessions.ts';

export interface Auth {
  session: ActiveSession;
  user: SessionUser;
}

export interface CookieNames {
  session: string;
  csrf: string;
  /** The guest cart's token (merged into the account cart at sign-in). */
  cart: string;
}

/** `__Host-` requires Secure and Path=/ and no Domain: the browser enforces it. */
export function cookieNames(secure: boolean): CookieNames {
  return secure
    ? {
        session: '__Host-vitrine_session',
        csrf: '__Host-vitrine_csrf',
        cart: '__Host-vitrine_cart',
      }
    : { session: 'vitrine_session', csrf: 'vitrine_csrf', cart: 'vitrine_cart' };
}

export function cookieOptions(secure: boolean, expires?: Date): CookieOptions {
  return { httpOnly: true, secure, sameSite: 'lax', path: '/', ...(expires ? { expires } : {}) };
}

export function clearCookie(res: Response, name: string, secure: boolean): void {
  res.clearCookie(name, cookieOptions(secure));
}

/** Parses cookies and resolves the session on every request; `req.auth` is null when anonymous. */
export function sessionMiddleware(sessions: SessionStore, names: CookieNames): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.cookie;
    req.cookies = header ? parseCookie(header) : {};
    req.auth = null;
    const value = req.cookies[names.session];
    if (value) {
      const session = await sessions.resolve(value);
      if (session) req.auth = { session, user: session.user };
    }
    next();
  };
}

/** 401 unless signed in. */
export const requireUser: RequestHandler = (req, _res, next) => {
  if (!req.auth) throw new AppError('NOT_SIGNED_IN', 'Sign in to do this.', { status: 401 });
  next();
};

/** 401 unless signed in, 403 unless the user has one of the roles. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) throw new AppError('NOT_SIGNED_IN', 'Sign in to do this.', { status: 401 });
    if (!roles.includes(req.auth.user.role)) {
      throw new AppError('FORBIDDEN', `This needs the ${roles.join(' or ')} role.`, {
        status: 403,
      });
    }
    next();
  };
}
