import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import * as acorn from 'acorn';
import {
  type CfEvent,
  type CfMap,
  type CfRequest,
  type CfResponse,
  serialiseQuery,
} from './event.ts';
import { checkFunctionSource, formatFinding } from './gate.ts';

/*
 * An emulator of the cloudfront-js-2.0 runtime (EDGE-RUNTIME.md, "What a
 * faithful local emulator does"): the deployed file is gated at load, then each
 * invocation runs in a fresh node:vm context holding only the documented
 * globals, the `cloudfront` and `crypto` modules, a Date frozen at the start of
 * the invocation, a one-argument console.log and no code generation.
 * Contexts are prepared ahead of use while the server is idle, so isolation
 * costs little latency.
 */

export type OriginChange =
  | { kind: 'select'; id: string }
  | { kind: 'update'; params: unknown }
  | { kind: 'group'; params: unknown };

export type Invocation =
  | { kind: 'request'; request: CfRequest; origin: OriginChange | null; logs: string[]; ms: number }
  | { kind: 'response'; response: CfResponse; logs: string[]; ms: number }
  /** CloudFront's own answer when the function fails: 503 execution error, 502 invalid output. */
  | { kind: 'error'; status: 502 | 503; reason: string; logs: string[]; ms: number };

/** The store the function reads; swapped whole when the file changes, as a KVS update propagates. */
export interface KeyValueSource {
  current(): ReadonlyMap<string, string>;
}

export class FunctionRejected extends Error {
  override name = 'FunctionRejected';
}

/** The runtime-2.0 globals (EDGE-RUNTIME.md); every other global is removed from the context. */
const ES_GLOBALS = [
  'Object',
  'Array',
  'String',
  'Number',
  'Boolean',
  'Math',
  'JSON',
  'Date',
  'RegExp',
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
  'Promise',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'encodeURI',
  'encodeURIComponent',
  'decodeURI',
  'decodeURIComponent',
  'escape',
  'unescape',
  'undefined',
  'NaN',
  'Infinity',
  'ArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
];

/** Statics that exist in V8 but are not documented for the runtime. */
const REMOVED_STATICS: Record<string, string[]> = {
  Array: ['from', 'of'],
  Object: ['fromEntries', 'hasOwn', 'groupBy'],
  Promise: ['allSettled', 'any', 'withResolvers'],
  String: ['raw'],
};

/** Runs first in every context: strips it to the runtime's globals and freezes Date. */
const PRELUDE = new vm.Script(
  `(function (keep, removedStatics) {
  'use strict';
  var g = globalThis;
  return function setup(state, host) {
    var RealDate = g.Date;
    function Date(...args) {
      if (!new.target) return new RealDate(state.now).toString();
      return args.length === 0 ? new RealDate(state.now) : new RealDate(...args);
    }
    Date.prototype = RealDate.prototype;
    Date.now = function now() { return state.now; };
    Date.UTC = RealDate.UTC;
    Date.parse = RealDate.parse;
    Object.defineProperty(RealDate.prototype, 'constructor', { value: Date, writable: true, configurable: true });
    for (var owner in removedStatics) {
      removedStatics[owner].forEach(function (name) { delete g[owner][name]; });
    }
    var parse = g.JSON.parse;
    Object.getOwnPropertyNames(g).forEach(function (name) {
      if (keep.indexOf(name) < 0) delete g[name];
    });
    g.Date = Date;
    Object.keys(host).forEach(function (name) {
      Object.defineProperty(g, name, { value: host[name], writable: false, configurable: false });
    });
    return parse;
  };
})`,
  { filename: 'cloudfront-runtime-prelude.js' },
);

const FORBIDDEN_HEADER =
  /^(connection|expect|keep-alive|proxy-.*|trailer|upgrade|x-accel-.*|x-amz-cf-.*|x-cache|x-edge-.*|x-forwarded-proto|x-real-ip)$/;
const READ_ONLY_HEADERS = ['content-length', 'host', 'transfer-encoding', 'via'];
const HASHES = new Set(['md5', 'sha1', 'sha256']);
const DIGESTS = new Set(['hex', 'base64', 'base64url']);

interface Digestible {
  update(data: string): Digestible;
  digest(encoding: string): string;
}

function restricted(hash: ReturnType<typeof createHash>): Digestible {
  const api: Digestible = {
    update(data) {
      hash.update(data);
      return api;
    },
    digest(encoding) {
      if (!DIGESTS.has(encoding))
        throw new Error(`digest encoding must be hex, base64 or base64url`);
      return hash.digest(encoding as 'hex');
    },
  };
  return api;
}

/** The runtime's `crypto` module: hashes and HMACs only, no randomness, no timingSafeEqual. */
const cryptoModule = Object.freeze({
  createHash(algorithm: string) {
    if (!HASHES.has(algorithm))
      throw new Error(`hash ${algorithm} is not supported (md5, sha1, sha256)`);
    return restricted(createHash(algorithm));
  },
  createHmac(algorithm: string, key: string) {
    if (!HASHES.has(algorithm))
      throw new Error(`hmac ${algorithm} is not supported (md5, sha1, sha256)`);
    return restricted(createHmac(algorithm, key) as unknown as ReturnType<typeof createHash>);
  },
});

