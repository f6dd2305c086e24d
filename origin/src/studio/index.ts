import type { Config } from '../config.ts';
import type { ChangeWriter } from '../platform/changes.ts';
import type { Database } from '../platform/db/database.ts';
import type { AnyRoute } from '../platform/http/api.ts';
import type { Logger } from '../platform/logging.ts';
import { createLocalStorage, type Storage } from '../platform/storage/index.ts';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './studio.images.ts';
import { studioRoutes as routes } from './studio.routes.ts';
import { type WorksService, worksService } from './studio.service.ts';

export {
  DEFAULT_IMAGE_LIMITS,
  type ImageLimits,
  processImage,
  VARIANT_WIDTHS,
} from './studio.images.ts';
export type { Scope } from './studio.repository.ts';
export {
  IdParam,
  ListWorksQuery,
  SetStockBody,
  Stock,
  Work,
  WorkIdParams,
  WorkPage,
  WorkSummary,
} from './studio.schemas.ts';
export {
  type Actor,
  MAX_IMAGES_PER_WORK,
  type WorksService,
  worksService,
} from './studio.service.ts';
export { slugify } from './studio.slug.ts';

/** What the catalogue write features need from createApp (a subset of FeatureDeps). */
export interface CatalogueWriteDeps {
  config: Pick<Config, 'mediaDir'>;
  logger: Logger;
  db: Database;
  changes: ChangeWriter;
  clock: () => number;
}

/** Options of the studio, admin and favourites features. */
export interface CatalogueWriteOptions {
  /**
   * Where uploaded images are stored and served from. Default: the local
   * MEDIA_DIR, which app.ts serves at /media. Production passes
   * `createStorage(config.storage)` (S3).
   */
  storage?: Storage;
  /** Upload limits (IMAGE_MAX_BYTES, IMAGE_MAX_DIMENSION, IMAGE_MAX_PIXELS); defaults in DEFAULT_IMAGE_LIMITS. */
  imageLimits?: Partial<ImageLimits>;
}

/** The storage an option names, else the local media folder. */
export function storageOf(deps: CatalogueWriteDeps, options: CatalogueWriteOptions): Storage {
  return options.storage ?? createLocalStorage({ dir: deps.config.mediaDir, publicPath: '/media' });
}

/** The works service (shared by the studio and the admin catalogue routes). */
export function createWorks(
  deps: CatalogueWriteDeps,
  options: CatalogueWriteOptions = {},
): WorksService {
  return worksService({
    db: deps.db,
    changes: deps.changes,
    clock: deps.clock,
    logger: deps.logger,
    storage: storageOf(deps, options),
    imageLimits: { ...DEFAULT_IMAGE_LIMITS, ...options.imageLimits },
  });
}

/** `/api/v1/studio/...`: an artist's own works, images and sales. */
export function studioRoutes(
  deps: CatalogueWriteDeps,
  options: CatalogueWriteOptions = {},
): AnyRoute[] {
  return routes({
    works: createWorks(deps, options),
    imageLimits: { ...DEFAULT_IMAGE_LIMITS, ...options.imageLimits },
  });
}
