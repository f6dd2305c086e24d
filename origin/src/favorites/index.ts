import type { AnyRoute } from '../platform/http/api.ts';
import { type CatalogueWriteDeps, type CatalogueWriteOptions, storageOf } from '../studio/index.ts';
import { favoritesRoutes as routes } from './favorites.routes.ts';
import { favoritesService } from './favorites.service.ts';

export {
  DEFAULT_POPULARITY_REFRESH_MS,
  type FavoritesService,
  favoritesService,
} from './favorites.service.ts';

/** Options of the favourites feature. */
export interface FavoritesOptions extends CatalogueWriteOptions {
  /** See FavoritesDeps.popularityRefreshMs (FAVORITES_POPULARITY_REFRESH_MS); default 30 s. */
  popularityRefreshMs?: number;
}

/** GET|PUT|DELETE /api/v1/favorites[/:productId] (signed-in users). */
export function favoritesRoutes(
  deps: CatalogueWriteDeps,
  options: FavoritesOptions = {},
): AnyRoute[] {
  return routes(
    favoritesService({
      db: deps.db,
      changes: deps.changes,
      clock: deps.clock,
      storage: storageOf(deps, options),
      ...(options.popularityRefreshMs === undefined
        ? {}
        : { popularityRefreshMs: options.popularityRefreshMs }),
    }),
  );
}
