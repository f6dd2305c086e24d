import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../test/support/app.ts';
import { Shopper } from '../../test/support/client.ts';

/* The storefront build reads the catalogue with a token instead of a session. */

const TOKEN = 'build-token-0123456789abcdefghijklmnop';

describe('catalogue export token', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ overrides: { CATALOG_EXPORT_TOKEN: TOKEN } });
  });
  after(() => t.close());

  const get = (path: string, authorization?: string) =>
    fetch(`${t.http.baseUrl}${path}`, authorization ? { headers: { authorization } } : {});

  it('when the build sends the token, then it gets the export and the change feed', async () => {
    const exported = await get('/api/v1/admin/catalog/export', `Bearer ${TOKEN}`);
    assert.equal(exported.status, 200);
    const lines = (await exported.text()).trim().split('\n');
    assert.equal(JSON.parse(lines.at(-1) ?? '{}').type, 'end');
    const changes = await get('/api/v1/admin/changes?after=0', `Bearer ${TOKEN}`);
    assert.equal(changes.status, 200);
  });

  it('when a wrong token is sent, then 401 EXPORT_TOKEN_INVALID and nothing is read', async () => {
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, 'Bearer nope']) {
      const res = await get('/api/v1/admin/catalog/export', authorization);
      assert.equal(res.status, 401, authorization);
      assert.equal(
        ((await res.json()) as { error: { code: string } }).error.code,
        'EXPORT_TOKEN_INVALID',
      );
    }
  });

  it('when neither a token nor an admin session is sent, then the export stays closed', async () => {
    assert.equal((await get('/api/v1/admin/catalog/export')).status, 401);
    const shopper = new Shopper(t.http.baseUrl);
    await shopper.signIn('register', {
      email: 'not-admin@example.test',
      password: 'a long enough passphrase',
    });
    assert.equal((await shopper.get('/api/v1/admin/catalog/export')).status, 403);
  });

  it('when the origin has no token configured, then a bearer token opens nothing', async () => {
    const bare = await startTestApp();
    try {
      const res = await fetch(`${bare.http.baseUrl}/api/v1/admin/catalog/export`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(res.status, 401);
    } finally {
      await bare.close();
    }
  });
});
