/*
 * Publishing: the catalogue export for the static build and the change feed
 * that tells a deploy which pages to rebuild. The storefront imports the
 * record schemas and the URL scheme from here.
 */
export {
  artistPath,
  categoryPath,
  galleryPath,
  HOME_LIST_SIZE,
  HOME_PATH,
  productPath,
  SITEMAP_PATH,
} from './publishing.pages.ts';
export { publishingRepository, type RepositoryOptions } from './publishing.repository.ts';
export { NDJSON, publishingRoutes } from './publishing.routes.ts';
export {
  ChangeEvent,
  ChangeFeed,
  ChangesQuery,
  Cursor,
  ExportArtist,
  ExportCategory,
  ExportCollection,
  ExportEnd,
  ExportHome,
  ExportImage,
  ExportProduct,
  ExportQuery,
  ExportRecord,
  ExportRemoved,
  ExportShop,
} from './publishing.schemas.ts';
export {
  DEFAULT_BATCH_SIZE,
  type ExportRequest,
  ndjson,
  type PublishingOptions,
  type PublishingService,
  parseCursor,
  publishingService,
} from './publishing.service.ts';
