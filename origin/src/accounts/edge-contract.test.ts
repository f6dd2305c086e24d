import assert from 'node:assert/strict';
import { BEHAVIOURS, COOKIES, FUNCTION_CONFIG } from '@vitrine/edge/description';
import { startTestApp, type TestApp } from '../../test/support/app.ts';
import { Shopper } from '../../test/support/client.ts';
import { cookieNames } from './auth.middleware.ts';

/*
 * The edge answers for the origin only where the origin would answer the same
 * (ARCHITECTURE.md: the edge check is advisory). These tests hold the edge's
 * description to the routes and cookies the origin really has.
 */

describe('edge contract', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it('when the edge names the cookies, then they are the ones the origin issues in production', () => {
    assert.deepEqual(COOKIES, cookieNames(true));
    assert.equal(FUNCTION_CONFIG.sessionCookie, cookieNames(true).session);
  });

  it('when anonymous requests reach every route under a prefix the edge gates, then the origin also answers 401 NOT_SIGNED_IN', async () => {
    const under = (path: string) =>
      FUNCTION_CONFIG.gatedApi.some((p) => path === p || path.startsWith(`${p}/`));
    const gated = app.built.routes.filter((r) => under(r.path));
    // Every gated prefix covers at least one real route; a renamed route would leave it dangling.
    for (const prefix of FUNCTION_CONFIG.gatedApi) {
      assert.ok(
        gated.some((r) => r.path === prefix || r.path.startsWith(`${prefix}/`)),
        `no route under ${prefix}`,
      );
    }
    assert.ok(gated.length >= 30, `${gated.length} gated routes`);
    const shopper = new Shopper(app.http.baseUrl);
    await shopper.refreshCsrf();
    for (const route of gated) {
      const path = route.path.replace(/:\w+/g, '1');
      const method = route.method.toUpperCase();
      const res =
        method === 'GET'
          ? await shopper.get(path)
          : await shopper.send(method as 'POST' | 'PUT' | 'PATCH' | 'DELETE', path, {});
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_SIGNED_IN');
    }
  });

  it('when the origin needs a request header, then the app behaviours forward it', () => {
    const needed = [
      'x-csrf-token',
      'idempotency-key',
      'origin',
      'sec-fetch-site',
      'user-agent',
      'content-type',
      'stripe-signature',
    ];
    for (const behaviour of BEHAVIOURS.filter((b) => b.origin === 'app' && b.methods === 'all')) {
      for (const header of needed) {
        assert.ok(behaviour.headers.includes(header), `${behaviour.name} drops ${header}`);
      }
      assert.deepEqual([...behaviour.cookies].sort(), Object.values(cookieNames(true)).sort());
    }
  });
});
