import assert from 'node:assert/strict';
import { json } from '../../test/support/http.ts';
import { CATALOG } from '../catalog/catalog.tags.ts';
import { createChangeWriter } from '../platform/changes.ts';
import { buildOpenApiDocument } from '../platform/http/api.ts';
import { createLocalStorage } from '../platform/storage/index.ts';
import {
  type CatalogueHarness,
  catalogueHarness,
  type SignedInUser,
  unique,
} from '../studio/testing.ts';
import { favoritesService, throttle } from './favorites.service.ts';

describe('favourites: the popularity throttle', () => {
  it('when calls come within the window, then only the first of each window passes; a 0 window lets all through', () => {
    const clock = { now: 1_000 };
    const allow = throttle(30_000, () => clock.now);
    assert.equal(allow(), true);
    clock.now += 29_999;
    assert.equal(allow(), false);
    clock.now += 1;
    assert.equal(allow(), true);
    assert.equal(allow(), false);
    const always = throttle(0, () => clock.now);
    assert.deepEqual([always(), always(), always()], [true, true, true]);
  });
});

describe('favourites API', () => {
  let h: CatalogueHarness;
  let shopper: SignedInUser;
  let artistId: number | null;

  before(async () => {
    h = await catalogueHarness();
    shopper = await h.user('customer');
    artistId = (await h.user('artist')).artistId;
  });
  after(() => h?.close());

  const favourites = async (who: SignedInUser = shopper) => {
    const res = await who.shopper.get('/api/v1/favorites');
    assert.equal(res.status, 200);
    return json(res);
  };
  const ids = (page: { items: Array<{ product: { id: number } }> }) =>
    page.items.map((i) => i.product.id);

  it('when anonymous, then 401', async () => {
    assert.equal((await fetch(`${h.baseUrl}/api/v1/favorites`)).status, 401);
  });

  it('when a published work is added twice and removed twice, then each answers 204, one row exists in between, and one outbox row per real change', async () => {
    const work = await h.product({ artistId, title: `Tidal ${unique()}` });
    for (let i = 0; i < 2; i++) {
      assert.equal((await shopper.shopper.send('PUT', `/api/v1/favorites/${work.id}`)).status, 204);
    }
    assert.deepEqual(
      await h.rows('SELECT product_id AS "productId" FROM favorites WHERE user_id = $1', [
        shopper.userId,
      ]),
      [{ productId: work.id }],
    );
    const page = await favourites();
    assert.deepEqual(ids(page), [work.id]);
    const [item] = page.items;
    assert.equal(item.product.slug, work.slug);
    assert.deepEqual(item.product.price, { amountMinor: 12500, currency: 'EUR' });
    assert.ok(Date.parse(item.addedAt));
    for (let i = 0; i < 2; i++) {
      assert.equal(
        (await shopper.shopper.send('DELETE', `/api/v1/favorites/${work.id}`)).status,
        204,
      );
    }
    assert.deepEqual(ids(await favourites()), []);
    assert.deepEqual(await h.topics('product', work.id), ['favorite.added', 'favorite.removed']);
  });

  it('when the work is a draft, archived or unknown, then adding answers 404 and nothing is stored', async () => {
    const draft = await h.product({ artistId, status: 'draft' });
    const archived = await h.product({ artistId, status: 'archived' });
    for (const id of [draft.id, archived.id, 999_999_999]) {
      const res = await shopper.shopper.send('PUT', `/api/v1/favorites/${id}`);
      assert.equal(res.status, 404, String(id));
      assert.equal((await json(res)).error.code, 'PRODUCT_NOT_FOUND');
    }
    assert.equal((await shopper.shopper.send('PUT', '/api/v1/favorites/abc')).status, 400);
    assert.equal(
      (await shopper.shopper.send('DELETE', `/api/v1/favorites/${draft.id}`)).status,
      204,
      'removing is always fine',
    );
    assert.deepEqual(
      await h.rows('SELECT * FROM favorites WHERE product_id = ANY ($1::bigint[])', [
        [draft.id, archived.id],
      ]),
      [],
    );
    assert.deepEqual(await h.topics('product', draft.id), []);
  });

  it('when a favourite is unpublished later, then the list leaves it out; the lists of two users are their own, page by page', async () => {
    const other = await h.user('customer');
    const works = await Promise.all([1, 2, 3].map(() => h.product({ artistId })));
    for (const work of works)
      assert.equal((await other.shopper.send('PUT', `/api/v1/favorites/${work.id}`)).status, 204);
    const [first, second, third] = works;
    if (!first || !second || !third) throw new Error('unreachable');
    await h.rows(`UPDATE products SET status = 'draft' WHERE id = $1 RETURNING id`, [second.id]);
    const pageOne = await json(await other.shopper.get('/api/v1/favorites?limit=1'));
    const pageTwo = await json(
      await other.shopper.get(`/api/v1/favorites?limit=1&cursor=${pageOne.nextCursor}`),
    );
    assert.deepEqual(
      [...ids(pageOne), ...ids(pageTwo)],
      [third.id, first.id],
      'newest first, the draft left out',
    );
    assert.equal(pageTwo.nextCursor, null);
    assert.ok(!ids(await favourites()).some((id: number) => works.some((w) => w.id === id)));
  });

  it('when favourites arrive in a storm, then CATALOG is invalidated by the first of each window only, and every one is in the outbox', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => h.product({ artistId })));
    if (!a || !b) throw new Error('unreachable');
    const clock = { now: 0 };
    // A service of its own: a fresh throttle on a clock the test moves.
    const service = favoritesService({
      db: h.t.db,
      changes: createChangeWriter({ db: h.t.db, cache: h.built.cache }),
      storage: createLocalStorage({ dir: h.t.config.mediaDir }),
      clock: () => clock.now,
      popularityRefreshMs: 30_000,
    });
    const key = `test:popular:${unique()}`;
    const cached = async () => {
      await h.built.cache.set(key, 'popular works', { tags: [CATALOG] });
      assert.equal(await h.built.cache.get(key), 'popular works');
    };
    await cached();
    await service.add(shopper.userId, a.id);
    assert.equal(
      await h.built.cache.get(key),
      undefined,
      'the first favourite refreshes popular lists',
    );
    await cached();
    clock.now += 29_000;
    await service.add(shopper.userId, b.id);
    await service.remove(shopper.userId, a.id);
    assert.equal(
      await h.built.cache.get(key),
      'popular works',
      'within the window: not emptied again',
    );
    clock.now += 1_000;
    await service.remove(shopper.userId, b.id);
    assert.equal(await h.built.cache.get(key), undefined, 'the next window refreshes again');
    assert.deepEqual(await h.topics('product', a.id), ['favorite.added', 'favorite.removed']);
    assert.deepEqual(await h.topics('product', b.id), ['favorite.added', 'favorite.removed']);
  });

  it('when the OpenAPI document is built, then the favourites routes are in it', () => {
    const doc = JSON.parse(
      JSON.stringify(
        buildOpenApiDocument(
          h.built.routes.filter((r) => r.path.startsWith('/api/v1/favorites')),
          { title: 'favorites', version: '0' },
        ),
      ),
    );
    assert.ok(doc.paths['/api/v1/favorites'].get);
    assert.ok(doc.paths['/api/v1/favorites/{productId}'].put);
    assert.ok(doc.paths['/api/v1/favorites/{productId}'].delete);
  });
});
