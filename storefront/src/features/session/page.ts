import type { ApiFailure, ApiResult, PageLocals } from '@vitrine/origin/pages';
import type { AstroGlobal } from 'astro';

/*
 * Helpers for the pages the origin renders (prerender = false): who is
 * signed in, reading a posted form, turning the API's answers into field
 * errors and words, and Post/Redirect/Get.
 */

export type Role = 'customer' | 'artist' | 'admin';
type User = NonNullable<PageLocals['user']>;

/** The page's locals; a page reached without the origin (a static build) has none. */
export function vitrine(astro: AstroGlobal): PageLocals {
  const locals = astro.locals.vitrine;
  if (!locals) throw new Error('this page is rendered by the origin (prerender = false)');
  return locals;
}

/**
 * The signed-in user, or a redirect to the login page that comes back here.
 * With roles, a user without one of them gets null and a 403 status: render
 * a "not for you" message then.
 */
export function requireUser(
  astro: AstroGlobal,
  roles?: readonly Role[],
): { user: User; allowed: boolean } | Response {
  const { user } = vitrine(astro);
  if (!user) {
    const next = astro.url.pathname + astro.url.search;
    return astro.redirect(`/login/?next=${encodeURIComponent(next)}`, 303);
  }
  const allowed = !roles || roles.includes(user.role);
  // Astro's types mark it read-only, yet setting the status during render is how a page answers 403.
  if (!allowed) (astro.response as { status: number }).status = 403;
  return { user, allowed };
}

/** A posted form (urlencoded or multipart), or null on GET. */
export async function readForm(astro: AstroGlobal): Promise<FormData | null> {
  if (astro.request.method !== 'POST') return null;
  return astro.request.formData();
}

/** A text field, trimmed; '' when absent. */
export function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** Only local paths are followed after login (no open redirect through `next`). */
export function safeNext(next: string | null | undefined, fallback = '/account/'): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return fallback;
  return next;
}

export interface FormProblem {
  /** One message for the form (top of the form, in a live region). */
  message: string | null;
  /** Messages by field name (`email`, `items.0.quantity` → `items.0.quantity`). */
  fields: Record<string, string>;
}

/** The API's VALIDATION_FAILED details become field errors keyed by body field. */
export function problemOf(result: ApiResult): FormProblem {
  if (result.ok) return { message: null, fields: {} };
  const failure = result.body as ApiFailure | null;
  const error = failure?.error;
  const fields: Record<string, string> = {};
  const details = error?.details as { fields?: { path: string; message: string }[] } | undefined;
  for (const f of details?.fields ?? []) {
    const key = f.path.replace(/^(body|query|params)\./, '');
    fields[key] ??= f.message;
  }
  const hasFields = Object.keys(fields).length > 0;
  return {
    message: hasFields
      ? 'Please correct the fields marked below.'
      : messageFor(error?.code, error?.message),
    fields,
  };
}

/** Words for the codes every page may meet; others keep the API's own message. */
export function messageFor(
  code: string | undefined,
  fallback = 'Something went wrong. Please try again.',
): string {
  switch (code) {
    case 'DATABASE_UNAVAILABLE':
      return 'The shop is having trouble right now. Nothing was changed; please try again in a minute.';
    case 'CSRF_TOKEN_MISSING':
    case 'CSRF_TOKEN_INVALID':
    case 'CROSS_SITE_REQUEST':
      return 'This form expired. Please submit it again.';
    case 'NOT_SIGNED_IN':
      return 'Please sign in again.';
    case 'TOO_MANY_ATTEMPTS':
      return 'Too many attempts. Please wait a few minutes and try again.';
    default:
      return fallback;
  }
}

/** Post/Redirect/Get: after a successful write, a 303 so a reload does not post again. */
export function seeOther(astro: AstroGlobal, path: string): Response {
  return astro.redirect(path, 303);
}
