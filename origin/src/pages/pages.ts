import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../platform/logging.ts';
import { type PageApi, pageApi } from './api-client.ts';

/*
 * The session-aware pages (login, account, cart, checkout, orders, studio,
 * admin) are Astro pages rendered here by @astrojs/node in middleware mode:
 * the storefront's SSR bundle runs inside this process, with the shopper's
 * session already resolved and the API at hand in-process (api-client.ts).
 */

/** Path prefixes of the pages the origin renders (the edge routes them here). */
export const PAGE_PREFIXES = [
  'login',
  'register',
  'logout',
  'account',
  'cart',
  'checkout',
  'orders',
  'studio',
  'admin',
] as const;

export const PAGE_PATH = new RegExp(`^/(${PAGE_PREFIXES.join('|')})(/|$)`);

/**
 * Pages may load only the shop's own scripts, styles, images and fonts, talk
 * to the shop's API, post forms to the shop, and never be framed (SECURITY.md).
 */
export function pageCsp(mediaOrigin: string | null): string {
  const img = ["'self'", 'data:', ...(mediaOrigin ? [mediaOrigin] : [])].join(' ');
  return [
    "default-src 'self'",
    `img-src ${img}`,
    "script-src 'self'",
    "style-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** What every origin-rendered page finds in `Astro.locals.vitrine`. */
export interface PageLocals {
  /** The signed-in user, or null. */
  user: {
    id: number;
    email: string;
    displayName: string;
    role: 'customer' | 'artist' | 'admin';
  } | null;
  api: PageApi;
  requestId: string;
}

type AstroHandler = (
  req: Request,
  res: Response,
  next: NextFunction,
  locals: object,
) => Promise<void>;

export interface PagesOptions {
  /** The SSR bundle's entry (storefront/dist/server/entry.mjs). */
  entry: string;
  /** Largest form body a page takes (the studio's image forms excepted), as for the API. */
  bodyLimitBytes: number;
  mediaOrigin: string | null;
  logger: Logger;
}

/**
 * The studio's forms carry images: their pages read them under Astro's own
 * limit and say in words when a file is too big.
 */
const UPLOAD_PAGES = /^\/studio(\/|$)/;

const tooLarge = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${text}</p></html>`;

/**
 * Refuses a page form that is too large before anything reads it (413), or
 * whose size is not given (411: browsers always give it), so a page cannot be
 * made to buffer megabytes or fail with a 500 on Astro's limit.
 */
function formTooLarge(req: Request, res: Response, limit: number): boolean {
  if (req.method === 'GET' || req.method === 'HEAD' || UPLOAD_PAGES.test(req.path)) return false;
  const length = req.get('content-length');
  const chunked = req.get('transfer-encoding') !== undefined;
  if (length === undefined && !chunked) return false;
  if (length !== undefined && !chunked && Number(length) <= limit) return false;
  res.setHeader('connection', 'close');
  if (length === undefined) {
    res
      .status(411)
      .type('html')
      .send(tooLarge('Length required', 'Send the form again from its page.'));
  } else {
    res
      .status(413)
      .type('html')
      .send(
        tooLarge('That form is too large', 'Go back, shorten what you typed and send it again.'),
      );
  }
  return true;
}

/** Renders the pages, or explains in one page how to build them when the bundle is missing. */
export function pagesHandler(options: PagesOptions): RequestHandler {
  const csp = pageCsp(options.mediaOrigin);
  let loaded: Promise<AstroHandler> | undefined;
  let warned = false;
  /** The bundle once it exists: a build finishing after the origin started is picked up. */
  const load = (): Promise<AstroHandler> | null => {
    if (loaded) return loaded;
    if (!existsSync(options.entry)) {
      if (!warned) {
        warned = true;
        options.logger.warn(
          { entry: options.entry },
          'storefront SSR bundle not found: session pages answer 503 until `npm run storefront:build`',
        );
      }
      return null;
    }
    loaded = import(pathToFileURL(options.entry).href).then(
      (mod: { handler: AstroHandler }) => mod.handler,
    );
    return loaded;
  };

  return async (req, res, next) => {
    res.setHeader('content-security-policy', csp);
    // Personal pages: never stored by CloudFront or the browser's back/forward cache of others.
    res.setHeader('cache-control', 'no-store');
    // helmet's no-referrer makes browsers send `Origin: null` with the pages' own form posts,
    // which Astro's origin check and the API's cross-site check then refuse.
    res.setHeader('referrer-policy', 'same-origin');
    if (formTooLarge(req, res, options.bodyLimitBytes)) return;
    const pending = load();
    const handler = pending ? await pending : null;
    if (!handler) {
      res
        .status(503)
        .type('html')
        .send(
          '<!doctype html><html lang="en"><meta charset="utf-8"><title>Not built yet</title><h1>The storefront is not built yet</h1><p>Run <code>npm run storefront:build</code>, then reload this page.</p></html>',
        );
      return;
    }
    const auth = req.auth;
    const locals: { vitrine: PageLocals } = {
      vitrine: {
        user: auth
          ? {
              id: auth.user.id,
              email: auth.user.email,
              displayName: auth.user.displayName,
              role: auth.user.role,
            }
          : null,
        api: pageApi(req, res),
        requestId: String(req.id ?? ''),
      },
    };
    await handler(req, res, next, locals);
  };
}
