import type { Database } from '../platform/db/database.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import { catalogRepository } from './catalog.repository.ts';
import {
  ListProductsQuery,
  ProductDetail,
  ProductPage,
  ProductSlugParams,
} from './catalog.schemas.ts';
import { catalogService } from './catalog.service.ts';

export function catalogRoutes({ db }: { db: Database }): AnyRoute[] {
  const service = catalogService(catalogRepository(db));
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/products',
      operationId: 'listProducts',
      summary: 'Published products, newest first, cursor-paginated',
      tags: ['catalog'],
      query: ListProductsQuery,
      response: ProductPage,
      errors: [400, 503],
      handler: ({ query }) => service.listProducts(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/products/:slug',
      operationId: 'getProduct',
      summary: 'One published product with its images, attributes and stock state',
      tags: ['catalog'],
      params: ProductSlugParams,
      response: ProductDetail,
      errors: [400, 404, 503],
      handler: ({ params }) => service.getProduct(params.slug),
    }),
  ];
}
