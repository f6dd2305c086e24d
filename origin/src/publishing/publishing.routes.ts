import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { requireRole } from '../accounts/index.ts';
import type { Config } from '../config.ts';
import type { Database } from '../platform/db/database.ts';
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

export function publishingRoutes({ db, config }: { db: Database; config: Config }): AnyRoute[] {
  const service = publishingService(publishingRepository(db), { defaultShop: config.seed.shop });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/catalog/export',
      operationId: 'exportCatalog',
      summary:
        'The whole published catalogue for the static build, streamed as NDJSON (admins only)',
      tags: ['admin', 'publishing'],
      before: [requireRole('admin')],
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
      summary: 'Catalogue changes after a cursor and the pages they made stale (admins only)',
      tags: ['admin', 'publishing'],
      before: [requireRole('admin')],
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
