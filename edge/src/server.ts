import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { basename, dirname } from 'node:path';
import { type Logger, pino } from 'pino';
import { writeViewerRequest } from './build.ts';
import { type EdgeConfig, EdgeConfigError, loadEdgeConfig } from './config.ts';
import { type Behaviour, behaviourFor, ORIGIN_IDS, RESPONSE_HEADERS } from './description.ts';
import {
  type CfRequest,
  type CfResponse,
  eventFromHttp,
  serialiseQuery,
  splitTarget,
  valuesOf,
} from './event.ts';
import { KvsError, readKvsFile } from './kvs.ts';
import { type KeyValueSource, type LoadedFunction, loadFunctionFile } from './runtime.ts';
import { createStaticOrigin, type StaticOrigin, sendStatic } from './static-origin.ts';
import { createTargetGroup, type HealthCheckOptions } from './targets.ts';

/*
 * The local edge: what CloudFront does in front of the shop, on a laptop.
 * Per request: choose the behaviour from the original path, run the very file
 * that is deployed as the viewer-request function, then answer from the
 * function, the static build (as S3 through OAC) or the app origin with only
 * the behaviour's cookies and headers. One log line per request.
 */

export interface EdgeServerOptions {
  port: number;
  host: string;
  /**
   * The app origin: one URL, or the targets of a load balancer in front of
   * several origins (round-robin; see `healthCheck`).
   */
  appOrigin: URL | readonly URL[];
  canaryOrigin: URL | null;
  staticDir: string;
  kvs: KeyValueSource;
  functionFile: string;
  logger: Logger;
  /** `scope` (default): one frozen context per function; `context`: a new one per request. */
  isolation?: 'context' | 'scope';
  /** Contexts kept ready in `context` isolation (default 32). */
  pool?: number;
  /** Seconds CloudFront waits for the origin's response (its default: 30). */
  originTimeoutS?: number;
  /** Health checks of the app targets when there are several (off by default). */
  healthCheck?: HealthCheckOptions;
}

export interface RunningEdge {
  server: Server;
  url: string;
  fn: LoadedFunction;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'trailer',
]);

/** Methods a proxy may send again after a keep-alive connection was reset under it. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

function viewerIp(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** CloudFront's request ids are 56 characters of base64url. */
function newRequestId(): string {
  return randomBytes(42).toString('base64url');
}

interface Outcome {
  behaviour: string;
  decision: string;
  origin?: string;
  /** The app target that answered, when the app origin has several. */
  target?: string;
  fnMs?: number;
  originMs?: number;
}

