import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';

export type { Logger };

/** JSON logs on stdout; CloudWatch and local tools read them as they are. */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'origin' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        // Only what helps debugging: ORM errors carry the row they failed on
        // (password hashes included), so never serialise an error wholesale.
        err: (
          err: Error & {
            code?: unknown;
            cause?: unknown;
            parent?: { code?: unknown; constraint?: unknown };
          },
        ) => ({
          type: err.name,
          message: err.message,
          stack: err.stack,
          ...(err.code === undefined ? {} : { code: err.code }),
          ...(err.parent
            ? { db: { code: err.parent.code, constraint: err.parent.constraint } }
            : {}),
        }),
      },
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'req.headers["x-csrf-token"]',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
    },
    // Asynchronous, buffered writes: a slow log reader (a container log
    // driver, a pipe) must not stall request handling. pino flushes the
    // buffer when the process exits.
    pino.destination({ dest: 1, sync: false }),
  );
}

/** A request id from the caller when it looks sane (edge, ALB), else a new one. */
const REQUEST_ID = /^[A-Za-z0-9._:=-]{8,128}$/;

/** One log line per request, with a request id echoed in `x-request-id`. */
export function requestLogger(logger: Logger) {
  return pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    genReqId(req, res) {
      const incoming = req.headers['x-request-id'];
      const id =
        typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel(_req, res, err) {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    // Probes every few seconds would drown the log.
    autoLogging: {
      ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics',
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
