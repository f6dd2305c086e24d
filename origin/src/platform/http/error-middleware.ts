import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { AppError, NotFoundError, UnavailableError } from '../errors.ts';

/** Errors thrown by express.json() (body-parser) carry a `type`. */
interface BodyParserError {
  type: string;
  status?: number;
}

const isBodyParserError = (err: unknown): err is BodyParserError =>
  typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string';

/** Maps anything thrown to the one error model. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isBodyParserError(err)) {
    switch (err.type) {
      case 'entity.parse.failed':
        return new AppError('MALFORMED_JSON', 'The request body is not valid JSON.', {
          status: 400,
          cause: err,
        });
      case 'entity.too.large':
        return new AppError(
          'BODY_TOO_LARGE',
          'The request body is larger than this endpoint accepts.',
          {
            status: 413,
            cause: err,
          },
        );
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new AppError('UNSUPPORTED_ENCODING', 'Send the body as UTF-8 JSON.', {
          status: 415,
          cause: err,
        });
      case 'request.aborted':
        return new AppError('REQUEST_ABORTED', 'The request was aborted by the client.', {
          status: 400,
          cause: err,
        });
    }
  }
  if (isDatabaseUnavailable(err)) {
    return new UnavailableError(
      'DATABASE_UNAVAILABLE',
      'The shop cannot reach its database right now. Please try again in a moment.',
      err,
    );
  }
  return new AppError('INTERNAL_ERROR', 'Something went wrong on our side.', {
    status: 500,
    operational: false,
    cause: err,
  });
}

/** Unknown /api routes answer JSON, never the HTML of a page router. */
export const apiNotFound: RequestHandler = (req) => {
  throw new NotFoundError('ROUTE_NOT_FOUND', `No API route matches ${req.method} ${req.path}.`);
};

export const errorMiddleware: ErrorRequestHandler = (err, req, res, next) => {
  const appError = toAppError(err);
  if (res.headersSent) {
    next(err);
    return;
  }
  if (!appError.operational || appError.status >= 500) {
    req.log?.error({ err: appError.cause ?? appError, code: appError.code }, appError.message);
  }
  res.set(appError.headers);
  res.status(appError.status).json({
    error: {
      code: appError.code,
      message: appError.message,
      ...(appError.details === undefined ? {} : { details: appError.details }),
    },
  });
};
