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
 * faithful local emulator does"). The deployed file is gated at load, then runs
 * in a node:vm context holding only the documented globals, with code
 * generation off. Each invocation gets its own top-level scope (the file's
 * body runs again), its own Date frozen at the start of the invocation, its own
 * one-argument console.log and `cloudfront` module; `crypto` is stateless.
 *
 * Two isolation modes:
 * - `context`: a new vm context per invocation (contexts are prepared ahead
 *   while idle). Nothing can survive an invocation, at ~0.4 ms of CPU each.
 * - `scope`: one context per loaded function whose intrinsics and global
 *   object are frozen, so an invocation can neither keep nor leak state
 *   (top-level variables are per invocation; writes to shared objects throw).
 *   The edge server uses it: it is in front of every request and load test.
 *
 * Everything the function can touch is made inside the context, so no host
 * function (whose `.constructor` would be Node's own Function) is reachable.
 */

export type OriginChange =
  | { kind: 'select'; id: string }
  | { kind: 'update'; params: unknown }
  | { kind: 'group'; params: unknown };

export type Invocation =
  | {
      kind: 'request';
      request: CfRequest;
      origin: OriginChange | null;
      logs: string[];
      ms: number;
    }
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

/** What the context-side runtime asks of the host: primitives in, primitives out. */
interface Host {
  log(message: string): void;
  kvsGet(key: string): string | undefined;
  kvsHas(key: string): boolean;
  kvsMeta(): string;
  origin(kind: string, json: string): void;
  digest(
    algorithm: string,
    key: string | null,
    chunks: (string | Uint8Array)[],
    encoding: string,
  ): string;
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array, label: string): string;
  atob(text: string): string;
  btoa(text: string): string;
}

interface Runtime {
  /** The context's JSON.parse, so the event is made in the function's realm. */
  parse(text: string): unknown;
  makeDate(now: number): unknown;
  makeConsole(host: Pick<Host, 'log'>): unknown;
  makeRawQuery(value: string | undefined): unknown;
  makeCloudfront(host: Pick<Host, 'kvsGet' | 'kvsHas' | 'kvsMeta' | 'origin'>): unknown;
  crypto: unknown;
  /** Freezes every intrinsic reachable from the global object, and the global object. */
  harden(): void;
}

/**
 * Runs once in each context: strips it to the runtime's globals and builds the
 * modules out of context functions that call the host with primitives only.
 */
