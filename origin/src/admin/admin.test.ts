import assert from 'node:assert/strict';
import { json } from '../../test/support/http.ts';
import { buildOpenApiDocument } from '../platform/http/api.ts';
import {
  type CatalogueHarness,
  catalogueHarness,
  type SignedInUser,
  unique,
} from '../studio/testing.ts';

describe('admin catalogue API', () => {
  let h: CatalogueHarness;
  let admin: SignedInUser;
  let artist: SignedInUser;
  let customer: SignedInUser;

  before(async () => {
    h = await catalogueHarness();
    [admin, artist, customer] = await Promise.all([
      h.user('admin'),
      h.user('artist'),
      h.user('customer'),
    ]);
  });
  after(() => h?.close());

  const createCollection = async (overrides: Record<string, unknown> = {}) => {
    const res = await admin.shopper.send('POST', '/api/v1/admin/collections', {
      slug: `spring-${unique()}`,
      title: 'Spring',
      ...overrides,
    });
    assert.equal(res.status, 201, await res.clone().text());
    return json(res);
  };
  const order = async (collectionId: number) =>
    (
      await h.rows<{ productId: number; position: number }>(
        'SELECT product_id AS "productId", position FROM collection_items WHERE collection_id = $1 ORDER BY position',
        [collectionId],
      )
    ).map((r) => [r.productId, r.position]);
  const setItems = (collectionId: number, productIds: number[]) =>
    admin.shopper.send('PUT', `/api/v1/admin/collections/${collectionId}/items`, { productIds });

  it('when anonymous, a customer or an artist calls an admin catalogue route, then 401 or 403 and nothing changes', async () => {
    const routes: Array<['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, unknown]> = [
      ['GET', '/api/v1/admin/collections', undefined],
      ['POST', '/api/v1/admin/collections', { slug: 'x-y', title: 'X' }],
      ['PUT', '/api/v1/admin/collections/1/items', { productIds: [] }],
      ['POST', '/api/v1/admin/categories', { slug: 'x-y', name: 'X' }],
      ['DELETE', '/api/v1/admin/categories/1', undefined],
      ['PUT', '/api/v1/admin/products/1/stock', { onHand: 1 }],
      ['POST', '/api/v1/admin/products/1/stock/adjustments', { delta: 1, reason: 'count' }],
      ['POST', '/api/v1/admin/products/1/unpublish', undefined],
      ['POST', '/api/v1/admin/products/1/archive', undefined],
    ];
    for (const [method, path, body] of routes) {
      if (method === 'GET') assert.equal((await fetch(`${h.baseUrl}${path}`)).status, 401, path);
      for (const who of [customer, artist]) {
        const res =
          method === 'GET'
            ? await who.shopper.get(path)
            : await who.shopper.send(method, path, body);
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal((await json(res)).error.code, 'FORBIDDEN');
      }
    }
    assert.deepEqual(await h.rows('SELECT id FROM collections'), []);
    assert.deepEqual(await h.rows('SELECT id FROM categories'), []);
  });

  describe('galleries', () => {
    it('when a gallery is created and edited, then it has its slug, title, featured flag and position, and a taken slug is 409', async () => {
      const slug = `night-${unique()}`;
      const created = await createCollection({
        slug,
        title: 'Night pieces',
        featured: true,
        position: 2,
      });
      assert.deepEqual(
        { ...created, id: 0 },
        {
          id: 0,
          slug,
          title: 'Night pieces',
          description: '',
          featured: true,
          position: 2,
          items: [],
        },
      );
      const edited = await admin.shopper.send('PATCH', `/api/v1/admin/collections/${created.id}`, {
        title: 'Nocturnes',
        featured: false,
      });
      assert.equal(edited.status, 200);
      const body = await json(edited);
      assert.equal(body.title, 'Nocturnes');
      assert.equal(body.featured, false);
      const taken = await admin.shopper.send('POST', '/api/v1/admin/collections', {
        slug,
        title: 'Copy',
      });
      assert.equal(taken.status, 409);
      assert.equal((await json(taken)).error.code, 'SLUG_TAKEN');
      assert.deepEqual(await h.topics('collection', created.id), [
        'collection.created',
        'collection.updated',
      ]);
    });

    it('when the ordered list is set, swapped, added to and removed from, then positions are always 0…n-1', async () => {
      const gallery = await createCollection();
      const [a, b, c, d] = await Promise.all(
        [1, 2, 3, 4].map(() => h.product({ artistId: artist.artistId })),
      );
      if (!a || !b || !c || !d) throw new Error('unreachable');
      const set = await setItems(gallery.id, [a.id, b.id, c.id]);
      assert.equal(set.status, 200, await set.clone().text());
      assert.deepEqual(
        (await json(set)).items.map((i: { productId: number; position: number }) => [
          i.productId,
          i.position,
        ]),
        [
          [a.id, 0],
          [b.id, 1],
          [c.id, 2],
        ],
      );
      // A swap of the first and the last, which a non-deferred unique position would refuse midway.
      assert.equal((await setItems(gallery.id, [c.id, b.id, a.id])).status, 200);
      assert.deepEqual(await order(gallery.id), [
        [c.id, 0],
        [b.id, 1],
        [a.id, 2],
      ]);
      const added = await admin.shopper.send(
        'POST',
        `/api/v1/admin/collections/${gallery.id}/items`,
        {
          productId: d.id,
          position: 1,
        },
      );
      assert.equal(added.status, 200, await added.clone().text());
      assert.deepEqual(await order(gallery.id), [
        [c.id, 0],
        [d.id, 1],
        [b.id, 2],
        [a.id, 3],
      ]);
      const again = await admin.shopper.send(
        'POST',
        `/api/v1/admin/collections/${gallery.id}/items`,
        {
          productId: d.id,
        },
      );
      assert.equal((await json(again)).error.code, 'ALREADY_IN_COLLECTION');
      assert.equal(
        (
          await admin.shopper.send(
            'DELETE',
            `/api/v1/admin/collections/${gallery.id}/items/${d.id}`,
          )
        ).status,
        204,
      );
      assert.equal(
        (
          await admin.shopper.send(
            'DELETE',
            `/api/v1/admin/collections/${gallery.id}/items/${d.id}`,
          )
        ).status,
        204,
      );
      assert.deepEqual(await order(gallery.id), [
        [c.id, 0],
        [b.id, 1],
        [a.id, 2],
      ]);
      assert.deepEqual(await h.topics('collection', gallery.id), [
        'collection.created',
        'collection.reordered',
        'collection.reordered',
        'collection.item_added',
        'collection.item_removed',
      ]);
    });

    it('when a reorder names a work twice, a draft, an archived or an unknown work, then 400/409 and the old order is intact', async () => {
      const gallery = await createCollection();
      const [a, b] = await Promise.all([1, 2].map(() => h.product({ artistId: artist.artistId })));
      const draft = await h.product({ artistId: artist.artistId, status: 'draft' });
      const archived = await h.product({ artistId: artist.artistId, status: 'archived' });
      if (!a || !b) throw new Error('unreachable');
      assert.equal((await setItems(gallery.id, [a.id, b.id])).status, 200);
      const before = await order(gallery.id);
      const outboxBefore = await h.topics('collection', gallery.id);

      const twice = await setItems(gallery.id, [b.id, a.id, b.id]);
      assert.equal(twice.status, 400);
      assert.match(JSON.stringify((await json(twice)).error.details), /more than once/);
      for (const refused of [draft.id, archived.id, 999_999_999]) {
        const res = await setItems(gallery.id, [b.id, refused, a.id]);
        assert.equal(res.status, 409, String(refused));
        const body = await json(res);
        assert.equal(body.error.code, 'PRODUCTS_NOT_PUBLISHED');
        assert.deepEqual(body.error.details.productIds, [refused]);
      }
      const addDraft = await admin.shopper.send(
        'POST',
        `/api/v1/admin/collections/${gallery.id}/items`,
        {
          productId: draft.id,
        },
      );
      assert.equal(addDraft.status, 409);
      assert.deepEqual(await order(gallery.id), before);
      assert.deepEqual(
        await h.topics('collection', gallery.id),
        outboxBefore,
        'refusals record nothing',
      );
      const missing = await admin.shopper.send('PUT', '/api/v1/admin/collections/999999999/items', {
        productIds: [],
      });
      assert.equal((await json(missing)).error.code, 'COLLECTION_NOT_FOUND');
    });

    it('when many reorders of one gallery race, then every one applies whole and the result is gap-free', async () => {
      const gallery = await createCollection();
      const works = await Promise.all(
        [1, 2, 3, 4, 5].map(() => h.product({ artistId: artist.artistId })),
      );
      const ids = works.map((w) => w.id);
      const orders = [
        ids,
        [...ids].reverse(),
        [ids[2], ids[0], ids[4], ids[1], ids[3]] as number[],
      ];
      const results = await Promise.all([...orders, ...orders].map((o) => setItems(gallery.id, o)));
      for (const res of results) assert.equal(res.status, 200, await res.clone().text());
      const final = await order(gallery.id);
      assert.deepEqual(
        final.map(([, position]) => position),
        [0, 1, 2, 3, 4],
      );
      assert.ok(
        orders.some((o) => JSON.stringify(o) === JSON.stringify(final.map(([id]) => id))),
        'the final order is one of the requested ones',
      );
    });
  });

  describe('categories', () => {
    it('when a category is created, renamed and deleted, then a used one is refused with 409 CATEGORY_IN_USE and an unused one goes', async () => {
      const slug = `prints-${unique()}`;
      const created = await admin.shopper.send('POST', '/api/v1/admin/categories', {
        slug,
        name: 'Prints',
      });
      assert.equal(created.status, 201, await created.clone().text());
      const category = await json(created);
      assert.deepEqual(
        { ...category, id: 0 },
        { id: 0, slug, name: 'Prints', parentSlug: null, position: 0, productCount: 0 },
      );
      const child = await json(
        await admin.shopper.send('POST', '/api/v1/admin/categories', {
          slug: `${slug}-small`,
          name: 'Small',
          parentSlug: slug,
        }),
      );
      assert.equal(child.parentSlug, slug);
      const orphan = await admin.shopper.send('POST', '/api/v1/admin/categories', {
        slug: `x-${unique()}`,
        name: 'X',
        parentSlug: 'nope',
      });
      assert.equal((await json(orphan)).error.code, 'PARENT_CATEGORY_NOT_FOUND');
      const taken = await admin.shopper.send('POST', '/api/v1/admin/categories', {
        slug,
        name: 'Again',
      });
      assert.equal((await json(taken)).error.code, 'SLUG_TAKEN');

      const renamed = await admin.shopper.send('PATCH', `/api/v1/admin/categories/${category.id}`, {
        name: 'Fine prints',
      });
      assert.equal((await json(renamed)).name, 'Fine prints');

      const work = await h.product({ artistId: artist.artistId });
      await h.rows('UPDATE products SET category_id = $1 WHERE id = $2 RETURNING id', [
        category.id,
        work.id,
      ]);
      // The detail shows the category's name: a rename must reach it.
      const detail = await json(await fetch(`${h.baseUrl}/api/v1/products/${work.slug}`));
      assert.equal(detail.category?.name, 'Fine prints');
      await admin.shopper.send('PATCH', `/api/v1/admin/categories/${category.id}`, {
        name: 'Etchings',
      });
      assert.equal(
        (await json(await fetch(`${h.baseUrl}/api/v1/products/${work.slug}`))).category?.name,
        'Etchings',
      );

      const inUse = await admin.shopper.send('DELETE', `/api/v1/admin/categories/${category.id}`);
      assert.equal(inUse.status, 409);
      const refusal = await json(inUse);
      assert.equal(refusal.error.code, 'CATEGORY_IN_USE');
      assert.deepEqual(refusal.error.details, { products: 1, subcategories: 1 });
      assert.equal(
        (await h.rows('SELECT id FROM categories WHERE id = $1', [category.id])).length,
        1,
      );

      assert.equal(
        (await admin.shopper.send('DELETE', `/api/v1/admin/categories/${child.id}`)).status,
        204,
      );
      await h.rows('UPDATE products SET category_id = NULL WHERE id = $1 RETURNING id', [work.id]);
      assert.equal(
        (await admin.shopper.send('DELETE', `/api/v1/admin/categories/${category.id}`)).status,
        204,
      );
      const gone = await admin.shopper.send('DELETE', `/api/v1/admin/categories/${category.id}`);
      assert.equal(gone.status, 404);
      assert.deepEqual(await h.topics('category', category.id), [
        'category.created',
        'category.updated',
        'category.updated',
        'category.deleted',
      ]);
    });
  });

  describe('any product', () => {
    it('when stock is set or adjusted with a reason, then it never goes below what is held (409 STOCK_BELOW_HELD) and the reason is in the outbox', async () => {
      const work = await h.product({ artistId: artist.artistId, onHand: 4 });
      await h.rows('UPDATE inventory SET held = 2 WHERE product_id = $1 RETURNING held', [work.id]);
      const base = `/api/v1/admin/products/${work.id}`;
      const adjusted = await admin.shopper.send('POST', `${base}/stock/adjustments`, {
        delta: 3,
        reason: 'Found in the store room',
      });
      assert.equal(adjusted.status, 200, await adjusted.clone().text());
      assert.deepEqual((await json(adjusted)).stock, {
        tracked: true,
        onHand: 7,
        held: 2,
        available: 5,
      });
      const tooFar = await admin.shopper.send('POST', `${base}/stock/adjustments`, {
        delta: -6,
        reason: 'Damaged in transit',
      });
      assert.equal(tooFar.status, 409);
      assert.deepEqual((await json(tooFar)).error.details, { held: 2, requested: 1 });
      const below = await admin.shopper.send('PUT', `${base}/stock`, { onHand: 1 });
      assert.equal((await json(below)).error.code, 'STOCK_BELOW_HELD');
      assert.equal(
        (await json(await admin.shopper.send('PUT', `${base}/stock`, { onHand: 2 }))).stock.onHand,
        2,
      );
      const noReason = await admin.shopper.send('POST', `${base}/stock/adjustments`, { delta: 1 });
      assert.equal(noReason.status, 400);
      const zero = await admin.shopper.send('POST', `${base}/stock/adjustments`, {
        delta: 0,
        reason: 'nothing',
      });
      assert.equal(zero.status, 400);

      const [event] = await h.rows<{ payload: Record<string, unknown> }>(
        `SELECT payload FROM outbox WHERE aggregate_type = 'product' AND aggregate_id = $1 AND topic = 'product.stock_changed'
         ORDER BY id LIMIT 1`,
        [String(work.id)],
      );
      assert.equal(event?.payload.reason, 'Found in the store room');
      assert.equal(event?.payload.delta, 3);
      assert.deepEqual(event?.payload.by, { userId: admin.userId, via: 'admin' });
      assert.deepEqual(await h.topics('product', work.id), [
        'product.stock_changed',
        'product.stock_changed',
      ]);

      const untracked = await h.product({
        artistId: artist.artistId,
        kind: 'digital',
        onHand: null,
      });
      const notTracked = await admin.shopper.send(
        'POST',
        `/api/v1/admin/products/${untracked.id}/stock/adjustments`,
        {
          delta: 1,
          reason: 'recount',
        },
      );
      assert.equal((await json(notTracked)).error.code, 'STOCK_NOT_TRACKED');
      const unknown = await admin.shopper.send('PUT', '/api/v1/admin/products/999999999/stock', {
        onHand: 1,
      });
      assert.equal(unknown.status, 404);
    });

    it('when an admin unpublishes or archives any product, then it leaves the shop at once although it was just read', async () => {
      const [one, two] = await Promise.all(
        [1, 2].map(() => h.product({ artistId: artist.artistId })),
      );
      if (!one || !two) throw new Error('unreachable');
      for (const [work, action, status] of [
        [one, 'unpublish', 'draft'],
        [two, 'archive', 'archived'],
      ] as const) {
        assert.equal(
          (await fetch(`${h.baseUrl}/api/v1/products/${work.slug}`)).status,
          200,
          'warm the cache',
        );
        const res = await admin.shopper.send('POST', `/api/v1/admin/products/${work.id}/${action}`);
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal((await json(res)).status, status);
        assert.equal(
          (await fetch(`${h.baseUrl}/api/v1/products/${work.slug}`)).status,
          404,
          action,
        );
      }
      assert.deepEqual(await h.topics('product', one.id), ['product.unpublished']);
      assert.deepEqual(await h.topics('product', two.id), ['product.archived']);
      const list = await json(await admin.shopper.get('/api/v1/admin/products?status=archived'));
      assert.ok(list.items.some((w: { id: number }) => w.id === two.id));
    });
  });

  it('when the OpenAPI document is built, then every admin catalogue route is in it', () => {
    const doc = JSON.parse(
      JSON.stringify(
        buildOpenApiDocument(
          // This feature's routes alone, so another feature's schema cannot mask a problem here.
          h.built.routes.filter((r) =>
            /^\/api\/v1\/admin\/(collections|categories|products)\b/.test(r.path),
          ),
          { title: 'admin', version: '0' },
        ),
      ),
    );
    for (const route of [
      '/api/v1/admin/collections',
      '/api/v1/admin/collections/{id}/items',
      '/api/v1/admin/collections/{id}/items/{productId}',
      '/api/v1/admin/categories/{id}',
      '/api/v1/admin/products/{id}/stock/adjustments',
    ])
      assert.ok(doc.paths[route], route);
  });
});
