import type { Request } from 'express';
import { requireRole } from '../accounts/index.ts';
import { AppError } from '../platform/errors.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import {
  type Actor,
  type Scope,
  SetStockBody,
  Work,
  WorkIdParams,
  WorkPage,
  type WorksService,
} from '../studio/index.ts';
import {
  AddCollectionItemBody,
  AdjustStockBody,
  AdminCategory,
  AdminCategoryList,
  AdminCollection,
  AdminCollectionList,
  AdminProductsQuery,
  CategoryIdParams,
  CollectionIdParams,
  CollectionItemParams,
  CreateCategoryBody,
  CreateCollectionBody,
  SetCollectionItemsBody,
  UpdateCategoryBody,
  UpdateCollectionBody,
} from './admin.schemas.ts';
import type { AdminService } from './admin.service.ts';

export interface AdminRouteDeps {
  admin: AdminService;
  works: WorksService;
}

const ANY: Scope = { kind: 'admin' };

/** `/api/v1/admin/...` catalogue curation: galleries, categories, any product's stock and status. */
export function adminRoutes({ admin, works }: AdminRouteDeps): AnyRoute[] {
  const common = { tags: ['admin'], before: [requireRole('admin')] };
  const actorOf = (req: Request): Actor => {
    if (!req.auth) throw new AppError('NOT_SIGNED_IN', 'Sign in to do this.', { status: 401 });
    return { userId: req.auth.user.id, via: 'admin' };
  };

  return [
    // Galleries (collections)
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/admin/collections',
      operationId: 'adminListCollections',
      summary: 'Every gallery with its number of works',
      response: AdminCollectionList,
      errors: [401, 403],
      handler: () => admin.listCollections(),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/admin/collections',
      operationId: 'adminCreateCollection',
      summary: 'Create a gallery',
      body: CreateCollectionBody,
      status: 201,
      response: AdminCollection,
      errors: [400, 401, 403, 409],
      handler: ({ body }) => admin.createCollection(body),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/admin/collections/:id',
      operationId: 'adminGetCollection',
      summary: 'One gallery with its works in order, whatever their status',
      params: CollectionIdParams,
      response: AdminCollection,
      errors: [400, 401, 403, 404],
      handler: ({ params }) => admin.getCollection(params.id),
    }),
    defineRoute({
      ...common,
      method: 'patch',
      path: '/api/v1/admin/collections/:id',
      operationId: 'adminUpdateCollection',
      summary: 'Edit slug, title, description, featured flag or position of a gallery',
      params: CollectionIdParams,
      body: UpdateCollectionBody,
      response: AdminCollection,
      errors: [400, 401, 403, 404, 409],
      handler: ({ params, body }) => admin.updateCollection(params.id, body),
    }),
    defineRoute({
      ...common,
      method: 'delete',
      path: '/api/v1/admin/collections/:id',
      operationId: 'adminDeleteCollection',
      summary: 'Delete a gallery (its works stay in the shop)',
      params: CollectionIdParams,
      status: 204,
      response: AdminCollection,
      errors: [400, 401, 403, 404],
      handler: async ({ params }) => {
        await admin.deleteCollection(params.id);
      },
    }),
    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/admin/collections/:id/items',
      operationId: 'adminSetCollectionItems',
      summary:
        "Replace a gallery's works and their order in one step (all published, each once); nothing changes on refusal",
      params: CollectionIdParams,
      body: SetCollectionItemsBody,
      response: AdminCollection,
      errors: [400, 401, 403, 404, 409],
      handler: ({ params, body }) => admin.setItems(params.id, body.productIds),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/admin/collections/:id/items',
      operationId: 'adminAddCollectionItem',
      summary: 'Add one published work to a gallery, last or at a position',
      params: CollectionIdParams,
      body: AddCollectionItemBody,
      response: AdminCollection,
      errors: [400, 401, 403, 404, 409],
      handler: ({ params, body }) => admin.addItem(params.id, body.productId, body.position),
    }),
    defineRoute({
      ...common,
      method: 'delete',
      path: '/api/v1/admin/collections/:id/items/:productId',
      operationId: 'adminRemoveCollectionItem',
      summary: 'Remove a work from a gallery (idempotent); the rest close ranks',
      params: CollectionItemParams,
      status: 204,
      response: AdminCollection,
      errors: [400, 401, 403, 404],
      handler: async ({ params }) => {
        await admin.removeItem(params.id, params.productId);
      },
    }),

    // Categories
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/admin/categories',
      operationId: 'adminListCategories',
      summary: 'Every category with how many products use it',
      response: AdminCategoryList,
      errors: [401, 403],
      handler: () => admin.listCategories(),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/admin/categories',
      operationId: 'adminCreateCategory',
      summary: 'Create a category',
      body: CreateCategoryBody,
      status: 201,
      response: AdminCategory,
      errors: [400, 401, 403, 409, 422],
      handler: ({ body }) => admin.createCategory(body),
    }),
    defineRoute({
      ...common,
      method: 'patch',
      path: '/api/v1/admin/categories/:id',
      operationId: 'adminUpdateCategory',
      summary: 'Rename a category or change its position',
      params: CategoryIdParams,
      body: UpdateCategoryBody,
      response: AdminCategory,
      errors: [400, 401, 403, 404],
      handler: ({ params, body }) => admin.updateCategory(params.id, body),
    }),
    defineRoute({
      ...common,
      method: 'delete',
      path: '/api/v1/admin/categories/:id',
      operationId: 'adminDeleteCategory',
      summary: 'Delete a category no product or subcategory uses (else 409 CATEGORY_IN_USE)',
      params: CategoryIdParams,
      status: 204,
      response: AdminCategory,
      errors: [400, 401, 403, 404, 409],
      handler: async ({ params }) => {
        await admin.deleteCategory(params.id);
      },
    }),

    // Any product
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/admin/products',
      operationId: 'adminListProducts',
      summary: 'Every product in any status, newest first',
      query: AdminProductsQuery,
      response: WorkPage,
      errors: [400, 401, 403],
      handler: ({ query }) => works.list(ANY, query),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/admin/products/:id',
      operationId: 'adminGetProduct',
      summary: 'Any product with its images and stock',
      params: WorkIdParams,
      response: Work,
      errors: [400, 401, 403, 404],
      handler: ({ params }) => works.get(ANY, params.id),
    }),
    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/admin/products/:id/stock',
      operationId: 'adminSetStock',
      summary: 'Set stock on hand of any product (never below what is held: 409 STOCK_BELOW_HELD)',
      params: WorkIdParams,
      body: SetStockBody,
      response: Work,
      errors: [400, 401, 403, 404, 409, 422],
      handler: ({ params, body }, req) => works.setStock(ANY, params.id, body.onHand, actorOf(req)),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/admin/products/:id/stock/adjustments',
      operationId: 'adminAdjustStock',
      summary: 'Add or remove units with a reason (never below what is held: 409 STOCK_BELOW_HELD)',
      params: WorkIdParams,
      body: AdjustStockBody,
      response: Work,
      errors: [400, 401, 403, 404, 409],
      handler: ({ params, body }, req) =>
        works.adjustStock(ANY, params.id, body.delta, body.reason, actorOf(req)),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/admin/products/:id/unpublish',
      operationId: 'adminUnpublishProduct',
      summary: 'Take a published product off the shop (back to draft)',
      params: WorkIdParams,
      response: Work,
      errors: [400, 401, 403, 404],
      handler: ({ params }, req) => works.unpublish(ANY, params.id, actorOf(req)),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/admin/products/:id/archive',
      operationId: 'adminArchiveProduct',
      summary: 'Archive any product: off the shop, kept for orders',
      params: WorkIdParams,
      response: Work,
      errors: [400, 401, 403, 404],
      handler: ({ params }, req) => works.archive(ANY, params.id, actorOf(req)),
    }),
  ];
}
