import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { join } from 'node:path';
import { type CfEvent, type CfRequest, DISTRIBUTION } from './event.ts';
import {
  FunctionRejected,
  type Invocation,
  type LoadOptions,
  loadFunction,
  loadFunctionFile,
  probeSandbox,
} from './runtime.ts';

/*
 * The emulator against small inline functions. Every source here has to pass the gate, and the
 * global object is out of a function's reach (top-level `this` is undefined, as in a module), so
 * what the sandbox holds is probed with probeSandbox, which runs a script in a fresh one.
 */

function eventFor(request: Partial<CfRequest> = {}): CfEvent {
  return {
    version: '1.0',
    context: {
      distributionDomainName: DISTRIBUTION.domainName,
      distributionId: DISTRIBUTION.id,
      eventType: 'viewer-request',
      requestId: 'test-request',
    },
    viewer: { ip: '203.0.113.7' },
    request: {
      method: 'GET',
      uri: '/',
      querystring: {},
      headers: { host: { value: 'shop.example' } },
      cookies: {},
      ...request,
    },
  };
}

function load(source: string, options: Partial<LoadOptions> = {}) {
  return loadFunction(source, 'test-function.js', {
    kvs: { current: () => new Map() },
    ...options,
  });
}

/** An async handler that runs `body` and answers 200 with the JSON of whatever it put in `out`. */
function reporting(body: string, prelude = ''): string {
  return `${prelude}
async function handler(event) {
  var out = {};
  ${body}
  return { statusCode: 200, body: JSON.stringify(out) };
}`;
}

function responseBody(inv: Invocation): string {
  assert.equal(inv.kind, 'response', inv.kind === 'error' ? inv.reason : JSON.stringify(inv));
  const body = inv.response.body;
  assert.equal(typeof body, 'string');
  return body as string;
}

async function report(
  source: string,
  options: Partial<LoadOptions> = {},
): Promise<Record<string, unknown>> {
  return JSON.parse(responseBody(await load(source, options).invoke(eventFor())));
}

function assertFailed(inv: Invocation, status: 502 | 503, reason: RegExp): void {
  assert.equal(inv.kind, 'error', `got ${JSON.stringify(inv)}`);
  assert.equal(inv.status, status);
  assert.match(inv.reason, reason);
}

