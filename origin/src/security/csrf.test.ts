import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../test/support/app.ts';
import type { Shopper } from '../../test/support/client.ts';
import { fingerprint } from '../../test/support/fingerprint.ts';
import { json } from '../../test/support/http.ts';
import { signedInShoppers } from '../../test/support/sessions.ts';
import type { AnyRoute } from '../platform/http/api.ts';

/*
 * SECURITY.md: "State-changing requests need a CSRF defence (synchroniser or
 * signed double-submit token) plus an Origin / Sec-Fetch-Site check." Checked
 * on every write route the app mounts, not on a sample: a route added later
 * is in the sweep by itself.
 */

const CSRF_CODES = ['CSRF_TOKEN_MISSING', 'CSRF_TOKEN_INVALID', 'CROSS_SITE_REQUEST'];
/** Signed by the payment provider instead of a session (see payments). */
const WEBHOOKS = '/api/v1/payments/webhooks/';

const concrete = (path: string) =>
  path.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === 'slug' ? 'some-slug' : '1'));

type Write = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

describe('security: CSRF on every write', () => {
  let app: TestApp;
  let admin: Shopper;
  let other: Shopper;
  let writes: AnyRoute[];

  before(async () => {
    app = await startTestApp();
    const [first, second] = await signedInShoppers(
      app.http.baseUrl,
      app.t.db,
      app.t.config,
      2,
      'admin',
    );
    if (!first || !second) throw new Error('no admins');
    [admin, other] = [first, second];
    writes = app.built.routes.filter(
      (r) => r.method !== 'get' && r.path.startsWith('/api/') && !r.path.startsWith(WEBHOOKS),
    );
  });
  after(() => app?.close());

  const attempt = (
    route: AnyRoute,
    headers: Record<string, string>,
    csrf: boolean,
  ): Promise<Response> =>
    admin.send(route.method.toUpperCase() as Write, concrete(route.path), {}, { csrf, headers });

  it('when a write comes without a token, with another session’s, from a foreign or null Origin, or marked cross-site, then 403 with its code and nothing changes', async () => {
    assert.ok(writes.length >= 30, `${writes.length} write routes`);
    const token = admin.csrf ?? '';
    const cases: Array<[string, Record<string, string>, boolean, string]> = [
      ['no token', {}, false, 'CSRF_TOKEN_MISSING'],
      [
        'another session’s token',
        { 'x-csrf-token': other.csrf ?? '' },
        false,
        'CSRF_TOKEN_INVALID',
      ],
      [
        'a made-up token',
        { 'x-csrf-token': `${'A'.repeat(22)}.${'B'.repeat(43)}` },
        false,
        'CSRF_TOKEN_INVALID',
      ],
      ['a foreign Origin', { origin: 'https://evil.example' }, true, 'CROSS_SITE_REQUEST'],
      ['Origin: null', { origin: 'null' }, true, 'CROSS_SITE_REQUEST'],
      [
        'Sec-Fetch-Site: cross-site',
        { 'sec-fetch-site': 'cross-site' },
        true,
        'CROSS_SITE_REQUEST',
      ],
    ];
    const before = await fingerprint(app.t.db, { countOnly: ['sessions'] });
    for (const route of writes) {
      for (const [what, headers, csrf, code] of cases) {
        const res = await attempt(route, headers, csrf);
        const label = `${route.method.toUpperCase()} ${route.path} with ${what}`;
        assert.equal(res.status, 403, label);
        assert.equal((await json(res)).error.code, code, label);
      }
    }
    assert.equal(admin.csrf, token);
    assert.deepEqual(await fingerprint(app.t.db, { countOnly: ['sessions'] }), before);
  });

  it('when the OpenAPI document is built, then every write the check guards lists 403', async () => {
    const doc = await json(await fetch(`${app.http.baseUrl}/api/openapi.json`));
    for (const route of writes) {
      const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const responses = doc.paths[path]?.[route.method]?.responses ?? {};
      assert.ok('403' in responses, `${route.method.toUpperCase()} ${route.path} documents 403`);
    }
  });

  it('when the write carries its token from the shop’s own site, then no CSRF refusal (the route decides)', async () => {
    // The control that makes the refusals above mean something. Logout last: it ends the session.
    const ordered = [...writes].sort(
      (a, b) => Number(a.path.endsWith('/logout')) - Number(b.path.endsWith('/logout')),
    );
    for (const route of ordered) {
      const res = await attempt(
        route,
        { origin: app.t.config.publicBaseUrl, 'sec-fetch-site': 'same-origin' },
        true,
      );
      const body = res.status === 204 ? null : await json(res);
      assert.ok(
        !CSRF_CODES.includes(body?.error?.code),
        `${route.method.toUpperCase()} ${route.path}: ${res.status} ${body?.error?.code}`,
      );
    }
  });
});
