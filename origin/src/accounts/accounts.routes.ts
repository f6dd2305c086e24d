import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../platform/errors.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import {
  ArtistProfile,
  ArtistProfileBody,
  ChangePasswordBody,
  CsrfToken,
  LoginBody,
  Me,
  RegisterBody,
  SessionIdParams,
  SessionInfo,
  SignedIn,
  UserList,
  UserListQuery,
} from './accounts.schemas.ts';
import type { AccountsService, RequestMeta } from './accounts.service.ts';
import {
  type CookieNames,
  clearCookie,
  cookieOptions,
  requireRole,
  requireUser,
} from './auth.middleware.ts';
import { mintCsrfToken } from './csrf.ts';
import type { SessionStore } from './sessions.ts';

/** Runs after a sign-in or registration set the new session (the guest cart merge). */
export type AfterSignIn = (req: Request, res: Response, userId: number) => Promise<void>;

export interface AccountsRouteDeps {
  afterSignIn: AfterSignIn;
  service: AccountsService;
  sessions: SessionStore;
  names: CookieNames;
  secureCookie: boolean;
}

const metaOf = (req: Request): RequestMeta => ({
  // With trust proxy set, req.ip is the shopper's address as CloudFront/ALB saw it.
  ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
  userAgent: req.get('user-agent') ?? '',
});

/** The CSRF binding of a request: its session, else its anonymous pre-session cookie. */
export function csrfBinding(req: Request, names: CookieNames): string | null {
  if (req.auth) return `s:${req.auth.session.idHash}`;
  const anon = req.cookies?.[names.csrf];
  return anon && /^[A-Za-z0-9_-]{22}$/.test(anon) ? `a:${anon}` : null;
}

export function accountsRoutes({
  afterSignIn,
  service,
  sessions,
  names,
  secureCookie,
}: AccountsRouteDeps): AnyRoute[] {
  const signedIn = async (
    req: Request,
    res: Response,
    result: {
      user: z.input<typeof SignedIn>['user'];
      cookie: string;
      idHash: string;
      expiresAt: Date;
    },
  ) => {
    res.cookie(names.session, result.cookie, cookieOptions(secureCookie, result.expiresAt));
    await afterSignIn(req, res, result.user.id);
    return { user: result.user, csrfToken: mintCsrfToken(sessions.ring, `s:${result.idHash}`) };
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/csrf',
      operationId: 'getCsrfToken',
      summary:
        'A CSRF token for this session (or for an anonymous pre-session); send it as X-CSRF-Token on writes',
      tags: ['auth'],
      response: CsrfToken,
      handler: async (_input, req, res) => {
        res.setHeader('cache-control', 'no-store');
        let binding = csrfBinding(req, names);
        if (!binding) {
          const anon = randomBytes(16).toString('base64url');
          res.cookie(names.csrf, anon, cookieOptions(secureCookie));
          binding = `a:${anon}`;
        }
        return { token: mintCsrfToken(sessions.ring, binding) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/register',
      operationId: 'register',
      summary: 'Create a customer account and sign in',
      tags: ['auth'],
      body: RegisterBody,
      status: 201,
      response: SignedIn,
      errors: [400, 403, 409, 429],
      handler: async ({ body }, req, res) => {
        const result = await service.register(body, metaOf(req));
        if (req.auth) await sessions.destroy(req.auth.session.idHash);
        return signedIn(req, res, result);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      operationId: 'login',
      summary: 'Sign in; starts a new session and ends the previous one',
      tags: ['auth'],
      body: LoginBody,
      response: SignedIn,
      errors: [400, 401, 403, 429],
      handler: async ({ body }, req, res) => {
        const result = await service.login(body, metaOf(req), req.auth?.session.idHash ?? null);
        return signedIn(req, res, result);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      operationId: 'logout',
      summary: 'End this session at once, in every process',
      tags: ['auth'],
      status: 204,
      response: z.undefined(),
      errors: [403],
      handler: async (_input, req, res) => {
        if (req.auth) await sessions.destroy(req.auth.session.idHash);
        clearCookie(res, names.session, secureCookie);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/me',
      operationId: 'me',
      summary: 'The signed-in user and their artist profile, if any',
      tags: ['auth'],
      before: [requireUser],
      response: Me,
      errors: [401],
      handler: async (_input, req, res) => {
        res.setHeader('cache-control', 'private, no-store');
        return service.me(req.auth?.user.id ?? 0);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/password',
      operationId: 'changePassword',
      summary: 'Change the password; every other session of the account ends',
      tags: ['auth'],
      before: [requireUser],
      body: ChangePasswordBody,
      response: z.object({ endedSessions: z.number().int() }),
      errors: [400, 401, 403, 429],
      handler: async ({ body }, req) => {
        const auth = req.auth;
        if (!auth) throw new NotFoundError('USER_NOT_FOUND', 'Sign in again.');
        return service.changePassword(auth.user, auth.session.idHash, body, metaOf(req));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/sessions',
      operationId: 'listSessions',
      summary: "The account's live sessions",
      tags: ['auth'],
      before: [requireUser],
      response: z.object({ items: z.array(SessionInfo) }),
      errors: [401],
      handler: async (_input, req) => {
        const auth = req.auth;
        return { items: auth ? await sessions.list(auth.user.id, auth.session.idHash) : [] };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/auth/sessions/:id',
      operationId: 'endSession',
      summary: 'End one of your own sessions',
      tags: ['auth'],
      before: [requireUser],
      params: SessionIdParams,
      status: 204,
      response: z.undefined(),
      errors: [400, 401, 403, 404],
      handler: async ({ params }, req) => {
        const ended = req.auth
          ? await sessions.destroyByPublicId(req.auth.user.id, params.id)
          : false;
        if (!ended)
          throw new NotFoundError('SESSION_NOT_FOUND', 'No session of yours has this id.');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/studio/profile',
      operationId: 'openArtistProfile',
      summary: 'Open a public artist profile; a customer becomes an artist',
      tags: ['studio'],
      before: [requireUser],
      body: ArtistProfileBody,
      status: 201,
      response: ArtistProfile,
      errors: [400, 401, 403, 409],
      handler: async ({ body }, req) => {
        const auth = req.auth;
        if (!auth) throw new NotFoundError('USER_NOT_FOUND', 'Sign in again.');
        return service.openArtistProfile(auth.user, body);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/studio/profile',
      operationId: 'getArtistProfile',
      summary: "The signed-in artist's public profile",
      tags: ['studio'],
      before: [requireRole('artist', 'admin')],
      response: ArtistProfile,
      errors: [401, 403, 404],
      handler: async (_input, req) => service.artistProfileOf(req.auth?.user.id ?? 0),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/users',
      operationId: 'listUsers',
      summary: 'Accounts, oldest first (admins only)',
      tags: ['admin'],
      before: [requireRole('admin')],
      query: UserListQuery,
      response: UserList,
      errors: [400, 401, 403],
      handler: async ({ query }, _req, res) => {
        res.setHeader('cache-control', 'private, no-store');
        return service.listUsers(query);
      },
    }),
  ];
}
