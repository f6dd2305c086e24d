/*
 * Deterministic seed data for the shop: a whole catalogue (makers,
 * categories, products, stock, pictures, curated collections) for one of the
 * four kinds of shop, identical byte for byte on every run.
 */
export { buildCatalog, type Catalog, collectionCount, makerCount } from './catalog.ts';
export { renderImage } from './images.ts';
export { type SeedOptions, type SeedSummary, SeedTargetNotEmptyError, seedShop } from './seed.ts';
export { ATTRIBUTE_KEYS, isValidIsbn13, SHOP_DEFINITIONS, type Shop } from './shops.ts';