export async function startEdgeServer(options: EdgeServerOptions): Promise<RunningEdge> {
  const fn = loadFunctionFile(options.functionFile, {
    kvs: options.kvs,
    isolation: options.isolation ?? 'scope',
    pool: options.pool ?? 32,
  });
  const statics: StaticOrigin = createStaticOrigin(options.staticDir);
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  const originTimeoutMs = (options.originTimeoutS ?? 30) * 1000;
  const log = options.logger;

  const appTargets = createTargetGroup(
    options.appOrigin instanceof URL ? [options.appOrigin] : options.appOrigin,
    { ...(options.healthCheck ? { healthCheck: options.healthCheck } : {}), logger: log },
  );
  const balanced = !(options.appOrigin instanceof URL) && options.appOrigin.length > 1;
  const canary = options.canaryOrigin;
  /** The targets to try for a request to an origin, in order; null when it is not configured. */
  const origins: Record<string, () => URL[] | null> = {
    [ORIGIN_IDS.app]: () => appTargets.pick(),
    [ORIGIN_IDS.canary]: () => (canary ? [canary] : null),
    // Locally the origin serves uploads from MEDIA_DIR; in production /media/* is the media bucket.
    [ORIGIN_IDS.media]: () => appTargets.pick(),
  };

  const edgeHeaders = (requestId: string) => ({
    'x-amz-cf-id': requestId,
    'x-amz-cf-pop': 'LOCAL1-P1',
    via: '1.1 local.cloudfront.net (CloudFront)',
  });

  /** CloudFront's own error pages are small HTML documents. */
  const cloudfrontError = (
    res: ServerResponse,
    status: number,
    title: string,
    detail: string,
    requestId: string,
  ) => {
    const body = `<!DOCTYPE html><html><head><title>${status} ${title}</title></head><body><h1>${status} ${title}</h1><p>${detail}</p><p>Request ID: ${requestId}</p></body></html>`;
    res.writeHead(status, {
      'content-type': 'text/html',
      'content-length': Buffer.byteLength(body),
      'x-cache': 'Error from cloudfront',
      ...edgeHeaders(requestId),
    });
    res.end(body);
  };

  const sendFunctionResponse = (
    res: ServerResponse,
    response: CfResponse,
    requestId: string,
    head: boolean,
  ) => {
    const headers: OutgoingHttpHeaders = {
      'x-cache': 'FunctionGeneratedResponse from cloudfront',
      ...edgeHeaders(requestId),
    };
    for (const [name, field] of Object.entries(response.headers ?? {}))
      headers[name] = valuesOf(field).join(', ');
    const cookies = Object.entries(response.cookies ?? {}).flatMap(([name, field]) =>
      valuesOf(field).map(
        (value) => `${name}=${value}${field.attributes ? `; ${field.attributes}` : ''}`,
      ),
    );
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    const body =
      response.body === undefined
        ? Buffer.alloc(0)
        : typeof response.body === 'string'
          ? Buffer.from(response.body)
          : Buffer.from(
              response.body.data,
              response.body.encoding === 'base64' ? 'base64' : 'utf8',
            );
    headers['content-length'] = body.length;
    res.writeHead(response.statusCode, response.statusDescription, headers);
    res.end(head ? undefined : body);
  };

  const serveStatic = async (
    req: IncomingMessage,
    res: ServerResponse,
    request: CfRequest,
    behaviour: Behaviour,
    requestId: string,
  ): Promise<void> => {
    const viewer = {
      method: request.method,
      ifNoneMatch: req.headers['if-none-match'],
      acceptsGzip: /\bgzip\b/.test(req.headers['accept-encoding'] ?? ''),
    };
    const object = await statics.get(request.uri, viewer);
    const extra = { 'x-cache': 'Miss from cloudfront', ...edgeHeaders(requestId) };
    if (object) return sendStatic(res, object, extra);
    // S3 behind OAC: a missing key is 403; the behaviour may map it to a page.
    const mapping = behaviour.errorPages.find((e) => e.status === 403);
    const page = mapping
      ? await statics.get(mapping.page, { ...viewer, ifNoneMatch: undefined })
      : null;
    if (mapping && page) {
      res.statusCode = mapping.responseStatus;
      return sendStatic(
        res,
        {
          ...page,
          status: mapping.responseStatus as 200,
          headers: { ...page.headers, 'cache-control': `max-age=${mapping.ttl}` },
        },
        { ...extra, 'x-cache': 'Error from cloudfront' },
      );
    }
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`;
    res.writeHead(403, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(xml),
      'x-cache': 'Error from cloudfront',
      ...edgeHeaders(requestId),
    });
    res.end(request.method === 'HEAD' ? undefined : xml);
  };

  const proxy = (
    req: IncomingMessage,
    res: ServerResponse,
    request: CfRequest,
    behaviour: Behaviour,
    targets: readonly URL[],
    context: {
      requestId: string;
      viewerIp: string;
      rawQuery: string | undefined;
      originalQuery: string;
    },
    outcome: Outcome,
  ): Promise<void> =>
    new Promise((done) => {
      const headers: OutgoingHttpHeaders = {};
      // Only the behaviour's allow-listed viewer headers reach the origin.
      for (const name of behaviour.headers) {
        const field = request.headers[name];
        if (field) headers[name] = valuesOf(field).join(', ');
      }
      const viewerHost = headers.host;
      const cookies = behaviour.cookies.flatMap((name) => {
        const field = request.cookies[name];
        return field ? valuesOf(field).map((v) => `${name}=${v}`) : [];
      });
      if (cookies.length > 0) headers.cookie = cookies.join('; ');
      // Body framing always passes.
      if (req.headers['content-length'] !== undefined)
        headers['content-length'] = req.headers['content-length'];
      if (req.headers['transfer-encoding'] !== undefined)
        headers['transfer-encoding'] = req.headers['transfer-encoding'];
      const forwarded = req.headers['x-forwarded-for'];
      headers['x-forwarded-for'] = forwarded
        ? `${forwarded}, ${context.viewerIp}`
        : context.viewerIp;
      // The load balancer behind CloudFront adds these.
      headers['x-forwarded-proto'] = 'http';
      headers['x-amz-cf-id'] = context.requestId;
      headers.via = '1.1 local.cloudfront.net (CloudFront)';

      let query = '';
      if (behaviour.queryStrings === 'all') {
        const current = JSON.stringify(request.querystring);
        // Unchanged by the function: forward the viewer's query byte for byte.
        const raw =
          current === context.originalQuery
            ? (context.rawQuery ?? '')
            : serialiseQuery(request.querystring);
        query = raw ? `?${raw}` : '';
      }
      const started = performance.now();
      // The body read so far, kept while a retry on another target is still possible.
      let body: Buffer[] | null = targets.length > 1 ? [] : null;
      if (body) req.on('data', (chunk: Buffer) => body?.push(chunk));
      let upstream: ReturnType<typeof httpRequest> | undefined;
      res.on('close', () => {
        if (!res.writableFinished) upstream?.destroy();
      });

      const attempt = (index: number) => {
        const target = targets[index] as URL;
        if (balanced) outcome.target = target.host;
        let connected = false;
        let answered = false;
        const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
        const current = send(
          {
            protocol: target.protocol,
            hostname: target.hostname,
            port: target.port,
            method: request.method,
            path: `${target.pathname.replace(/\/$/, '')}${request.uri}${query}`,
            headers: { ...headers, host: viewerHost ?? target.host },
            agent: target.protocol === 'https:' ? undefined : agent,
            timeout: originTimeoutMs,
          },
          (answer) => {
            answered = true;
            body = null;
            outcome.originMs = performance.now() - started;
            const out: OutgoingHttpHeaders = {};
            const raw = answer.rawHeaders;
            for (let i = 0; i < raw.length; i += 2) {
              const name = (raw[i] ?? '').toLowerCase();
              if (HOP_BY_HOP.has(name)) continue;
              const value = raw[i + 1] ?? '';
              const prior = out[name];
              out[name] =
                prior === undefined
                  ? value
                  : ([] as string[]).concat(prior as string | string[], value);
            }
            res.writeHead(answer.statusCode ?? 502, answer.statusMessage, {
              ...out,
              'x-cache': 'Miss from cloudfront',
              ...edgeHeaders(context.requestId),
            });
            answer.pipe(res);
            answer.on('end', () => done());
            answer.on('error', () => {
              res.destroy();
              done();
            });
          },
        );
        upstream = current;
        current.on('socket', (socket) => {
          if (socket.connecting) socket.once('connect', () => (connected = true));
          else connected = true;
        });
        current.on('timeout', () => current.destroy(new Error('origin timeout')));
        current.on('error', (err: NodeJS.ErrnoException) => {
          const code = err.code ?? err.message;
          // Safe to send elsewhere: the origin never got the request (no connection),
          // or a kept-alive connection was closed under an idempotent request.
          const unseen =
            !connected ||
            (current.reusedSocket &&
              IDEMPOTENT.has(request.method) &&
              (code === 'ECONNRESET' || code === 'EPIPE'));
          const next = targets[index + 1];
          if (next && body && unseen && !answered && !res.headersSent && !res.destroyed) {
            outcome.decision += ` (retried: ${target.host} ${code})`;
            req.unpipe(current);
            attempt(index + 1);
            return;
          }
          outcome.originMs = performance.now() - started;
          if (!res.headersSent) {
            const timeout = err.message === 'origin timeout';
            outcome.decision += timeout ? ' (origin timeout)' : ` (origin unreachable: ${code})`;
            cloudfrontError(
              res,
              timeout ? 504 : 502,
              timeout ? 'Gateway Timeout' : 'Bad Gateway',
              timeout
                ? 'The origin did not answer in time.'
                : `CloudFront could not connect to the origin (${target.host}).`,
              context.requestId,
            );
          } else {
            res.destroy();
          }
          done();
        });
        // A retry first replays what the viewer already sent, then takes the rest as it comes.
        if (index > 0) for (const chunk of body ?? []) current.write(chunk);
        if (req.readableEnded) current.end();
        else req.pipe(current);
      };
      attempt(0);
    });

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    outcome: Outcome,
    requestId: string,
  ): Promise<void> => {
    const { path } = splitTarget(req.url ?? '/');
    const behaviour = behaviourFor(path.startsWith('/') ? path : `/${path}`);
    outcome.behaviour = behaviour.name;
    const method = req.method ?? 'GET';
    if (behaviour.methods === 'read' && method !== 'GET' && method !== 'HEAD') {
      outcome.decision = 'method not allowed';
      req.resume();
      return cloudfrontError(
        res,
        403,
        'ERROR',
        'This distribution is not configured to allow the HTTP request method that was used for this request.',
        requestId,
      );
    }
    const ip = viewerIp(req);
    const { event, rawQuery } = eventFromHttp(req, { requestId, viewerIp: ip });
    let request: CfRequest = event.request;
    let originId: string = behaviour.origin;
    outcome.decision = 'pass';
    if (behaviour.viewerRequest) {
      const result = await fn.invoke(event, { rawQuery });
      outcome.fnMs = result.ms;
      for (const line of result.logs) log.info({ rid: requestId, fn: line }, 'function log');
      if (result.kind === 'error') {
        outcome.decision = `function error: ${result.reason}`;
        req.resume();
        return cloudfrontError(
          res,
          result.status,
          result.status === 502 ? 'Bad Gateway' : 'Service Unavailable',
          result.status === 502
            ? 'The CloudFront function returned an invalid value.'
            : 'The CloudFront function failed.',
          requestId,
        );
      }
      if (result.kind === 'response') {
        const location = result.response.headers?.location?.value;
        outcome.decision = `${result.response.statusCode}${location ? ` → ${location}` : ''}`;
        req.resume();
        return sendFunctionResponse(res, result.response, requestId, method === 'HEAD');
      }
      request = result.request;
      if (request.uri !== event.request.uri) outcome.decision = `rewrite ${request.uri}`;
      if (result.origin) {
        if (result.origin.kind !== 'select') {
          outcome.decision = `unsupported origin change (${result.origin.kind})`;
          req.resume();
          return cloudfrontError(
            res,
            502,
            'Bad Gateway',
            'The local edge supports selectRequestOriginById only.',
            requestId,
          );
        }
        originId = result.origin.id;
        outcome.decision += ` origin=${originId}`;
      }
    }
    outcome.origin = originId;
    if (originId === ORIGIN_IDS.static) return serveStatic(req, res, request, behaviour, requestId);
    const targets = origins[originId]?.() ?? null;
    if (!targets) {
      req.resume();
      outcome.decision += ' (origin not configured)';
      return cloudfrontError(
        res,
        502,
        'Bad Gateway',
        `No origin with id ${originId} is configured.`,
        requestId,
      );
    }
    return proxy(
      req,
      res,
      request,
      behaviour,
      targets,
      {
        requestId,
        viewerIp: ip,
        rawQuery,
        originalQuery: JSON.stringify(event.request.querystring),
      },
      outcome,
    );
  };

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const started = performance.now();
    const requestId = newRequestId();
    const outcome: Outcome = { behaviour: '-', decision: '-' };
    // The response headers policy: what the origin or the function sends itself wins (writeHead).
    for (const [name, value] of Object.entries(RESPONSE_HEADERS)) res.setHeader(name, value);
    res.on('close', () => {
      log.info(
        {
          rid: requestId,
          method: req.method,
          url: req.url,
          behaviour: outcome.behaviour,
          decision: outcome.decision,
          origin: outcome.origin,
          target: outcome.target,
          status: res.statusCode,
          fn_ms: outcome.fnMs === undefined ? undefined : round(outcome.fnMs),
          origin_ms: outcome.originMs === undefined ? undefined : round(outcome.originMs),
          ms: round(performance.now() - started),
        },
        'edge',
      );
    });
    handle(req, res, outcome, requestId).catch((err: unknown) => {
      log.error({ err, rid: requestId }, 'edge failure');
      if (!res.headersSent)
        cloudfrontError(
          res,
          502,
          'Bad Gateway',
          'The edge failed to handle the request.',
          requestId,
        );
      else res.destroy();
    });
  });

  server.listen(options.port, options.host);
  await new Promise<void>((resolveListen, reject) => {
    server.once('listening', resolveListen);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    fn,
    url: `http://${host}:${address.port}`,
    async close() {
      appTargets.close();
      server.closeIdleConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** A store read from the KVS file and re-read when it changes, as a KVS update propagates. */
export function watchedKvs(file: string, logger: Logger): KeyValueSource & { close(): void } {
  let entries = readKvsFile(file);
  const reload = () => {
    try {
      entries = readKvsFile(file);
      logger.info({ file, keys: entries.size }, 'KeyValueStore reloaded');
    } catch (err) {
      logger.warn(
        { err: (err as Error).message },
        'KeyValueStore file unreadable; keeping the previous content',
      );
    }
  };
  // Watch the folder: the file is replaced by rename on every write.
  const watcher = watch(dirname(file), (_event, name) => {
    if (name === basename(file)) reload();
  });
  return {
    current: () => entries,
    close: () => watcher.close(),
  };
}

async function main(): Promise<void> {
  let config: EdgeConfig;
  try {
    config = loadEdgeConfig();
  } catch (err) {
    if (err instanceof EdgeConfigError) {
      console.error(`Invalid configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino(
    { level: config.logLevel, base: { service: 'edge' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ sync: false }),
  );
  const built = writeViewerRequest();
  let kvs: ReturnType<typeof watchedKvs>;
  try {
    kvs = watchedKvs(config.kvsFile, logger);
  } catch (err) {
    if (!(err instanceof KvsError)) throw err;
    console.error(
      `${err.message}\nThe edge needs the session keys in a KeyValueStore file: run \`npm start\` from the repository root, which writes it from SESSION_KEYS, or set EDGE_KVS_FILE.`,
    );
    process.exit(2);
  }
  const edge = await startEdgeServer({
    port: config.port,
    host: config.host,
    appOrigin: config.appOrigins,
    canaryOrigin: config.canaryOrigin,
    staticDir: config.staticDir,
    kvs,
    functionFile: built.file,
    logger,
    isolation: config.isolation,
    healthCheck: { intervalMs: config.healthCheckMs },
  });
  logger.info(
    {
      function: built.file,
      bytes: built.bytes,
      origin: config.appOrigins.map((u) => u.href).join(','),
      static: config.staticDir,
    },
    `edge listening on ${edge.url}`,
  );
  const stop = () => {
    kvs.close();
    edge.close().finally(() => {
      logger.flush();
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (import.meta.main) await main();
