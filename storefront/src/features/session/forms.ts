import type { ApiCallOptions, ApiFailure, ApiResult, PageApi } from '@vitrine/origin/pages';
import type { AstroGlobal } from 'astro';
import { text } from './page.ts';

/*
 * Small pieces the session pages share beyond page.ts: secrets read as typed,
 * field messages as sentences, waits in words, and the status a re-rendered
 * form answers with.
 */

/** A field exactly as typed: passwords and card numbers are never trimmed or changed. */
export function untrimmed(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/**
 * The API words field problems as fragments ("must be an email address like
 * …", "is required"); under a label they read best as a sentence that names
 * the field: "Email must be an email address like …". Whole sentences pass.
 */
export function fieldMessage(label: string, message: string | undefined): string | undefined {
  if (!message) return undefined;
  const sentence = /^[a-z]/.test(message) ? `${label} ${message}` : message;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** "about 15 minutes", "a minute", "40 seconds": how long a throttled shopper waits. */
export function waitWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? '1 second' : `${s} seconds`;
  const minutes = Math.ceil(s / 60);
  return minutes === 1 ? 'a minute' : `about ${minutes} minutes`;
}

/** The code of a failed API answer (undefined for a success or a body that is not an error). */
export function codeOf(result: ApiResult): string | undefined {
  return result.ok ? undefined : (result.body as ApiFailure | null)?.error?.code;
}

/** The details of a failed API answer, as the page expects them to be shaped. */
export function detailsOf<T>(result: ApiResult): Partial<T> {
  const details = result.ok ? undefined : (result.body as ApiFailure | null)?.error?.details;
  return (details && typeof details === 'object' ? details : {}) as Partial<T>;
}

/**
 * The status of a page that shows a failed form again: 429 and 5xx keep
 * theirs (clients and monitors read them), any other refusal is 422.
 */
export function failedFormStatus(result: ApiResult): number {
  if (result.status === 429 || result.status >= 500) return result.status;
  return 422;
}

/** A throttled sign-in in words, with the wait the API gave (details or Retry-After). */
export function throttledMessage(result: ApiResult): string {
  const fromDetails = detailsOf<{ retryAfterSeconds: number }>(result).retryAfterSeconds;
  const fromHeader = Number(result.headers.get('retry-after'));
  const seconds =
    typeof fromDetails === 'number' ? fromDetails : Number.isFinite(fromHeader) ? fromHeader : 900;
  return `Too many attempts. To protect the account, signing in is paused: please wait ${waitWords(seconds)} and try again.`;
}

/** The status of the page being rendered (a refused form, a missing order). */
export function setStatus(astro: AstroGlobal, status: number): void {
  // Astro's types mark it read-only, yet setting it during render is how a page answers 4xx.
  (astro.response as { status: number }).status = status;
}

/**
 * A write on behalf of a posted form, with the token the form carried. A form
 * without one (a stale page, a forged post) gets the API's own refusal
 * instead of a call that could not be signed.
 */
export function submitForm(
  api: PageApi,
  form: FormData,
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: Omit<ApiCallOptions, 'csrf'> = {},
): Promise<ApiResult> {
  const csrf = text(form, 'csrf');
  if (!csrf) {
    return Promise.resolve({
      status: 403,
      ok: false,
      body: { error: { code: 'CSRF_TOKEN_MISSING', message: 'The form carried no CSRF token.' } },
      headers: new Headers(),
    });
  }
  return api.call(method, path, { ...options, csrf });
}