/** Pools fill one context per turn of the event loop. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('runtime', () => {
  describe('isolation', () => {
    const counter = `var count = 0;
function handler(event) {
  count += 1;
  return { statusCode: 200, body: String(count) };
}`;

    for (const pool of [0, 4]) {
      it(`when a top-level counter is incremented with pool ${pool}, then every invocation sees 1`, async () => {
        const fn = load(counter, { pool });
        await turns(6);
        // More invocations than the pool holds, so both ready and on-demand contexts are used.
        const sequential: Invocation[] = [];
        for (let i = 0; i < 6; i++) sequential.push(await fn.invoke(eventFor()));
        const concurrent = await Promise.all([1, 2, 3].map(() => fn.invoke(eventFor())));
        assert.deepEqual([...sequential, ...concurrent].map(responseBody), Array(9).fill('1'));
      });
    }
  });

  describe('globals', () => {
    for (const isolation of ['context', 'scope'] as const) {
      it(`when the ${isolation} sandbox is listed, then only documented globals are there`, () => {
        const absent = ['Map', 'Set', 'WeakMap', 'Symbol', 'Reflect', 'Proxy', 'globalThis'];
        absent.push('require', 'process', 'Buffer', 'setTimeout', 'fetch', 'URL', 'console');
        absent.push('structuredClone', 'eval', 'Function', 'Intl', 'WebAssembly');
        absent.push('SharedArrayBuffer');
        const out = probeSandbox(
          `(function (g) {
            return JSON.stringify({
              present: ${JSON.stringify(absent)}.filter(function (name) { return name in g; }),
              statics: [['Array', 'from'], ['Object', 'fromEntries'], ['Promise', 'any']].map(
                function (pair) { return typeof g[pair[0]][pair[1]]; }),
              documented: ['TextEncoder', 'TextDecoder', 'atob', 'btoa', 'Uint8Array', 'Promise'].filter(
                function (name) { return typeof g[name] === 'function'; }).length,
            });
          })(this)`,
          isolation,
        );
        assert.deepEqual(JSON.parse(String(out)), {
          present: [],
          statics: ['undefined', 'undefined', 'undefined'],
          documented: 6,
        });
      });
    }

    it('when the function looks for the global object, then it cannot reach it', async () => {
      const out = await report(reporting('out.self = typeof this;', 'var topThis = typeof this;'));
      assert.deepEqual(out, { self: 'undefined' });
    });

    it('when the function reaches for a constructor through the runtime functions it has, then code generation stays off', async () => {
      const out = await report(
        reporting(
          `
  var tries = [console.log, atob, crypto.createHash, cf.kvs, cf.selectRequestOriginById];
  out.results = tries.map(function (fn) {
    try { return String(fn.constructor('return 1')()); } catch (e) { return e.name; }
  });`,
          "import cf from 'cloudfront';\nimport crypto from 'crypto';",
        ),
      );
      assert.deepEqual(out, {
        results: ['EvalError', 'EvalError', 'EvalError', 'EvalError', 'EvalError'],
      });
    });

    it('when a scope-isolated function writes to a shared built-in, then it fails instead of leaking state', async () => {
      const fn = load(
        `function handler(event) {
  if (event.request.uri === '/write') Array.prototype.leak = 1;
  event.request.uri = [].leak === undefined ? '/clean' : '/leaked';
  return event.request;
}
`,
        { isolation: 'scope' },
      );
      assertFailed(
        await fn.invoke(eventFor({ uri: '/write' })),
        503,
        /read.?only|not extensible|Cannot add property/,
      );
      const inv = await fn.invoke(eventFor());
      assert.equal(inv.kind === 'request' && inv.request.uri, '/clean');
    });

    it('when documented globals are used, then they work', async () => {
      const out = await report(
        reporting(`
  out.text = new TextDecoder().decode(new TextEncoder().encode('café'));
  out.base64 = btoa('hi');
  out.binary = atob('aGk=');
  out.bytes = new Uint8Array([1, 2, 300]).join(',');
  out.max = Math.max(2, 5);
  out.json = JSON.parse('{"a":1}').a;
  out.awaited = await Promise.resolve(7);`),
      );
      assert.deepEqual(out, {
        text: 'café',
        base64: 'aGk=',
        binary: 'hi',
        bytes: '1,2,44',
        max: 5,
        json: 1,
        awaited: 7,
      });
    });
  });

  describe('code generation', () => {
    it('when a function is built from a string through a reachable constructor, then it throws and nothing runs', async () => {
      const out = await report(
        reporting(
          `var ctors = [(function () {}).constructor, Object.getPrototypeOf(asyncFn).constructor];
  out.errors = ctors.map(function (Ctor) {
    try { Ctor('evaluated = true'); return 'constructed'; } catch (e) { return e.name; }
  });
  out.evaluated = evaluated;`,
          'var evaluated = false;\nvar asyncFn = async function () {};',
        ),
      );
      assert.deepEqual(out, { errors: ['EvalError', 'EvalError'], evaluated: false });
    });

    it('when the code-generation error is not caught, then the invocation fails with 503', async () => {
      const inv = await load(
        `function handler(event) { (function () {}).constructor('return 1'); return event.request; }`,
      ).invoke(eventFor());
      assertFailed(inv, 503, /code generation/i);
    });
  });

  it('when the handler reads the clock after a busy loop, then it sees the frozen time', async () => {
    const now = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    const fn = load(`function handler(event) {
  var start = Date.now();
  var spins = 0;
  for (var i = 0; i < 3000000; i++) spins += i % 7;
  var out = { start: start, now: Date.now(), made: new Date().getTime(), epoch: new Date(0).getTime(),
    called: Date(), spins: spins > 0 };
  return { statusCode: 200, body: JSON.stringify(out) };
}`);
    const out = JSON.parse(responseBody(await fn.invoke(eventFor(), { now })));
    assert.deepEqual(out, {
      start: now,
      now,
      made: now,
      epoch: 0,
      called: new Date(now).toString(),
      spins: true,
    });
  });

  it('when console.log gets several arguments, then only the first is recorded', async () => {
    const inv = await load(
      `function handler(event) { console.log('first', 'second'); console.log(42); return event.request; }`,
    ).invoke(eventFor());
    assert.deepEqual(inv.logs, ['first', '42']);
  });

  it('when the crypto module is used, then it matches node:crypto for md5, sha1, sha256 only', async () => {
    const out = await report(
      reporting(
        `out.hmacHex = crypto.createHmac('sha256', 'secret').update('payload').digest('hex');
  out.hmacUrl = crypto.createHmac('sha256', 'secret').update('payload').digest('base64url');
  out.md5 = crypto.createHash('md5').update('abc').digest('base64');
  out.sha1 = crypto.createHash('sha1').update('abc').digest('hex');
  try { crypto.createHash('sha512'); out.sha512 = 'created'; } catch (e) { out.sha512 = 'threw'; }
  try { crypto.createHash('sha256').update('x').digest(); out.bare = 'digested'; } catch (e) { out.bare = 'threw'; }
  out.missing = [typeof crypto.randomBytes, typeof crypto.timingSafeEqual, typeof crypto.subtle];`,
        "import crypto from 'crypto';",
      ),
    );
    assert.deepEqual(out, {
      hmacHex: createHmac('sha256', 'secret').update('payload').digest('hex'),
      hmacUrl: createHmac('sha256', 'secret').update('payload').digest('base64url'),
      md5: createHash('md5').update('abc').digest('base64'),
      sha1: createHash('sha1').update('abc').digest('hex'),
      sha512: 'threw',
      bare: 'threw',
      missing: ['undefined', 'undefined', 'undefined'],
    });
  });

  describe('key value store', () => {
    const withKvs = (body: string) =>
      reporting(body, "import cf from 'cloudfront';\nvar kvs = cf.kvs();");

    it('when keys are read, then get gives strings or parsed JSON, rejects a missing key, and exists answers', async () => {
      const entries = new Map([
        ['greeting', 'hello'],
        ['config', '{"canary":0.25}'],
      ]);
      const out = await report(
        withKvs(`out.greeting = await kvs.get('greeting');
  out.canary = (await kvs.get('config', { format: 'json' })).canary;
  try { await kvs.get('absent'); out.absent = 'resolved'; } catch (e) { out.absent = 'rejected'; }
  out.exists = [await kvs.exists('greeting'), await kvs.exists('absent')];`),
        { kvs: { current: () => entries } },
      );
      assert.deepEqual(out, {
        greeting: 'hello',
        canary: 0.25,
        absent: 'rejected',
        exists: [true, false],
      });
    });

    it('when the store is swapped between invocations, then the next read sees the new map', async () => {
      let entries = new Map([['flag', 'off']]);
      // Pooled contexts are prepared before the swap, so a store captured at preparation would show.
      const fn = load(withKvs(`out.flag = await kvs.get('flag');`), {
        kvs: { current: () => entries },
        pool: 2,
      });
      await turns(4);
      const before = responseBody(await fn.invoke(eventFor()));
      entries = new Map([['flag', 'on']]);
      const after = responseBody(await fn.invoke(eventFor()));
      assert.deepEqual([before, after], ['{"flag":"off"}', '{"flag":"on"}']);
    });

    it('when code runs between calling get and awaiting it, then the read settles after that code', async () => {
      const out = await report(
        withKvs(`var seen = 'before';
  var pending = kvs.get('k').then(function () { return seen; });
  seen = 'after';
  out.seen = await pending;`),
        { kvs: { current: () => new Map([['k', 'v']]) } },
      );
      assert.deepEqual(out, { seen: 'after' });
    });
  });

  describe('origin helpers', () => {
    const returning = (call: string) =>
      `import cf from 'cloudfront';\nfunction handler(event) { ${call}; return event.request; }`;

    it('when selectRequestOriginById is called, then the invocation carries the selected id', async () => {
      const inv = await load(returning(`cf.selectRequestOriginById('app-canary')`)).invoke(
        eventFor(),
      );
      assert.equal(inv.kind, 'request');
      assert.deepEqual(inv.origin, { kind: 'select', id: 'app-canary' });
    });

    it('when updateRequestOrigin is called, then the invocation carries the parameters', async () => {
      const inv = await load(
        returning(
          `cf.updateRequestOrigin({ domainName: 'origin.example', timeouts: { readTimeout: 5 } })`,
        ),
      ).invoke(eventFor());
      assert.equal(inv.kind, 'request');
      assert.deepEqual(inv.origin, {
        kind: 'update',
        params: { domainName: 'origin.example', timeouts: { readTimeout: 5 } },
      });
    });
  });

  describe('output validation', () => {
    // [what the function does, the statement doing it, what the reason must name]
    const invalid: [string, string, RegExp][] = [
      ...[
        'x-forwarded-proto',
        'x-amz-cf-id',
        'connection',
        'x-edge-foo',
        'proxy-authorization',
      ].map((name): [string, string, RegExp] => [
        `adds ${name}`,
        `r.headers['${name}'] = { value: 'x' }`,
        new RegExp(name),
      ]),
      ['changes host', `r.headers.host = { value: 'other.example' }`, /host/],
      ['adds via', `r.headers.via = { value: '1.1 proxy' }`, /via/],
      ['sets a uri without a leading /', `r.uri = 'index.html'`, /uri/],
      ['changes the method', `r.method = 'POST'`, /method/],
      ['adds an upper-case header name', `r.headers['X-Foo'] = { value: 'x' }`, /X-Foo/],
      ['sets a header to a bare string', `r.headers['x-foo'] = 'x'`, /x-foo/],
      ['answers statusCode as a string', `return { statusCode: '200' }`, /statusCode/],
      [
        'answers with x-cache',
        `return { statusCode: 200, headers: { 'x-cache': { value: 'Hit' } } }`,
        /x-cache/,
      ],
      [
        'answers with a base64 body that is not base64',
        `return { statusCode: 200, body: { encoding: 'base64', data: '***' } }`,
        /not valid base64/,
      ],
    ];
    const editing = (statement: string) =>
      `function handler(event) { var r = event.request; ${statement}; return r; }`;

    for (const [what, statement, names] of invalid) {
      it(`when the function ${what}, then CloudFront answers 502 saying why`, async () => {
        assertFailed(await load(editing(statement)).invoke(eventFor()), 502, names);
      });
    }

    it('when a viewer connection header comes back unchanged, then the request passes', async () => {
      const headers = { host: { value: 'shop.example' }, connection: { value: 'keep-alive' } };
      const inv = await load(editing(`r.uri = '/moved'`)).invoke(eventFor({ headers }));
      assert.equal(inv.kind, 'request', inv.kind === 'error' ? inv.reason : '');
      assert.deepEqual(inv.request.headers, headers);
    });
  });

  describe('failures', () => {
    it('when the handler throws, then CloudFront answers 503', async () => {
      const fn = load(`function handler(event) { throw new Error('boom'); }`);
      assertFailed(await fn.invoke(eventFor()), 503, /boom/);
    });

    it('when an async handler never settles, then CloudFront answers 503 after timeoutMs', async () => {
      const fn = load(
        `async function handler(event) { await new Promise(function () {}); return event.request; }`,
        { timeoutMs: 50 },
      );
      const inv = await fn.invoke(eventFor());
      assertFailed(inv, 503, /50 ms/);
      // The default limit is 1 s; finishing well before it shows timeoutMs was applied.
      assert.ok(inv.ms >= 45 && inv.ms < 500, `${inv.ms} ms`);
    });

    it('when the handler returns undefined, then CloudFront answers 502', async () => {
      const fn = load(`function handler(event) { return undefined; }`);
      assertFailed(await fn.invoke(eventFor()), 502, /neither a request nor a response/);
    });
  });

  describe('load-time gate', () => {
    it('when the source destructures, then loading throws FunctionRejected with line and column', () => {
      const source = 'function handler(event) {\n  var { request } = event;\n  return request;\n}';
      assert.throws(
        () => load(source),
        (err: unknown) =>
          err instanceof FunctionRejected &&
          err.message.includes('test-function.js:2:7: destructuring'),
      );
    });

    it('when good.js is loaded from its file, then it runs and returns the request', async () => {
      const file = join(import.meta.dirname, '..', 'fixtures', 'gate', 'good.js');
      const inv = await loadFunctionFile(file, { kvs: { current: () => new Map() } }).invoke(
        eventFor(),
      );
      assert.equal(inv.kind, 'request', inv.kind === 'error' ? inv.reason : '');
      assert.match(inv.request.headers['x-request-id']?.value ?? '', /^000001-[0-9a-f]{8}-1/);
    });
  });

  describe('rawQueryString', () => {
    const fn = load(`function handler(event) {
  var raw = event.request.rawQueryString();
  return { statusCode: 200, body: typeof raw + ' ' + raw };
}`);
    const cases: [string, CfEvent, { rawQuery?: string }, string][] = [
      ['a raw query is given', eventFor(), { rawQuery: 'a=1&a=2' }, 'string a=1&a=2'],
      [
        'only the parsed query is given',
        eventFor({ querystring: { a: { value: '1' } } }),
        {},
        'string a=1',
      ],
      ['the query is empty', eventFor(), {}, 'undefined undefined'],
    ];
    for (const [when, event, options, expected] of cases) {
      it(`when ${when}, then rawQueryString() gives ${expected.split(' ')[1]}`, async () => {
        assert.equal(responseBody(await fn.invoke(event, options)), expected);
      });
    }
  });

  it("when the function inspects and edits the event, then it is plain data of the context's realm", async () => {
    const event = eventFor();
    const out = JSON.parse(
      responseBody(
        await load(`function handler(event) {
  var out = { headers: event.request.headers instanceof Object, event: event instanceof Object };
  event.request.uri = '/changed';
  return { statusCode: 200, body: JSON.stringify(out) };
}`).invoke(event),
      ),
    );
    assert.deepEqual(out, { headers: true, event: true });
    // The function got a copy: its edits stay in its context.
    assert.equal(event.request.uri, '/');
  });
});
