import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../test/support/app.ts';
import { Shopper } from '../test/support/client.ts';
import type { TestDatabase } from '../test/support/database.ts';
import { json, type Listening } from '../test/support/http.ts';
import { signedInShoppers } from '../test/support/sessions.ts';
import type { App } from './app.ts';

/** A concrete path for a route template; the role check runs before the ids are looked at. */
const concrete = (path: string) =>
  path.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === 'slug' ? 'some-slug' : '1'));

const send = (shopper: Shopper, method: string, path: string) =>
  method === 'get'
    ? shopper.get(path)
    : shopper.send(method.toUpperCase() as 'POST' | 'PUT' | 'PATCH' | 'DELETE', path, {});

describe('authorisation on every admin and studio route', () => {
  let app: TestApp;
  let t: TestDatabase;
  let built: App;
  let http: Listening;

  before(async () => {
    app = await startTestApp();
    ({ t, built, http } = app);
  });
  after(() => app?.close());

  it('when anyone but an admin calls an /api/v1/admin route, then 401 anonymous and 403 for a customer', async () => {
    const [customer] = await signedInShoppers(http.baseUrl, t.db, t.config, 1);
    if (!customer) throw new Error('no customer');
    const anonymous = new Shopper(http.baseUrl);
    await anonymous.refreshCsrf();
    const admin = built.routes.filter((r) => r.path.startsWith('/api/v1/admin/'));
    assert.ok(admin.length >= 20, `${admin.length} admin routes`);
    for (const route of admin) {
      const path = concrete(route.path);
      const a = await send(anonymous, route.method, path);
      assert.equal(a.status, 401, `${route.method} ${path} anonymous`);
      assert.equal((await json(a)).error.code, 'NOT_SIGNED_IN');
      const c = await send(customer, route.method, path);
      assert.equal(c.status, 403, `${route.method} ${path} as a customer`);
      assert.equal((await json(c)).error.code, 'FORBIDDEN');
    }
  });

  it('when a customer calls a studio route other than opening a profile, then 403', async () => {
    const [customer] = await signedInShoppers(http.baseUrl, t.db, t.config, 1);
    if (!customer) throw new Error('no customer');
    const studio = built.routes.filter(
      (r) =>
        r.path.startsWith('/api/v1/studio/') &&
        !(r.path === '/api/v1/studio/profile' && r.method === 'post'),
    );
    assert.ok(studio.length >= 10, `${studio.length} studio routes`);
    for (const route of studio) {
      const res = await send(customer, route.method, concrete(route.path));
      assert.equal(res.status, 403, `${route.method} ${route.path}`);
    }
  });
});
