import assert from 'node:assert/strict';
import {
  factsNeeded,
  type OutboxEvent,
  type PageFacts,
  type ProductFacts,
  stalePages,
} from './publishing.pages.ts';

let nextId = 1;
const event = (
  topic: string,
  aggregateId: number | string,
  payload: Record<string, unknown> = {},
  aggregateType = topic.split('.')[0] ?? '',
): OutboxEvent => ({
  id: nextId++,
  topic,
  aggregateType,
  aggregateId: String(aggregateId),
  payload,
  createdAt: new Date(0),
});

const work = (overrides: Partial<ProductFacts> = {}): ProductFacts => ({
  slug: 'blue-hour',
  published: true,
  artistSlug: 'mara-lind',
  categorySlug: 'painting',
  galleries: [{ slug: 'quiet-geometry', featured: false }],
  favourites: 0,
  ...overrides,
});

function facts(overrides: Partial<PageFacts> = {}): PageFacts {
  return {
    products: new Map([[7, work()]]),
    artists: new Map([
      [3, { slug: 'mara-lind', productSlugs: ['blue-hour', 'low-tide'] }],
      [4, { slug: 'jonas-okafor' }],
    ]),
    categories: new Map([[2, { slug: 'painting' }]]),
    collections: new Map([
      [5, { slug: 'quiet-geometry', featured: false, productSlugs: ['blue-hour'] }],
      [6, { slug: 'colour-field', featured: true, productSlugs: [] }],
    ]),
    home: { productIds: new Set([99]), popularThreshold: 3 },
    ...overrides,
  };
}

describe('publishing: stale pages of a change', () => {
  it('when a draft is edited, then no page is stale', () => {
    const f = facts({ products: new Map([[7, work({ published: false })]]) });
    assert.deepEqual(stalePages([event('product.updated', 7)], f), {
      paths: [],
      fullRebuild: false,
    });
  });

  it('when a work moves to another artist, then both artist pages are stale', () => {
    const { paths } = stalePages(
      [event('product.updated', 7, { previousArtistId: 4, artistId: 3 })],
      facts(),
    );
    assert.ok(paths.includes('/artists/mara-lind/'));
    assert.ok(paths.includes('/artists/jonas-okafor/'));
    assert.ok(!paths.includes('/'), 'not on the home page');
  });

  it('when a work on the home page or in a featured gallery changes, then the home page is stale', () => {
    const onHome = facts({ home: { productIds: new Set([7]), popularThreshold: 3 } });
    assert.ok(stalePages([event('product.updated', 7)], onHome).paths.includes('/'));
    const featured = facts({
      products: new Map([[7, work({ galleries: [{ slug: 'colour-field', featured: true }] })]]),
    });
    assert.ok(stalePages([event('product.updated', 7)], featured).paths.includes('/'));
  });

  it('when a deleted work is known only by its payload, then its page, galleries and the sitemap are stale', () => {
    const { paths } = stalePages(
      [event('product.deleted', 8, { slug: 'gone-work', artistId: 4, collectionIds: [6] })],
      facts(),
    );
    assert.deepEqual(paths, [
      '/',
      '/artists/jonas-okafor/',
      '/galleries/colour-field/',
      '/products/gone-work/',
      '/sitemap.xml',
    ]);
  });

  it('when a payload slug is not a slug, then it never becomes a path', () => {
    const { paths } = stalePages(
      [event('product.deleted', 8, { slug: '../../admin', previousSlug: 'A B' })],
      facts(),
    );
    assert.deepEqual(paths, ['/', '/sitemap.xml']);
  });

  it('when works join a gallery, then the gallery and those works are stale, not its other works', () => {
    const f = facts({
      products: new Map([
        [7, work()],
        [8, work({ slug: 'low-tide' })],
      ]),
    });
    const { paths } = stalePages([event('collection.items_added', 5, { productIds: [8] })], f);
    assert.deepEqual(paths, ['/galleries/quiet-geometry/', '/products/low-tide/']);
  });

  it('when a gallery is renamed, then its old and new page and every work in it are stale', () => {
    const { paths } = stalePages(
      [event('collection.updated', 5, { previousSlug: 'calm-order' })],
      facts(),
    );
    assert.deepEqual(paths, [
      '/galleries/calm-order/',
      '/galleries/quiet-geometry/',
      '/products/blue-hour/',
      '/sitemap.xml',
    ]);
  });

  it('when an artist is renamed, then their page and every page showing their name are stale', () => {
    const { paths } = stalePages([event('artist.updated', 3)], facts());
    assert.deepEqual(paths, [
      '/',
      '/artists/mara-lind/',
      '/products/blue-hour/',
      '/products/low-tide/',
    ]);
  });

  it('when a favourite is added outside the popular list, then nothing is stale; a removal near it stales the home page', () => {
    const f = facts({
      products: new Map([
        [7, work({ favourites: 1 })],
        [8, work({ slug: 'low-tide', favourites: 2 })],
      ]),
    });
    assert.deepEqual(
      stalePages([event('favorite.added', 7, { productId: 7 }, 'user')], f).paths,
      [],
    );
    assert.deepEqual(
      stalePages([event('favorite.removed', 7, { productId: 7 }, 'user')], f).paths,
      [],
    );
    assert.deepEqual(
      stalePages([event('favorite.removed', 8, { productId: 8 }, 'user')], f).paths,
      ['/'],
    );
    const onHome = facts({ home: { productIds: new Set([7]), popularThreshold: 3 } });
    assert.deepEqual(stalePages([event('favorite.added', 7, {}, 'product')], onHome).paths, ['/']);
  });

  it('when a category changes, then the whole site is rebuilt (the navigation lists categories)', () => {
    const result = stalePages([event('category.updated', 2)], facts());
    assert.equal(result.fullRebuild, true);
    assert.ok(result.paths.includes('/categories/painting/'));
  });

  it('when an event of an unknown kind comes, then the whole site is rebuilt; orders and users change nothing', () => {
    assert.equal(stalePages([event('shop.updated', 1)], facts()).fullRebuild, true);
    assert.deepEqual(
      stalePages([event('order.placed', 'a1b2'), event('user.registered', 4)], facts()),
      { paths: [], fullRebuild: false },
    );
  });

  it('when the facts are planned, then members are asked for only where a page lists them', () => {
    const needed = factsNeeded([
      event('collection.reordered', 5),
      event('collection.updated', 6),
      event('artist.created', 4),
      event('artist.updated', 3),
      event('favorite.added', 1, { productId: '12' }, 'user'),
    ]);
    assert.deepEqual(needed.collectionMembers, [6]);
    assert.deepEqual(needed.collectionIds, [5, 6]);
    assert.deepEqual(needed.artistMembers, [3]);
    assert.deepEqual(needed.artistIds, [3, 4]);
    assert.deepEqual(needed.productIds, [12]);
  });
});
