import type { Request } from 'express';
import { requireUser } from '../accounts/index.ts';
import { AppError } from '../platform/errors.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import { FavoritePage, FavoriteParams, FavoritesQuery } from './favorites.schemas.ts';
import type { FavoritesService } from './favorites.service.ts';

/** GET|PUT|DELETE /api/v1/favorites[/:productId] for the signed-in user. */
export function favoritesRoutes(service: FavoritesService): AnyRoute[] {
  const common = { tags: ['favorites'], before: [requireUser] };
  const userId = (req: Request) => {
    if (!req.auth) throw new AppError('NOT_SIGNED_IN', 'Sign in to do this.', { status: 401 });
    return req.auth.user.id;
  };
  return [
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/favorites',
      operationId: 'listFavorites',
      summary: 'Your favourites that are on sale now, most recently added first',
      query: FavoritesQuery,
      response: FavoritePage,
      errors: [400, 401],
      handler: async ({ query }, req, res) => {
        res.setHeader('cache-control', 'private, no-store');
        return service.list(userId(req), query);
      },
    }),
    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/favorites/:productId',
      operationId: 'addFavorite',
      summary: 'Add a published product to your favourites (idempotent)',
      params: FavoriteParams,
      status: 204,
      response: FavoritePage,
      errors: [400, 401, 404],
      handler: async ({ params }, req) => {
        await service.add(userId(req), params.productId);
      },
    }),
    defineRoute({
      ...common,
      method: 'delete',
      path: '/api/v1/favorites/:productId',
      operationId: 'removeFavorite',
      summary: 'Remove a product from your favourites (idempotent)',
      params: FavoriteParams,
      status: 204,
      response: FavoritePage,
      errors: [400, 401],
      handler: async ({ params }, req) => {
        await service.remove(userId(req), params.productId);
      },
    }),
  ];
}