interface State {
  now: number;
  logs: string[];
  origin: OriginChange | null;
}

interface Prepared {
  state: State;
  parse: (text: string) => unknown;
  handler: (event: unknown) => unknown;
}

export interface LoadedFunction {
  /** Bytes of the loaded file. */
  bytes: number;
  invoke(event: CfEvent, options?: { now?: number; rawQuery?: string }): Promise<Invocation>;
}

export interface LoadOptions {
  kvs: KeyValueSource;
  /** Contexts kept ready; 0 prepares each one on demand. */
  pool?: number;
  /** A function that has not settled after this long fails as CloudFront's would (503). */
  timeoutMs?: number;
}

/** Loads the deployed file, refusing it (FunctionRejected) when the gate finds anything. */
export function loadFunctionFile(file: string, options: LoadOptions): LoadedFunction {
  return loadFunction(readFileSync(file, 'utf8'), file, options);
}

export function loadFunction(source: string, name: string, options: LoadOptions): LoadedFunction {
  const findings = checkFunctionSource(source);
  if (findings.length > 0) {
    throw new FunctionRejected(
      `${name} is not a valid cloudfront-js-2.0 function:\n${findings.map((f) => `  ${formatFinding(name, f)}`).join('\n')}`,
    );
  }
  // The two module imports become bindings the context provides; blanking them keeps line numbers.
  const modules: Record<string, unknown> = {};
  let body = source;
  const program = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
  for (const node of program.body) {
    if (node.type !== 'ImportDeclaration') continue;
    const local = node.specifiers[0]?.local.name ?? '';
    modules[local] = node.source.value === 'crypto' ? cryptoModule : 'cloudfront';
    body = body.slice(0, node.start) + ' '.repeat(node.end - node.start) + body.slice(node.end);
  }
  const script = new vm.Script(`'use strict';${body}\n;handler;`, { filename: name });
  const timeoutMs = options.timeoutMs ?? 1_000;

  const prepare = (): Prepared => {
    const state: State = { now: 0, logs: [], origin: null };
    const context = vm.createContext(
      {},
      { name: 'cloudfront-js-2.0', codeGeneration: { strings: false, wasm: false } },
    );
    const setup = PRELUDE.runInContext(context)(ES_GLOBALS, REMOVED_STATICS) as (
      state: State,
      host: Record<string, unknown>,
    ) => (text: string) => unknown;
    const host: Record<string, unknown> = {
      console: Object.freeze({
        // The runtime logs one argument.
        log: (message: unknown) => state.logs.push(String(message)),
      }),
      TextEncoder,
      TextDecoder,
      atob,
      btoa,
    };
    for (const [local, mod] of Object.entries(modules)) {
      host[local] = mod === 'cloudfront' ? cloudfrontModule(state, options.kvs) : mod;
    }
    const parse = setup(state, host);
    const handler = script.runInContext(context) as Prepared['handler'];
    return { state, parse, handler };
  };

  const ready: Prepared[] = [];
  const target = options.pool ?? 0;
  let refilling = false;
  const refill = () => {
    if (refilling || ready.length >= target) return;
    refilling = true;
    // One context per turn of the event loop, so requests keep priority.
    setImmediate(() => {
      refilling = false;
      if (ready.length < target) ready.push(prepare());
      refill();
    });
  };
  refill();

  return {
    bytes: Buffer.byteLength(source),
    async invoke(event, invokeOptions = {}) {
      const started = performance.now();
      const prepared = ready.pop() ?? prepare();
      refill();
      const { state } = prepared;
      state.now = invokeOptions.now ?? Date.now();
      const done = (
        result:
          | { kind: 'request'; request: CfRequest; origin: OriginChange | null }
          | { kind: 'response'; response: CfResponse }
          | { kind: 'error'; status: 502 | 503; reason: string },
      ): Invocation => ({ ...result, logs: state.logs, ms: performance.now() - started });

      // The event is made in the context's realm, as the runtime's own objects would be.
      const inContext = prepared.parse(JSON.stringify(event)) as {
        request: Record<string, unknown>;
      };
      // A JSON fixture has no raw query: CloudFront's would be the parsed one, joined.
      const qs = event.request.querystring;
      const rawQuery =
        invokeOptions.rawQuery ?? (Object.keys(qs).length > 0 ? serialiseQuery(qs) : undefined);
      inContext.request.rawQueryString = () => rawQuery;

      let output: unknown;
      try {
        output = await settleWithin(Promise.resolve(prepared.handler(inContext)), timeoutMs);
      } catch (err) {
        return done({
          kind: 'error',
          status: 503,
          reason: `function failed: ${(err as Error)?.message ?? String(err)}`,
        });
      }
      let plain: unknown;
      try {
        plain = JSON.parse(JSON.stringify(output ?? null));
      } catch {
        return done({
          kind: 'error',
          status: 502,
          reason: 'function returned a value that is not JSON',
        });
      }
      if (plain !== null && typeof plain === 'object' && 'statusCode' in plain) {
        const problem = responseProblem(plain as CfResponse);
        return problem
          ? done({ kind: 'error', status: 502, reason: problem })
          : done({ kind: 'response', response: plain as CfResponse });
      }
      const problem = requestProblem(event.request, plain as CfRequest | null);
      return problem
        ? done({ kind: 'error', status: 502, reason: problem })
        : done({ kind: 'request', request: plain as CfRequest, origin: state.origin });
    },
  };
}