const PRELUDE = new vm.Script(
  `(function (keep, removedStatics, host) {
  'use strict';
  var g = globalThis;
  var RealDate = g.Date, RealError = g.Error, U8 = g.Uint8Array, freeze = Object.freeze;
  var parse = g.JSON.parse, stringify = g.JSON.stringify;
  function rethrow(fn) {
    try { return fn(); } catch (e) { throw new RealError(String(e && e.message)); }
  }
  for (var owner in removedStatics) {
    removedStatics[owner].forEach(function (name) { delete g[owner][name]; });
  }
  Object.getOwnPropertyNames(g).forEach(function (name) {
    if (keep.indexOf(name) < 0) delete g[name];
  });
  function TextEncoder() {}
  TextEncoder.prototype.encoding = 'utf-8';
  TextEncoder.prototype.encode = function (text) {
    return new U8(host.encode(String(text === undefined ? '' : text)));
  };
  function TextDecoder(label) { this.encoding = label === undefined ? 'utf-8' : String(label); }
  TextDecoder.prototype.decode = function (bytes) {
    var label = this.encoding;
    return rethrow(function () { return host.decode(new U8(bytes), label); });
  };
  g.TextEncoder = TextEncoder;
  g.TextDecoder = TextDecoder;
  g.atob = function atob(text) { return rethrow(function () { return host.atob(String(text)); }); };
  g.btoa = function btoa(text) { return rethrow(function () { return host.btoa(String(text)); }); };

  function hash(algorithm, key) {
    if (['md5', 'sha1', 'sha256'].indexOf(algorithm) < 0) {
      throw new RealError((key === null ? 'hash ' : 'hmac ') + algorithm + ' is not supported (md5, sha1, sha256)');
    }
    var chunks = [];
    var api = {
      update: function (data) { chunks.push(typeof data === 'string' ? data : new U8(data)); return api; },
      digest: function (encoding) {
        return rethrow(function () { return host.digest(algorithm, key, chunks, String(encoding)); });
      },
    };
    return freeze(api);
  }
  var crypto = freeze({
    createHash: function (algorithm) { return hash(String(algorithm), null); },
    createHmac: function (algorithm, key) { return hash(String(algorithm), String(key)); },
  });

  return {
    parse: parse,
    crypto: crypto,
    makeDate: function (now) {
      function Date(...args) {
        if (!new.target) return new RealDate(now).toString();
        return args.length === 0 ? new RealDate(now) : new RealDate(...args);
      }
      Date.prototype = RealDate.prototype;
      Date.now = function now_() { return now; };
      Date.UTC = RealDate.UTC;
      Date.parse = RealDate.parse;
      return freeze(Date);
    },
    makeRawQuery: function (value) {
      return function rawQueryString() { return value; };
    },
    makeConsole: function (h) {
      return freeze({ log: function log(message) { h.log(String(message)); } });
    },
    makeCloudfront: function (h) {
      function kvs() {
        return freeze({
          get: async function get(key, options) {
            var value = h.kvsGet(String(key));
            if (value === undefined) throw new RealError('key ' + key + ' not found');
            var format = options && options.format ? options.format : 'string';
            if (format === 'json') return parse(value);
            if (format === 'bytes') return new TextEncoder().encode(value);
            return value;
          },
          exists: async function exists(key) { return h.kvsHas(String(key)); },
          meta: async function meta() { return parse(h.kvsMeta()); },
        });
      }
      function origin(kind) {
        return function (params) { h.origin(kind, kind === 'select' ? String(params) : stringify(params)); };
      }
      return freeze({
        kvs: kvs,
        selectRequestOriginById: origin('select'),
        updateRequestOrigin: origin('update'),
        createRequestOriginGroup: origin('group'),
      });
    },
    harden: function () {
      var seen = [];
      (function walk(value) {
        if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return;
        if (seen.indexOf(value) >= 0) return;
        seen.push(value);
        if (value === g) {
          // The contextified global cannot be frozen; its bindings can be fixed one by one.
          Object.getOwnPropertyNames(g).forEach(function (name) {
            var d = Object.getOwnPropertyDescriptor(g, name);
            if (d.configurable && 'value' in d) {
              Object.defineProperty(g, name, { value: d.value, writable: false, configurable: false });
            }
          });
        } else {
          freeze(value);
        }
        walk(Object.getPrototypeOf(value));
        Object.getOwnPropertyNames(value).forEach(function (name) {
          var d = Object.getOwnPropertyDescriptor(value, name);
          walk(d.value); walk(d.get); walk(d.set);
        });
      })(g);
    },
  };
})`,
  { filename: 'cloudfront-runtime-prelude.js' },
);

const HASHES = new Set(['md5', 'sha1', 'sha256']);
const DIGESTS = new Set(['hex', 'base64', 'base64url']);

/** The runtime's `crypto` on the host side: hashes and HMACs only, no randomness. */
const cryptoHost: Pick<Host, 'digest' | 'encode' | 'decode' | 'atob' | 'btoa'> = {
  digest(algorithm, key, chunks, encoding) {
    if (!HASHES.has(algorithm)) {
      throw new Error(
        `${key === null ? 'hash' : 'hmac'} ${algorithm} is not supported (md5, sha1, sha256)`,
      );
    }
    if (!DIGESTS.has(encoding)) throw new Error('digest encoding must be hex, base64 or base64url');
    const h = key === null ? createHash(algorithm) : createHmac(algorithm, key);
    for (const chunk of chunks) h.update(chunk);
    return h.digest(encoding as 'hex');
  },
  encode: (text) => new TextEncoder().encode(text),
  decode: (bytes, label) => new TextDecoder(label).decode(bytes),
  atob: (text) => atob(text),
  btoa: (text) => btoa(text),
};

const FORBIDDEN_HEADER =
  /^(connection|expect|keep-alive|proxy-.*|trailer|upgrade|x-accel-.*|x-amz-cf-.*|x-cache|x-edge-.*|x-forwarded-proto|x-real-ip)$/;
const READ_ONLY_HEADERS = ['content-length', 'host', 'transfer-encoding', 'via'];

interface Sandbox {
  context: vm.Context;
  runtime: Runtime;
  /** Runs the file's top level in a new scope and returns its handler. */
  factory: (
    cf: unknown,
    crypto: unknown,
    date: unknown,
    console: unknown,
  ) => (event: unknown) => unknown;
}

function createSandbox(script: vm.Script, isolation: 'context' | 'scope'): Sandbox {
  const context = vm.createContext(
    {},
    { name: 'cloudfront-js-2.0', codeGeneration: { strings: false, wasm: false } },
  );
  const runtime = PRELUDE.runInContext(context)(ES_GLOBALS, REMOVED_STATICS, cryptoHost) as Runtime;
  const factory = script.runInContext(context) as Sandbox['factory'];
  if (isolation === 'scope') runtime.harden();
  return { context, runtime, factory };
}

