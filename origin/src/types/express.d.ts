import type { Auth } from '../accounts/auth.middleware.ts';

declare global {
  namespace Express {
    interface Request {
      /** The signed-in shopper, set by the session middleware; null when anonymous. */
      auth: Auth | null;
      /** Parsed Cookie header. */
      cookies: Record<string, string | undefined>;
    }
  }
}
