export { type CatalogDeps, catalogRoutes } from './catalog.routes.ts';
export {
  type Availability,
  Money,
  type ProductDetail,
  type ProductPage,
  type ProductSummary,
  type StockState,
} from './catalog.schemas.ts';
export { LOW_STOCK_THRESHOLD, stockState } from './catalog.service.ts';
export { CATALOG, productTag, productWriteTags } from './catalog.tags.ts';
