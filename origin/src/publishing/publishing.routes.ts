import { createHash, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import { requireRole } from '../accounts/index.ts';
import type { Config } from '../config.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import { publishingRepository } from './publishing.repository.ts';
import { ChangeFeed, ChangesQuery, ExportQuery, ExportRecord } from './publishing.schemas.ts';
import { ndjson, publishingService } from './publishing.service.ts';

export const NDJSON = 'application/x-ndjson';

/**
 * Streams the records with backpressure: the next batch is read from the
 * database only as fast as the client takes the previous one. A stream that
 * fails half-way cannot change its 200 any more: pipeline has cut the
 * connection, the missing `end` record tells the reader, and the log says why.
 */
async function sendNdjson(
  req: Request,
  res: Response,
  records: AsyncIterable<ExportRecord>,
): Promise<void> {
  res.status(200);
  res.setHeader('content-type', `${NDJSON}; charset=utf-8`);
  res.setHeader('cache-control', 'private, no-store');
  try {
    await pipeline(Readable.from(ndjson(records)), res);
  } catch (err) {
    // A client that went away is not an error; the snapshot is closed either way.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
      req.log?.error({ err }, 'catalogue export failed half-way; the response was cut');
  }
}

/**
 * Admins, or the storefront build with the export token (CATALOG_EXPORT_TOKEN
 * as `Authorization: Bearer …`): a deploy pipeline reads the catalogue
 * without anyone's session. Compared as SHA-256 digests in constant time.
 */
function adminOrBuild(token: string | null): RequestHandler {
  const admin = requireRole('admin');
  const expected = token ? createHash('sha256').update(token).digest() : null;
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    if (expected && header.startsWith('Bearer ')) {
      const given = createHash('sha256').update(header.slice(7)).digest();
      if (timingSafeEqual(given, expected)) return next();
      throw new AppError('EXPORT_TOKEN_INVALID', 'The export token is not valid.', { status: 401 });
    }
    return admin(req, res, next);
  };
}

export function publishingRoutes({ db, config }: { db: Database; config: Config }): AnyRoute[] {
  const service = publishingService(publishingRepository(db), { defaultShop: config.seed.shop });
  const allowed = adminOrBuild(config.catalogExportToken);
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/catalog/export',
      operationId: 'exportCatalog',
      summary:
        'The whole published catalogue for the static build, streamed as NDJSON (admins, or the build with the export token)',
      tags: ['admin', 'publishing'],
      before: [allowed],
      query: ExportQuery,
      response: ExportRecord,
      contentType: NDJSON,
      errors: [400, 401, 403, 409, 503],
      handler: async ({ query }, req, res) => {
        const records = await service.openExport({ since: query.since });
        await sendNdjson(req, res, records);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/changes',
      operationId: 'listCatalogChanges',
      summary:
        'Catalogue changes after a cursor and the pages they made stale (admins, or the build with the export token)',
      tags: ['admin', 'publishing'],
      before: [allowed],
      query: ChangesQuery,
      response: ChangeFeed,
      errors: [400, 401, 403, 409, 503],
      handler: async ({ query }, _req, res) => {
        res.setHeader('cache-control', 'private, no-store');
        return service.changes(query);
      },
    }),
  ];
}
