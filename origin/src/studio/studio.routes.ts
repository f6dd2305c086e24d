import express, { type Request, type RequestHandler } from 'express';
import { requireRole } from '../accounts/index.ts';
import { AppError } from '../platform/errors.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import type { ImageLimits } from './studio.images.ts';
import type { Scope } from './studio.repository.ts';
import {
  CreateWorkBody,
  ListWorksQuery,
  ReorderImagesBody,
  SalesPage,
  SalesQuery,
  SetStockBody,
  UpdateImageBody,
  UpdateWorkBody,
  UploadImageQuery,
  Work,
  WorkIdParams,
  WorkImage,
  WorkImageParams,
  WorkImages,
  WorkPage,
} from './studio.schemas.ts';
import type { Actor, WorksService } from './studio.service.ts';

const ACCEPTED_TYPES = 'image/jpeg, image/png, image/webp, image/avif';

/**
 * Reads the raw request body (the image bytes) up to `maxBytes`. The
 * declared Content-Type is not trusted, so every type is read and the bytes
 * decide; a JSON body was already parsed by the app and is refused later.
 */
export function imageBody(maxBytes: number): RequestHandler {
  const parse = express.raw({ type: () => true, limit: maxBytes });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if ((err as { type?: unknown } | undefined)?.type === 'entity.too.large') {
        next(
          new AppError(
            'IMAGE_TOO_LARGE',
            `The image is larger than ${(maxBytes / 1024 / 1024).toFixed(1)} MB; export a smaller file and retry.`,
            { status: 413, details: { maxBytes }, cause: err },
          ),
        );
        return;
      }
      next(err);
    });
  };
}

function bytesOf(req: Request): Buffer {
  const body: unknown = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new AppError(
      'IMAGE_REQUIRED',
      `Send the image file itself as the request body (Content-Type one of ${ACCEPTED_TYPES}), not JSON or a form.`,
      { status: 400 },
    );
  }
  return body;
}

export interface StudioRouteDeps {
  works: WorksService;
  imageLimits: ImageLimits;
}

