import type { AnyRoute } from '../platform/http/api.ts';
import {
  type CatalogueWriteDeps,
  type CatalogueWriteOptions,
  createWorks,
} from '../studio/index.ts';
import { adminRoutes as routes } from './admin.routes.ts';
import { adminService } from './admin.service.ts';

export { type AdminService, adminService } from './admin.service.ts';

/**
 * `/api/v1/admin/...` catalogue curation (admin role): galleries, categories,
 * any product's stock and status. GET /api/v1/admin/users stays in accounts.
 */
export function adminRoutes(
  deps: CatalogueWriteDeps,
  options: CatalogueWriteOptions = {},
): AnyRoute[] {
  return routes({
    admin: adminService({ db: deps.db, changes: deps.changes }),
    works: createWorks(deps, options),
  });
}
