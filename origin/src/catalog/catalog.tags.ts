/*
 * Cache tags of the catalogue. Reads tag what they cache; writes (through the
 * change writer) invalidate the tags of what they touched.
 *
 * Writes are rare next to reads in a shop, so every catalogue write also
 * invalidates CATALOG, which every list-like read (product lists, collections,
 * categories, artist pages, popular works, recommendations) carries. Product
 * detail is tagged by product only, so a write to one work does not empty the
 * detail cache of the others.
 */
export const CATALOG = 'catalog';
export const productTag = (productId: number) => `product:${productId}`;
/** Tags a write to one product must invalidate. */
export const productWriteTags = (productId: number) => [CATALOG, productTag(productId)];