function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** `cloudfront`: KVS reads (asynchronous, from the current store) and the origin helpers. */
function cloudfrontModule(state: State, store: KeyValueSource) {
  return Object.freeze({
    kvs() {
      return Object.freeze({
        async get(key: string, opts?: { format?: 'string' | 'json' | 'bytes' }) {
          const value = store.current().get(String(key));
          if (value === undefined) throw new Error(`key ${key} not found`);
          const format = opts?.format ?? 'string';
          if (format === 'json') return JSON.parse(value);
          if (format === 'bytes') return new TextEncoder().encode(value);
          return value;
        },
        async exists(key: string) {
          return store.current().has(String(key));
        },
        async meta() {
          const entries = store.current();
          let size = 0;
          for (const [k, v] of entries) size += Buffer.byteLength(k) + Buffer.byteLength(v);
          return {
            keyCount: entries.size,
            lastUpdatedDateTime: new Date(state.now).toISOString(),
            size,
          };
        },
      });
    },
    selectRequestOriginById(id: string) {
      state.origin = { kind: 'select', id: String(id) };
    },
    updateRequestOrigin(params: unknown) {
      state.origin = { kind: 'update', params: JSON.parse(JSON.stringify(params)) };
    },
    createRequestOriginGroup(params: unknown) {
      state.origin = { kind: 'group', params: JSON.parse(JSON.stringify(params)) };
    },
  });
}

function mapProblem(map: unknown, what: string): string | null {
  if (map === null || typeof map !== 'object' || Array.isArray(map))
    return `${what} must be an object`;
  for (const [name, field] of Object.entries(map as Record<string, unknown>)) {
    const f = field as { value?: unknown; multiValue?: unknown } | null;
    if (!f || typeof f !== 'object') return `${what}.${name} must be {value}`;
    if (f.multiValue !== undefined) {
      if (
        !Array.isArray(f.multiValue) ||
        f.multiValue.some((v) => typeof (v as { value?: unknown })?.value !== 'string')
      ) {
        return `${what}.${name}.multiValue must be [{value: string}]`;
      }
    } else if (typeof f.value !== 'string') {
      return `${what}.${name}.value must be a string`;
    }
  }
  return null;
}

function headerProblem(before: CfMap, after: CfMap): string | null {
  for (const name of Object.keys(after)) {
    if (name !== name.toLowerCase()) return `header ${name} must be lower case`;
    const changed = JSON.stringify(before[name]) !== JSON.stringify(after[name]);
    if (changed && FORBIDDEN_HEADER.test(name)) return `function may not set the ${name} header`;
  }
  for (const name of READ_ONLY_HEADERS) {
    if (JSON.stringify(before[name]) !== JSON.stringify(after[name])) {
      return `the ${name} header is read-only in viewer-request functions`;
    }
  }
  return null;
}

function requestProblem(input: CfRequest, output: CfRequest | null): string | null {
  if (output === null || typeof output !== 'object')
    return 'function returned neither a request nor a response';
  if (typeof output.uri !== 'string' || !output.uri.startsWith('/'))
    return 'request.uri must start with /';
  if (output.method !== input.method) return 'request.method is read-only';
  return (
    mapProblem(output.querystring, 'querystring') ??
    mapProblem(output.headers, 'headers') ??
    mapProblem(output.cookies, 'cookies') ??
    headerProblem(input.headers, output.headers)
  );
}

function responseProblem(output: CfResponse): string | null {
  const status = output.statusCode;
  if (!Number.isInteger(status) || status < 200 || status > 599)
    return `statusCode ${String(status)} is not an HTTP status`;
  const headers = output.headers ?? {};
  const problem =
    mapProblem(headers, 'headers') ??
    (output.cookies ? mapProblem(output.cookies, 'cookies') : null);
  if (problem) return problem;
  for (const name of Object.keys(headers)) {
    if (name !== name.toLowerCase()) return `header ${name} must be lower case`;
    if (FORBIDDEN_HEADER.test(name) || READ_ONLY_HEADERS.includes(name))
      return `function may not set the ${name} header`;
  }
  const body = output.body;
  if (body !== undefined && typeof body !== 'string') {
    if (
      !body ||
      typeof body.data !== 'string' ||
      (body.encoding !== 'text' && body.encoding !== 'base64')
    ) {
      return 'body must be a string or {encoding: "text" | "base64", data}';
    }
    if (body.encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(body.data))
      return 'body.data is not valid base64';
  }
  return null;
}
