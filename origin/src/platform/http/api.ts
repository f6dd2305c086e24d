import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi';
import { type FieldProblem, ValidationError } from '../errors.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The error body every failure answers with; referenced by each operation. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({
    id: 'ErrorResponse',
    description: 'Every error: a stable code and a message a person can act on.',
  });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Request understood but refused',
  429: 'Too many requests',
  500: 'Unexpected server error',
  503: 'A dependency is unavailable; retry later',
};

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B, H = undefined> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  headers: Out<H>;
}

/**
 * One route: its schemas drive both request validation and the OpenAPI
 * document, so the two cannot disagree.
 */
export interface RouteDefinition<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema = Schema,
  H extends Schema | undefined = undefined,
> {
  method: Method;
  /** Express path syntax (`/api/v1/products/:slug`). */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /**
   * A body that is a file, not JSON (an image upload): the media types it
   * accepts, for the document. The route's `before` middleware reads it.
   */
  rawBody?: { contentTypes: readonly string[] };
  /** Request headers the route reads (lower-case names), validated and documented. */
  headers?: H;
  /** Success status; 204 sends no body. */
  status?: number;
  /** Schema of the success body. */
  response: R;
  /** Media type of the success body; JSON unless said otherwise. */
  contentType?: string;
  /** Middleware run before validation: authentication and role checks. */
  before?: RequestHandler[];
  /** Error statuses this route can answer with (ErrorResponse body), besides 500. */
  errors?: number[];
  /** Other documented outcomes with a body of their own (readiness 503). */
  extraResponses?: Record<number, Schema>;
  /**
   * Returns the success body. It may set `res.status()` itself for a
   * documented extra response, or send the response itself.
   */
  handler: (
    input: RouteInput<P, Q, B, H>,
    req: Request,
    res: Response,
    // biome-ignore lint/suspicious/noConfusingVoidType: a 204 handler returns nothing
  ) => Promise<z.input<R> | void>;
}

/** Type helper: infers the generics from the literal so handlers are typed. */
export function defineRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema = Schema,
  H extends Schema | undefined = undefined,
>(route: RouteDefinition<P, Q, B, R, H>): RouteDefinition<P, Q, B, R, H> {
  return route;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of routes of different shapes
export type AnyRoute = RouteDefinition<any, any, any, any, any>;

function problemsOf(where: string, error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function parsePart(
  where: string,
  schema: Schema | undefined,
  value: unknown,
  problems: FieldProblem[],
) {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  problems.push(...problemsOf(where, result.error));
  return undefined;
}

function toHandler(route: AnyRoute): RequestHandler {
  const status = route.status ?? 200;
  return async (req, res) => {
    const problems: FieldProblem[] = [];
    const input = {
      params: parsePart('params', route.params, req.params, problems),
      query: parsePart('query', route.query, req.query, problems),
      body: parsePart('body', route.body, req.body ?? {}, problems),
      headers: parsePart('headers', route.headers, req.headers, problems),
    };
    if (problems.length > 0) throw new ValidationError(problems);
    const result = await route.handler(input, req, res);
    if (res.headersSent) return;
    // Express starts every response at 200; anything else was chosen by the handler.
    const code = res.statusCode === 200 ? status : res.statusCode;
    if (code === 204) {
      res.status(204).end();
    } else if (route.contentType && route.contentType !== 'application/json') {
      res.status(code).type(route.contentType).send(result);
    } else {
      res.status(code).json(result);
    }
  };
}

/** Registers each route on the router (Express 5 forwards rejections to the error middleware). */
export function mountRoutes(router: Router, routes: readonly AnyRoute[]): void {
  for (const route of routes)
    router[route.method](route.path, ...(route.before ?? []), toHandler(route));
}

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export interface OpenApiOptions {
  /**
   * Error statuses the middleware in front of the routes can answer with for
   * a route (the CSRF check, the JSON body parser), so every operation lists
   * them without each route repeating them.
   */
  commonErrors?: (route: AnyRoute) => readonly number[];
}

/** OpenAPI 3.1 document generated from the same definitions that serve requests. */
export function buildOpenApiDocument(
  routes: readonly AnyRoute[],
  info: { title: string; version: string },
  options: OpenApiOptions = {},
) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const errorStatuses = [
      ...new Set([...(route.errors ?? []), ...(options.commonErrors?.(route) ?? []), 500]),
    ].sort((a, b) => a - b);
    const responses: Record<string, unknown> = {
      [String(route.status ?? 200)]:
        route.status === 204
          ? { description: 'Done' }
          : {
              description: 'Success',
              content: { [route.contentType ?? 'application/json']: { schema: route.response } },
            },
    };
    for (const [code, schema] of Object.entries(route.extraResponses ?? {})) {
      responses[code] = {
        description: ERROR_DESCRIPTIONS[Number(code)] ?? 'Other outcome',
        content: { 'application/json': { schema } },
      };
    }
    for (const code of errorStatuses) {
      if (responses[String(code)]) continue;
      responses[String(code)] = {
        description: ERROR_DESCRIPTIONS[code] ?? 'Error',
        content: { 'application/json': { schema: ErrorResponse } },
      };
    }
    const key = toOpenApiPath(route.path);
    paths[key] ??= {};
    Object.assign(paths[key], {
      [route.method]: {
        operationId: route.operationId,
        summary: route.summary,
        tags: route.tags,
        requestParams: {
          ...(route.params ? { path: route.params } : {}),
          ...(route.query ? { query: route.query } : {}),
          ...(route.headers ? { header: route.headers } : {}),
        },
        ...(route.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: route.body } },
              },
            }
          : {}),
        ...(route.rawBody
          ? {
              requestBody: {
                required: true,
                content: Object.fromEntries(
                  route.rawBody.contentTypes.map((type) => [
                    type,
                    { schema: z.string().meta({ format: 'binary' }) },
                  ]),
                ),
              },
            }
          : {}),
        responses,
      },
    });
  }
  return createDocument({ openapi: '3.1.0', info, paths });
}
