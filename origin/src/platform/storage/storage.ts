/**
 * Where uploaded media lives. Keys are relative, lower-case paths such as
 * `works/42/3f9c…/w960.webp`; every key is written once and never
 * overwritten (a new upload gets a new key), so objects can be served with
 * an immutable, year-long cache lifetime.
 */
export interface Storage {
  /** Stores `bytes` under `key` with the given media type. */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** Removes the object; a key that does not exist is not an error. */
  delete(key: string): Promise<void>;
  /** The address a browser fetches the object from (relative to the shop or absolute). */
  url(key: string): string;
}

/** Lifetime sent with every stored object: keys are never reused, so a year and immutable. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/*
 * The same rule as product_images.storage_key's CHECK: no leading slash, no
 * upper case, no `..`, so a key can never step outside the media folder or
 * the bucket prefix.
 */
const KEY = /^[a-z0-9][a-z0-9/._-]*$/;

export class InvalidStorageKeyError extends Error {
  constructor(key: string) {
    super(
      `invalid storage key ${JSON.stringify(key)}: use lower-case a-z, 0-9, / . _ - and no ".."`,
    );
    this.name = 'InvalidStorageKeyError';
  }
}

/** Throws unless `key` is a safe relative key. */
export function assertStorageKey(key: string): void {
  if (!KEY.test(key) || key.includes('..') || key.includes('//') || key.length > 512)
    throw new InvalidStorageKeyError(key);
}

/** `base` + `/` + `key` with exactly one slash between them. */
export function joinUrl(base: string, key: string): string {
  return `${base.replace(/\/+$/, '')}/${key}`;
}
