import type { Auth } from '../accounts/auth.middleware.ts';

declare global {
  namespace Express {
    interface Request {
      /** The signed-in shopper, set by the session middleware; null when anonymous. */
      auth: Auth | null;
      /** The raw JSON body, kept only for payment webhooks (their signature covers the bytes). */
      rawBody?: Buffer;
      /** Parsed Cookie header. */
      cookies: Record<string, string | undefined>;
    }
  }
}