/**
 * For tests of the sandbox itself: runs a script in a fresh sandbox (its
 * top-level `this` is the global object), which function code cannot reach.
 */
export function probeSandbox(code: string, isolation: 'context' | 'scope' = 'context'): unknown {
  const sandbox = createSandbox(new vm.Script('(function () {})'), isolation);
  return vm.runInContext(code, sandbox.context);
}

export interface LoadedFunction {
  /** Bytes of the loaded file. */
  bytes: number;
  invoke(event: CfEvent, options?: { now?: number; rawQuery?: string }): Promise<Invocation>;
}

export interface LoadOptions {
  kvs: KeyValueSource;
  /** `context` (default): a new vm context per invocation; `scope`: one frozen context. */
  isolation?: 'context' | 'scope';
  /** Contexts kept ready in `context` mode; 0 prepares each one on demand. */
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
  // The module imports become parameters of the scope the body runs in; blanking them keeps line numbers.
  const locals = { cloudfront: '__cloudfront', crypto: '__crypto' };
  let body = source;
  const program = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
  for (const node of program.body) {
    if (node.type !== 'ImportDeclaration') continue;
    const local = node.specifiers[0]?.local.name;
    if (local) locals[node.source.value === 'crypto' ? 'crypto' : 'cloudfront'] = local;
    body = body.slice(0, node.start) + ' '.repeat(node.end - node.start) + body.slice(node.end);
  }
  const script = new vm.Script(
    `(function (${locals.cloudfront}, ${locals.crypto}, Date, console) {'use strict';${body}\n;return handler;})`,
    { filename: name },
  );
  const timeoutMs = options.timeoutMs ?? 1_000;
  const isolation = options.isolation ?? 'context';

  const sandbox = () => createSandbox(script, isolation);

  const ready: Sandbox[] = [];
  const shared = isolation === 'scope' ? sandbox() : null;
  const target = shared ? 0 : (options.pool ?? 0);
  let refilling = false;
  const refill = () => {
    if (refilling || ready.length >= target) return;
    refilling = true;
    // One context per turn of the event loop, so requests keep priority.
    setImmediate(() => {
      refilling = false;
      if (ready.length < target) ready.push(sandbox());
      refill();
    });
  };
  refill();

  return {
    bytes: Buffer.byteLength(source),
    async invoke(event, invokeOptions = {}) {
      const started = performance.now();
      const box = shared ?? ready.pop() ?? sandbox();
      refill();
      const now = invokeOptions.now ?? Date.now();
      const logs: string[] = [];
      let origin: OriginChange | null = null;
      const done = (
        result:
          | { kind: 'request'; request: CfRequest; origin: OriginChange | null }
          | { kind: 'response'; response: CfResponse }
          | { kind: 'error'; status: 502 | 503; reason: string },
      ): Invocation => ({ ...result, logs, ms: performance.now() - started });

      const { runtime } = box;
      const cf = runtime.makeCloudfront({
        kvsGet: (key) => options.kvs.current().get(key),
        kvsHas: (key) => options.kvs.current().has(key),
        kvsMeta: () => {
          const entries = options.kvs.current();
          let size = 0;
          for (const [k, v] of entries) size += Buffer.byteLength(k) + Buffer.byteLength(v);
          return JSON.stringify({
            keyCount: entries.size,
            lastUpdatedDateTime: new Date(now).toISOString(),
            size,
          });
        },
        origin: (kind, json) => {
          origin =
            kind === 'select'
              ? { kind: 'select', id: json }
              : { kind: kind as 'update' | 'group', params: JSON.parse(json) };
        },
      });
      const console = runtime.makeConsole({ log: (message) => logs.push(message) });

      // The event is made in the context's realm, as the runtime's own objects would be.
      const inContext = runtime.parse(JSON.stringify(event)) as {
        request: Record<string, unknown>;
      };
      // A JSON fixture has no raw query: CloudFront's would be the parsed one, joined.
      const qs = event.request.querystring;
      const rawQuery =
        invokeOptions.rawQuery ?? (Object.keys(qs).length > 0 ? serialiseQuery(qs) : undefined);
      inContext.request.rawQueryString = runtime.makeRawQuery(rawQuery);

      let output: unknown;
      try {
        const handler = box.factory(cf, runtime.crypto, runtime.makeDate(now), console);
        output = await settleWithin(Promise.resolve(handler(inContext)), timeoutMs);
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
        : done({ kind: 'request', request: plain as CfRequest, origin });
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
