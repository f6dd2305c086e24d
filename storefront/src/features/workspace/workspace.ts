import type { ApiFailure, ApiResult } from '@vitrine/origin/pages';
import type { AstroGlobal } from 'astro';
import { messageFor } from '../session/page.ts';
import type { OrderStatus, WorkImage, WorkStatus } from './api-types.ts';

/*
 * Shared by the studio and admin pages: words for statuses and API
 * refusals, slugs, thumbnails and the page's status code.
 */

/** Answers a page with `status` (a refused form: 4xx, so tools and tests see it too). */
export function setStatus(astro: AstroGlobal, status: number): void {
  // Astro's types mark it read-only, yet setting it during render is how a page picks its status.
  (astro.response as { status: number }).status = status;
}

export const WORK_STATUS: Record<WorkStatus, string> = {
  draft: 'Draft',
  published: 'Published',
  archived: 'Archived',
};

export const ORDER_STATUS: Record<OrderStatus, string> = {
  pending_payment: 'Awaiting payment',
  paid: 'Paid, to send',
  fulfilled: 'Sent',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
};

/** "Nocturne № 3, Blue" → "nocturne-3-blue": the URL name the API wants for galleries and categories. */
export function slugFrom(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/[æ]/g, 'ae')
    .replace(/[ø]/g, 'o')
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

/** A small picture of an image: the narrowest copy, sized to `width` (height kept in proportion). */
export function thumbnail(
  image: Pick<WorkImage, 'url' | 'width' | 'height' | 'variants'>,
  width: number,
): { src: string; width: number; height: number } {
  const source = image.variants[0] ?? image;
  return {
    src: source.url,
    width,
    height: Math.max(1, Math.round((width * image.height) / image.width)),
  };
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' }).format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(iso),
  );
}

function failureOf(result: ApiResult): ApiFailure['error'] | undefined {
  return (result.body as ApiFailure | null)?.error;
}

/**
 * The API's field messages read as the end of a sentence about the field
 * ("is required", "must be lower-case letters…"); a form shows whole ones.
 */
export function asSentences(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, message]) => [
      name,
      /^[a-z]/.test(message) ? `This ${message.replace(/\.$/, '')}.` : message,
    ]),
  );
}

/** The API's error code of a refused call. */
export function codeOf(result: ApiResult): string | undefined {
  return failureOf(result)?.code;
}

const megabytes = (bytes: number) =>
  `${(bytes / 1024 / 1024).toLocaleString('en-GB', { maximumFractionDigits: 1 })} MB`;

/** Why an image upload was refused, in words an artist can act on. */
export function uploadProblem(result: ApiResult): string {
  const error = failureOf(result);
  const details = (error?.details ?? {}) as {
    maxBytes?: number;
    width?: number;
    height?: number;
    maxDimension?: number;
    maxPixels?: number;
  };
  switch (error?.code) {
    case 'IMAGE_TOO_LARGE':
      return details.maxBytes
        ? `That file is too big: images can be up to ${megabytes(details.maxBytes)}. Export a smaller file and try again.`
        : 'That file is too big. Export a smaller file and try again.';
    case 'IMAGE_TOO_LARGE_DIMENSIONS':
      return details.width && details.height && details.maxDimension && details.maxPixels
        ? `That image has too many pixels: it is ${details.width} × ${details.height} px, and images can be up to ${details.maxDimension.toLocaleString('en-GB')} px on a side and ${Math.round(details.maxPixels / 1e6)} megapixels in all. Scale it down and try again.`
        : 'That image has too many pixels. Scale it down and try again.';
    case 'UNSUPPORTED_IMAGE_TYPE':
      return `That file is not a picture the shop accepts. ${error.message}`;
    case 'IMAGE_UNREADABLE':
      return 'That image could not be read; it may be damaged. Export it again and try again.';
    case 'TOO_MANY_IMAGES':
      return error.message;
    case 'PRODUCT_NOT_FOUND':
      return 'This work is no longer in your studio.';
    default:
      return messageFor(
        error?.code,
        error?.message ?? 'The image could not be uploaded. Please try again.',
      );
  }
}
