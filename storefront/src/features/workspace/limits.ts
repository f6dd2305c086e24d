/**
 * The largest form a page accepts, in bytes: the adapter stops reading beyond
 * it (astro.config.ts). The biggest form is a studio image upload, which the
 * origin caps at IMAGE_MAX_BYTES (10 MiB by default); the adapter's own
 * default, 1 GiB, would let any signed-in artist make the origin buffer that much.
 */
export const PAGE_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
