import type { Response } from 'express';
import type { Config } from '../config.ts';
import type { Cache } from '../platform/cache/index.ts';
import type { Database } from '../platform/db/database.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import { catalogRepository } from './catalog.repository.ts';
import {
  ArtistProfile,
  ArtistQuery,
  ArtistSlugParams,
  Availability,
  AvailabilityQuery,
  CategoryList,
  CollectionList,
  CollectionPage,
  CollectionQuery,
  CollectionSlugParams,
  ListProductsQuery,
  PopularList,
  PopularQuery,
  ProductDetail,
  ProductPage,
  ProductRecommendations,
  ProductSlugParams,
  RecommendationsQuery,
} from './catalog.schemas.ts';
import { catalogService, type RenderedJson } from './catalog.service.ts';

/**
 * What the edge (and browsers) may do with catalogue reads that are the same
 * for everyone: keep them briefly. Pages are pre-rendered anyway; this only
 * absorbs bursts of island and client-side requests.
 */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=30';

/**
 * Live stock: a second in the browser, two at the edge, and a stale copy for
 * a few more seconds while the edge refreshes it. A burst of shoppers on one
 * page then costs the origin about one query per product set every 2 s.
 */
export const AVAILABILITY_CACHE_CONTROL = 'public, max-age=1, s-maxage=2, stale-while-revalidate=5';

/** What the catalogue needs from the app (a subset of FeatureDeps). */
export interface CatalogDeps {
  /** Its database schema names the catalogue's cache keys (shops and test runs sharing a Redis stay apart). */
  config: Config;
  /** Source of truth for every read; the only one behind /availability. */
  db: Database;
  /** Two-tier cache for every other read, invalidated through the CATALOG and product tags. */
  cache: Cache;
}

/**
 * Sends a cached read, serialised when it was cached. With the ETag already
 * set, Express skips hashing the body and still answers If-None-Match with
 * 304 (and HEAD without a body); a Buffer spares it re-parsing the content
 * type. The route's `response` schema still documents the body.
 */
function sendRendered(res: Response, rendered: RenderedJson): void {
  res.setHeader('cache-control', PUBLIC_CACHE_CONTROL);
  res.setHeader('etag', rendered.etag);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.send(Buffer.from(rendered.body));
}

export function catalogRoutes({ config, db, cache }: CatalogDeps): AnyRoute[] {
  const service = catalogService({
    repository: catalogRepository(db),
    cache,
    keyPrefix: `catalog:${config.database.schema}`,
  });
  const tags = ['catalog'];
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/products',
      operationId: 'listProducts',
      summary: 'Published products, filtered, sorted and cursor-paginated',
      tags,
      query: ListProductsQuery,
      response: ProductPage,
      errors: [400, 503],
      handler: async ({ query }, _req, res) => {
        sendRendered(res, await service.listProducts(query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/products/:slug',
      operationId: 'getProduct',
      summary: 'One published product with its images, attributes and stock state',
      tags,
      params: ProductSlugParams,
      response: ProductDetail,
      errors: [400, 404, 503],
      handler: async ({ params }, _req, res) => {
        sendRendered(res, await service.getProduct(params.slug));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/products/:slug/recommendations',
      operationId: 'getProductRecommendations',
      summary: 'More works by the same artist, and works that share a curated gallery with it',
      tags,
      params: ProductSlugParams,
      query: RecommendationsQuery,
      response: ProductRecommendations,
      errors: [400, 404, 503],
      handler: async ({ params, query }, _req, res) => {
        sendRendered(res, await service.recommendations(params.slug, query.limit));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/availability',
      operationId: 'getAvailability',
      summary:
        'Live stock state and current price of up to 100 products (unknown ids: unavailable)',
      tags,
      query: AvailabilityQuery,
      response: Availability,
      errors: [400, 503],
      handler: async ({ query }, _req, res) => {
        const availability = await service.availability(query.ids);
        res.setHeader('cache-control', AVAILABILITY_CACHE_CONTROL);
        return availability;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/collections',
      operationId: 'listCollections',
      summary: 'Curated galleries with published works: featured first, then in curated order',
      tags,
      response: CollectionList,
      errors: [503],
      handler: async (_input, _req, res) => {
        sendRendered(res, await service.listCollections());
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/collections/:slug',
      operationId: 'getCollection',
      summary: 'One curated gallery and its published works in curated order, cursor-paginated',
      tags,
      params: CollectionSlugParams,
      query: CollectionQuery,
      response: CollectionPage,
      errors: [400, 404, 503],
      handler: async ({ params, query }, _req, res) => {
        sendRendered(res, await service.getCollection(params.slug, query.limit, query.cursor));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/categories',
      operationId: 'listCategories',
      summary: 'Every category in display order, with its number of published products',
      tags,
      response: CategoryList,
      errors: [503],
      handler: async (_input, _req, res) => {
        sendRendered(res, await service.listCategories());
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/artists/:slug',
      operationId: 'getArtist',
      summary: 'An artist profile and the first page of their published works',
      tags,
      params: ArtistSlugParams,
      query: ArtistQuery,
      response: ArtistProfile,
      errors: [400, 404, 503],
      handler: async ({ params, query }, _req, res) => {
        sendRendered(res, await service.getArtist(params.slug, query.limit));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/popular',
      operationId: 'listPopular',
      summary: 'The most popular published works, by favourites and units sold',
      tags,
      query: PopularQuery,
      response: PopularList,
      errors: [400, 503],
      handler: async ({ query }, _req, res) => {
        sendRendered(res, await service.popular(query.limit));
      },
    }),
  ];
}
