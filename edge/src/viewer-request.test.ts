import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signSessionCookie, verifySessionCookie } from '@vitrine/origin/session-cookie';
import { buildViewerRequest } from './build.ts';
import { COOKIES, KVS_KEYS } from './description.ts';
import type { CfEvent } from './event.ts';
import { checkFunctionSource, MAX_FUNCTION_BYTES } from './gate.ts';
import { readKvsFile } from './kvs.ts';
import { type Invocation, loadFunction } from './runtime.ts';

/*
 * The built function, run by the emulator against the JSON fixtures in
 * fixtures/events (the shape `aws cloudfront test-function --event-object`
 * takes) and against the origin's own cookie signer.
 */

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const eventsDir = join(fixtures, 'events');
const baseKvs = readKvsFile(join(fixtures, 'kvs.json'));
const code = buildViewerRequest();

function load(entries: ReadonlyMap<string, string>) {
  return loadFunction(code, 'viewer-request.js', { kvs: { current: () => entries } });
}

const defaultFn = load(baseKvs);

interface Expectation {
  kvs?: { flags: unknown };
  result: {
    kind: 'request' | 'response';
    uri?: string;
    cookies?: unknown;
    origin?: unknown;
    statusCode?: number;
    headers?: Record<string, string>;
    body?: string;
  };
}

function check(inv: Invocation, expected: Expectation['result']): void {
  assert.equal(
    inv.kind,
    expected.kind,
    inv.kind === 'error' ? inv.reason : `got ${JSON.stringify(inv)}`,
  );
  if (inv.kind === 'request') {
    if (expected.uri !== undefined) assert.equal(inv.request.uri, expected.uri);
    if (expected.cookies !== undefined) assert.deepEqual(inv.request.cookies, expected.cookies);
    if (expected.origin !== undefined) assert.deepEqual(inv.origin, expected.origin);
  } else if (inv.kind === 'response') {
    const r = inv.response;
    assert.equal(r.statusCode, expected.statusCode);
    for (const [name, value] of Object.entries(expected.headers ?? {})) {
      assert.equal(r.headers?.[name]?.value, value, `header ${name}`);
    }
    if (expected.cookies === null) assert.equal(r.cookies, undefined);
    else if (expected.cookies !== undefined) assert.deepEqual(r.cookies, expected.cookies);
    if (expected.body !== undefined) {
      assert.deepEqual(r.body, { encoding: 'text', data: expected.body });
    }
  }
}