/** The studio: an artist's own works, their images and sales (`/api/v1/studio/...`). */
export function studioRoutes({ works, imageLimits }: StudioRouteDeps): AnyRoute[] {
  const artistOnly = requireRole('artist', 'admin');
  const userId = (req: Request) => {
    // requireRole ran first, so auth is set; this keeps the types honest.
    if (!req.auth) throw new AppError('NOT_SIGNED_IN', 'Sign in to do this.', { status: 401 });
    return req.auth.user.id;
  };
  const actorOf = (req: Request): Actor => ({ userId: userId(req), via: 'studio' });
  const scopeOf = async (req: Request): Promise<Scope> => ({
    kind: 'artist',
    artistId: (await works.artistOf(userId(req))).id,
  });
  const common = { tags: ['studio'], before: [artistOnly] };
  const maxMb = (imageLimits.maxBytes / 1024 / 1024).toFixed(1);

  return [
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/studio/products',
      operationId: 'listStudioWorks',
      summary: "The signed-in artist's works in every status, newest first",
      query: ListWorksQuery,
      response: WorkPage,
      errors: [400, 401, 403, 404],
      handler: async ({ query }, req) => works.list(await scopeOf(req), query),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/studio/products',
      operationId: 'createStudioWork',
      summary: 'Create a work as a draft; its slug is made from the title',
      body: CreateWorkBody,
      status: 201,
      response: Work,
      errors: [400, 401, 403, 404, 422],
      handler: async ({ body }, req) => {
        const artist = await works.artistOf(userId(req));
        return works.create(artist, body, actorOf(req));
      },
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/studio/products/:id',
      operationId: 'getStudioWork',
      summary: 'One of your works, with its images and stock',
      params: WorkIdParams,
      response: Work,
      errors: [400, 401, 403, 404],
      handler: async ({ params }, req) => works.get(await scopeOf(req), params.id),
    }),
    defineRoute({
      ...common,
      method: 'patch',
      path: '/api/v1/studio/products/:id',
      operationId: 'updateStudioWork',
      summary: 'Edit title, description, price, attributes or category of your work',
      params: WorkIdParams,
      body: UpdateWorkBody,
      response: Work,
      errors: [400, 401, 403, 404, 422],
      handler: async ({ params, body }, req) =>
        works.update(await scopeOf(req), params.id, body, actorOf(req)),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/studio/products/:id/publish',
      operationId: 'publishStudioWork',
      summary: 'Publish your work (it needs at least one image: 409 NEEDS_IMAGE)',
      params: WorkIdParams,
      response: Work,
      errors: [400, 401, 403, 404, 409],
      handler: async ({ params }, req) =>
        works.publish(await scopeOf(req), params.id, actorOf(req)),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/studio/products/:id/archive',
      operationId: 'archiveStudioWork',
      summary: 'Archive your work: off the shop, kept for orders; publish again to bring it back',
      params: WorkIdParams,
      response: Work,
      errors: [400, 401, 403, 404],
      handler: async ({ params }, req) =>
        works.archive(await scopeOf(req), params.id, actorOf(req)),
    }),
    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/studio/products/:id/stock',
      operationId: 'setStudioWorkStock',
      summary: 'Set the edition size / stock on hand; null stops tracking (digital only)',
      params: WorkIdParams,
      body: SetStockBody,
      response: Work,
      errors: [400, 401, 403, 404, 409, 422],
      handler: async ({ params, body }, req) =>
        works.setStock(await scopeOf(req), params.id, body.onHand, actorOf(req)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/studio/products/:id/images',
      operationId: 'uploadStudioWorkImage',
      summary: `Upload an image: the request body is the file itself (Content-Type ${ACCEPTED_TYPES}; at most ${maxMb} MB, ${imageLimits.maxDimension} px a side and ${(imageLimits.maxPixels / 1e6).toFixed(0)} megapixels). The bytes decide the type, not the header or a file name; SVG is refused. Stored re-encoded without metadata, with WebP variants for srcset, last in the work's gallery.`,
      tags: ['studio'],
      // The role check runs before the body is read, so strangers cannot make the origin buffer uploads.
      before: [artistOnly, imageBody(imageLimits.maxBytes)],
      rawBody: { contentTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/avif'] },
      params: WorkIdParams,
      query: UploadImageQuery,
      status: 201,
      response: WorkImage,
      errors: [400, 401, 403, 404, 409, 413, 415, 422],
      handler: async ({ params, query }, req) => {
        const bytes = bytesOf(req);
        return works.uploadImage(await scopeOf(req), params.id, bytes, query.alt, actorOf(req));
      },
    }),
    defineRoute({
      ...common,
      method: 'patch',
      path: '/api/v1/studio/products/:id/images/:imageId',
      operationId: 'updateStudioWorkImage',
      summary: "Change an image's alt text",
      params: WorkImageParams,
      body: UpdateImageBody,
      response: WorkImage,
      errors: [400, 401, 403, 404],
      handler: async ({ params, body }, req) =>
        works.updateImage(await scopeOf(req), params.id, params.imageId, body.alt, actorOf(req)),
    }),
    defineRoute({
      ...common,
      method: 'delete',
      path: '/api/v1/studio/products/:id/images/:imageId',
      operationId: 'deleteStudioWorkImage',
      summary:
        'Delete an image and its files (a published work keeps its last image: 409 NEEDS_IMAGE)',
      params: WorkImageParams,
      status: 204,
      response: Work,
      errors: [400, 401, 403, 404, 409],
      handler: async ({ params }, req) => {
        await works.deleteImage(await scopeOf(req), params.id, params.imageId, actorOf(req));
      },
    }),
    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/studio/products/:id/images/order',
      operationId: 'reorderStudioWorkImages',
      summary: 'Reorder the images of your work; the first is the cover',
      params: WorkIdParams,
      body: ReorderImagesBody,
      response: WorkImages,
      errors: [400, 401, 403, 404, 409],
      handler: async ({ params, body }, req) =>
        works.reorderImages(await scopeOf(req), params.id, body.imageIds, actorOf(req)),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/studio/sales',
      operationId: 'listStudioSales',
      summary:
        'Paid and fulfilled sales of your works: date, title, quantity, amount (no buyer data)',
      query: SalesQuery,
      response: SalesPage,
      errors: [400, 401, 403, 404],
      handler: async ({ query }, req) => {
        const artist = await works.artistOf(userId(req));
        return works.sales(artist.id, query);
      },
    }),
  ];
}
