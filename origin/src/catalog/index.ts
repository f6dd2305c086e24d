export { catalogRoutes } from './catalog.routes.ts';
export type { ProductDetail, ProductPage, ProductSummary } from './catalog.schemas.ts';