describe('viewer-request function', () => {
  it('when built, then it passes the gate and stays under 10 KB', () => {
    assert.deepEqual(checkFunctionSource(code), []);
    assert.ok(Buffer.byteLength(code) <= MAX_FUNCTION_BYTES, `${Buffer.byteLength(code)} bytes`);
    assert.doesNotMatch(code, /__CONFIG__|__APP_PATH__/);
  });

  describe('fixtures', () => {
    const names = readdirSync(eventsDir)
      .filter((f) => f.endsWith('.event.json'))
      .map((f) => f.slice(0, -'.event.json'.length));

    it('when the fixtures are listed, then every event has its expectation', () => {
      assert.ok(names.length >= 30, `${names.length} fixtures`);
      for (const name of names) {
        assert.ok(readdirSync(eventsDir).includes(`${name}.expect.json`), `${name}.expect.json`);
      }
    });

    for (const name of names) {
      it(`when the event is ${name}, then the function answers as expected`, async () => {
        const event = JSON.parse(
          readFileSync(join(eventsDir, `${name}.event.json`), 'utf8'),
        ) as CfEvent;
        const expected = JSON.parse(
          readFileSync(join(eventsDir, `${name}.expect.json`), 'utf8'),
        ) as Expectation;
        let fn = defaultFn;
        if (expected.kvs) {
          const entries = new Map(baseKvs);
          entries.set(KVS_KEYS.flags, JSON.stringify(expected.kvs.flags));
          fn = load(entries);
        }
        check(await fn.invoke(event), expected.result);
      });
    }
  });

  describe('against the origin signer', () => {
    const secretOf = (kid: string) => baseKvs.get(`${KVS_KEYS.keyPrefix}${kid}`) ?? '';
    const ring = {
      keys: new Map([
        ['k2025', secretOf('k2025')],
        ['k2024', secretOf('k2024')],
      ]),
      signingKid: 'k2025',
    };
    const event = (cookie: string): CfEvent => ({
      version: '1.0',
      context: {
        distributionDomainName: 'd111111abcdef8.cloudfront.net',
        distributionId: 'EDFDVBD6EXAMPLE',
        eventType: 'viewer-request',
        requestId: 'r',
      },
      viewer: { ip: '198.51.100.7' },
      request: {
        method: 'GET',
        uri: '/account/',
        querystring: {},
        headers: {},
        cookies: { [COOKIES.session]: { value: cookie } },
      },
    });

    it('when 300 cookies are valid, forged, expired, retired or tampered, then edge and origin agree on each', async () => {
      const now = 1_900_000_000_000;
      const nowS = now / 1000;
      let accepted = 0;
      for (let i = 0; i < 300; i++) {
        const sid = randomBytes(16).toString('base64url');
        const kind = i % 6;
        const kid = i % 2 === 0 ? 'k2025' : 'k2024';
        const exp = kind === 1 ? nowS - (i % 5) : nowS + 1 + (i % 7) * 3600;
        const signingRing =
          kind === 2
            ? { keys: new Map([['k2023', 'z'.repeat(40)]]), signingKid: 'k2023' }
            : { ...ring, signingKid: kid };
        let cookie = signSessionCookie({ sid, exp }, signingRing);
        if (kind === 3) cookie = `${cookie.slice(0, -2)}${cookie.endsWith('AA') ? 'BB' : 'AA'}`;
        if (kind === 4) {
          const [v, k, , s] = cookie.split('.');
          cookie = `${v}.${k}.${Buffer.from(JSON.stringify({ sid, exp: exp + 60 })).toString('base64url')}.${s}`;
        }
        if (kind === 5) cookie = cookie.replace('v1.', 'v2.');
        const origin = verifySessionCookie(cookie, ring, nowS).ok;
        const edge = await defaultFn.invoke(event(cookie), { now });
        assert.equal(
          edge.kind === 'request',
          origin,
          `case ${i} (kind ${kind}): origin says ${origin}`,
        );
        if (origin) accepted++;
      }
      // Kinds 0 (valid, either key of the ring) pass; the others are refused.
      assert.equal(accepted, 50);
    });

    it('when a cookie expires at this very second, then the edge refuses it as the origin does', async () => {
      const exp = 1_900_000_000;
      const cookie = signSessionCookie({ sid: 'abc', exp }, ring);
      assert.equal(
        (await defaultFn.invoke(event(cookie), { now: exp * 1000 - 1000 })).kind,
        'request',
      );
      assert.equal((await defaultFn.invoke(event(cookie), { now: exp * 1000 })).kind, 'response');
      assert.equal(verifySessionCookie(cookie, ring, exp).ok, false);
    });
  });

  describe('canary', () => {
    const entries = new Map(baseKvs);
    entries.set(KVS_KEYS.flags, JSON.stringify({ maintenance: 'off', canary: { percent: 20 } }));
    const fn = load(entries);
    const ring = {
      keys: new Map([['k2025', baseKvs.get('kid:k2025') ?? '']]),
      signingKid: 'k2025',
    };
    const event = (sid: string): CfEvent => ({
      version: '1.0',
      context: {
        distributionDomainName: 'd',
        distributionId: 'E',
        eventType: 'viewer-request',
        requestId: 'r',
      },
      viewer: { ip: '198.51.100.7' },
      request: {
        method: 'GET',
        uri: '/api/v1/cart',
        querystring: {},
        headers: {},
        cookies: {
          [COOKIES.session]: { value: signSessionCookie({ sid, exp: 4_102_444_800 }, ring) },
        },
      },
    });
    const onCanary = async (sid: string) => {
      const inv = await fn.invoke(event(sid));
      assert.equal(inv.kind, 'request');
      return inv.kind === 'request' && inv.origin !== null;
    };

    it('when a session comes back, then it lands on the same origin every time', async () => {
      for (let i = 0; i < 20; i++) {
        const sid = randomBytes(16).toString('base64url');
        const first = await onCanary(sid);
        for (let j = 0; j < 3; j++) assert.equal(await onCanary(sid), first);
      }
    });

    it('when 1,000 sessions arrive at 20 percent, then about a fifth go to the canary', async () => {
      let canary = 0;
      for (let i = 0; i < 1000; i++)
        if (await onCanary(randomBytes(16).toString('base64url'))) canary++;
      assert.ok(canary > 150 && canary < 250, `${canary} of 1000`);
    });
  });
});
