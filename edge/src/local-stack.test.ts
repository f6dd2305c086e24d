import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, databaseEnv, startOrigin } from '@vitrine/origin/testing/origin-process';
import { pino } from 'pino';
import { writeViewerRequest } from './build.ts';
import { COOKIES, KVS_KEYS } from './description.ts';
import { readKvsFile, writeKvsFile } from './kvs.ts';
import { prepareStack } from './local-stack.ts';
import { type RunningEdge, startEdgeServer } from './server.ts';

/*
 * The shop's local topology for real: the origin process signs sessions with
 * SESSION_KEYS, the edge verifies them with the KeyValueStore file written
 * from the same keys.
 */

const SECRET = 'local-stack-test-secret-0123456789abcdefghij';

describe('local stack', () => {
  const work = mkdtempSync(join(tmpdir(), 'vitrine-stack-'));
  const kvsFile = join(work, 'kvs.json');
  after(() => rmSync(work, { recursive: true, force: true }));

  describe('prepareStack', () => {
    const base = {
      SESSION_KEYS: `k9:${SECRET},k8:${SECRET}x`,
      EDGE_KVS_FILE: kvsFile,
      EDGE_PORT: '8181',
    };

    it('when SESSION_KEYS is set, then the KeyValueStore file holds each key by kid and the origin is told the edge URL', () => {
      const stack = prepareStack(base);
      const entries = readKvsFile(kvsFile);
      assert.equal(entries.get(`${KVS_KEYS.keyPrefix}k9`), SECRET);
      assert.equal(entries.get(`${KVS_KEYS.keyPrefix}k8`), `${SECRET}x`);
      assert.equal(stack.env.PUBLIC_BASE_URL, 'http://localhost:8181');
      assert.equal(stack.keysFrom, 'SESSION_KEYS');
    });

    it('when an operator switched maintenance on, then a restart keeps the switch', () => {
      const entries = readKvsFile(kvsFile);
      entries.set(KVS_KEYS.flags, JSON.stringify({ maintenance: 'app', canary: { percent: 5 } }));
      writeKvsFile(kvsFile, { data: [...entries].map(([key, value]) => ({ key, value })) });
      prepareStack(base);
      assert.deepEqual(JSON.parse(readKvsFile(kvsFile).get(KVS_KEYS.flags) ?? ''), {
        maintenance: 'app',
        canary: { percent: 5 },
      });
    });

    it('when cookies are configured without __Host-, then the stack refuses to start and says why', () => {
      assert.throws(
        () => prepareStack({ ...base, SESSION_COOKIE_SECURE: 'false' }),
        /SESSION_COOKIE_SECURE=false .* leave it unset/,
      );
    });

    it('when the origin configuration is wrong, then the stack names the variable before starting anything', () => {
      assert.throws(() => prepareStack({ ...base, SESSION_KEYS: 'k9:short' }), /SESSION_KEYS/);
    });
  });

  describe('origin behind the edge', () => {
    const database = databaseEnv();
    let origin: Child;
    let edge: RunningEdge;
    const stackKvs = join(work, 'stack-kvs.json');

    before(async () => {
      const stack = prepareStack({
        SESSION_KEYS: `k9:${SECRET}`,
        EDGE_KVS_FILE: stackKvs,
        EDGE_PORT: '0',
      });
      origin = await startOrigin(
        {
          ...database.env,
          SESSION_KEYS: stack.env.SESSION_KEYS ?? '',
          SEED_PRODUCTS: '5',
        },
        { keepLogs: false },
      );
      const entries = readKvsFile(stackKvs);
      edge = await startEdgeServer({
        port: 0,
        host: '127.0.0.1',
        appOrigin: new URL(origin.url),
        canaryOrigin: null,
        staticDir: work,
        kvs: { current: () => entries },
        functionFile: writeViewerRequest(join(work, 'viewer-request.js')).file,
        logger: pino({ level: 'silent' }),
      });
    });
    after(async () => {
      await edge?.close();
      origin?.proc.kill('SIGTERM');
      await database.cleanup();
    });

    it('when a shopper registers through the edge, then the edge lets their session through and the origin serves them', async () => {
      const csrfRes = await fetch(`${edge.url}/api/v1/auth/csrf`);
      const { token } = (await csrfRes.json()) as { token: string };
      const preSession = csrfRes.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const register = await fetch(`${edge.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-csrf-token': token,
          cookie: preSession,
          origin: edge.url,
        },
        body: JSON.stringify({
          email: 'edge-shopper@example.test',
          password: 'a long enough passphrase',
          name: 'Edge Shopper',
        }),
      });
      assert.equal(register.status, 201, await register.clone().text());
      const session = register.headers
        .getSetCookie()
        .map((c) => c.split(';')[0] ?? '')
        .find((c) => c.startsWith(`${COOKIES.session}=`));
      assert.ok(session, 'the origin set the __Host- session cookie');

      const anonymous = await fetch(`${edge.url}/api/v1/orders`);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers.get('x-cache'), 'FunctionGeneratedResponse from cloudfront');

      const orders = await fetch(`${edge.url}/api/v1/orders`, { headers: { cookie: session } });
      assert.equal(orders.status, 200, await orders.clone().text());
      assert.equal(orders.headers.get('x-cache'), 'Miss from cloudfront');

      const page = await fetch(`${edge.url}/account/`, {
        headers: { cookie: session },
        redirect: 'manual',
      });
      assert.notEqual(page.status, 302, 'a valid session is not sent to login');
    });

    it('when a session is logged out, then its still-signed cookie passes the edge and the origin refuses it', async () => {
      const login = await fetch(`${edge.url}/api/v1/auth/csrf`);
      const { token } = (await login.json()) as { token: string };
      const pre = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const signedIn = await fetch(`${edge.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-csrf-token': token,
          cookie: pre,
          origin: edge.url,
        },
        body: JSON.stringify({
          email: 'edge-shopper@example.test',
          password: 'a long enough passphrase',
        }),
      });
      assert.equal(signedIn.status, 200, await signedIn.clone().text());
      const { csrfToken } = (await signedIn.json()) as { csrfToken: string };
      const cookies = signedIn.headers.getSetCookie().map((c) => c.split(';')[0] ?? '');
      const session = cookies.find((c) => c.startsWith(`${COOKIES.session}=`)) ?? '';
      const all = cookies.join('; ');
      const out = await fetch(`${edge.url}/api/v1/auth/logout`, {
        method: 'POST',
        headers: { 'x-csrf-token': csrfToken, cookie: all, origin: edge.url },
      });
      assert.ok(out.status === 200 || out.status === 204, `logout answered ${out.status}`);
      const after = await fetch(`${edge.url}/api/v1/orders`, { headers: { cookie: session } });
      assert.equal(after.status, 401);
      // The origin answered, not the edge: the edge check is advisory, revocation is the origin's.
      assert.equal(after.headers.get('x-cache'), 'Miss from cloudfront');
    });
  });
});
