import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { json } from '../../test/support/http.ts';
import { buildOpenApiDocument } from '../platform/http/api.ts';
import { DEFAULT_IMAGE_LIMITS, processImage } from './studio.images.ts';
import { firstFreeSlug, slugify } from './studio.slug.ts';
import {
  type CatalogueHarness,
  catalogueHarness,
  type SignedInUser,
  sendBytes,
  unique,
} from './testing.ts';

/** A solid-colour picture of the given size and format. */
function picture(
  width: number,
  height: number,
  format: 'jpeg' | 'png' | 'webp' | 'avif' = 'jpeg',
): Promise<Buffer> {
  const image = sharp({
    create: { width, height, channels: 3, background: { r: 180, g: 90, b: 40 } },
  });
  return image.toFormat(format).toBuffer();
}

/**
 * A PNG whose header claims `width` × `height` but which carries almost no
 * data: what a decompression bomb looks like to a reader of headers.
 */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width * 3 + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const SVG = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
);

const newWork = (overrides: Record<string, unknown> = {}) => ({
  title: `Harbour at Dusk ${unique()}`,
  description: 'Oil on linen.',
  price: { amountMinor: 125_000, currency: 'EUR' },
  kind: 'physical',
  attributes: { medium: 'Oil on linen', year: 2024, framed: true },
  ...overrides,
});

describe('studio: slugs and image processing (no HTTP)', () => {
  it('when titles have accents, punctuation or no Latin letters, then slugs are clean and a taken one gets a number', () => {
    assert.equal(slugify('  Café — Nocturne No. 3!  '), 'cafe-nocturne-no-3');
    assert.equal(slugify('夜の港'), 'work');
    assert.equal(slugify('a'.repeat(300)).length, 100);
    assert.equal(firstFreeSlug('dusk', []), 'dusk');
    assert.equal(firstFreeSlug('dusk', ['dusk', 'dusk-2', 'dusk-4']), 'dusk-3');
  });

  it('when a photo carries EXIF and an orientation, then it is stored upright and without metadata', async () => {
    const photo = await sharp({
      create: { width: 300, height: 200, channels: 3, background: '#336699' },
    })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'Mara Lind', Artist: 'Mara Lind' } })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    assert.ok((await sharp(photo).metadata()).exif, 'the test photo has EXIF');
    const processed = await processImage(photo, DEFAULT_IMAGE_LIMITS);
    const meta = await sharp(processed.original.bytes).metadata();
    assert.equal(meta.exif, undefined);
    assert.equal(meta.orientation, undefined);
    assert.deepEqual(
      [processed.original.width, processed.original.height],
      [200, 300],
      'rotated upright',
    );
  });

  it('when the pixel limit is low, then a picture over it is refused from its header', async () => {
    await assert.rejects(
      processImage(await picture(400, 300, 'png'), { ...DEFAULT_IMAGE_LIMITS, maxPixels: 100_000 }),
      {
        code: 'IMAGE_TOO_LARGE_DIMENSIONS',
        status: 422,
      },
    );
  });
});

describe('studio API', () => {
  let h: CatalogueHarness;
  let artist: SignedInUser;
  let rival: SignedInUser;
  let customer: SignedInUser;
  let categorySlug: string;

  before(async () => {
    h = await catalogueHarness();
    [artist, rival, customer] = await Promise.all([
      h.user('artist'),
      h.user('artist'),
      h.user('customer'),
    ]);
    categorySlug = `paintings-${unique()}`;
    await h.rows('INSERT INTO categories (slug, name) VALUES ($1, $2) RETURNING id', [
      categorySlug,
      'Paintings',
    ]);
  });
  after(() => h?.close());

  const create = async (who: SignedInUser, body: Record<string, unknown> = newWork()) => {
    const res = await who.shopper.send('POST', '/api/v1/studio/products', body);
    assert.equal(res.status, 201, await res.clone().text());
    return json(res);
  };
  const upload = async (
    who: SignedInUser,
    id: number,
    bytes: Buffer,
    type = 'image/jpeg',
    alt?: string,
  ) =>
    sendBytes(
      who.shopper,
      `/api/v1/studio/products/${id}/images${alt ? `?alt=${encodeURIComponent(alt)}` : ''}`,
      bytes,
      type,
    );
  const uploaded = async (who: SignedInUser, id: number, bytes?: Buffer) => {
    const res = await upload(who, id, bytes ?? (await picture(640, 480)));
    assert.equal(res.status, 201, await res.clone().text());
    return json(res);
  };
  const filesUnder = async (folder: string) => {
    try {
      return await readdir(path.join(h.t.config.mediaDir, folder), { recursive: true });
    } catch {
      return [];
    }
  };

  it('when anonymous or a customer, then studio routes answer 401 and 403', async () => {
    const anonymous = await fetch(`${h.baseUrl}/api/v1/studio/products`);
    assert.equal(anonymous.status, 401);
    const list = await customer.shopper.get('/api/v1/studio/products');
    assert.equal(list.status, 403);
    assert.equal((await json(list)).error.code, 'FORBIDDEN');
    assert.equal(
      (await customer.shopper.send('POST', '/api/v1/studio/products', newWork())).status,
      403,
    );
    assert.equal((await upload(customer, 1, await picture(10, 10))).status, 403);
    assert.equal((await customer.shopper.get('/api/v1/studio/sales')).status, 403);
  });

  it('when an artist creates works, then each is a draft with a unique slug, the price in minor units, attributes and default stock', async () => {
    const title = `Harbour at Dusk ${unique()}`;
    const first = await create(artist, newWork({ title, categorySlug }));
    const second = await create(artist, newWork({ title, kind: 'digital' }));
    assert.equal(first.status, 'draft');
    assert.equal(first.slug, slugify(title));
    assert.equal(second.slug, `${slugify(title)}-2`);
    assert.deepEqual(first.price, { amountMinor: 125_000, currency: 'EUR' });
    assert.deepEqual(first.attributes, { medium: 'Oil on linen', year: 2024, framed: true });
    assert.deepEqual(first.category, { slug: categorySlug, name: 'Paintings' });
    assert.deepEqual(
      first.stock,
      { tracked: true, onHand: 1, held: 0, available: 1 },
      'an original: one',
    );
    assert.deepEqual(second.stock, { tracked: false, onHand: null, held: 0, available: null });
    assert.equal(first.publishedAt, null);
    assert.deepEqual(await h.topics('product', first.id), ['product.created']);
  });

  it('when a create is invalid, then 400 or 422 names the problem and nothing is stored', async () => {
    const before = await h.rows<{ n: number }>('SELECT count(*)::int AS n FROM products');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [newWork({ price: { amountMinor: 12.5, currency: 'EUR' } }), 400, 'VALIDATION_FAILED'],
      [newWork({ price: { amountMinor: 100, currency: 'EUX' } }), 400, 'VALIDATION_FAILED'],
      [newWork({ price: { amountMinor: -1, currency: 'EUR' } }), 400, 'VALIDATION_FAILED'],
      [newWork({ kind: 'service' }), 400, 'VALIDATION_FAILED'],
      [newWork({ attributes: { nested: { no: true } } }), 400, 'VALIDATION_FAILED'],
      [newWork({ title: '   ' }), 400, 'VALIDATION_FAILED'],
      [newWork({ categorySlug: 'no-such-category' }), 422, 'CATEGORY_NOT_FOUND'],
      [newWork({ kind: 'physical', stock: null }), 422, 'STOCK_REQUIRED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await artist.shopper.send('POST', '/api/v1/studio/products', body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal((await json(res)).error.code, code, JSON.stringify(body));
    }
    assert.deepEqual(await h.rows('SELECT count(*)::int AS n FROM products'), before);
  });

  it('when a work is created, given an image and published, then GET /api/v1/products/:slug serves it although a 404 was read before', async () => {
    const work = await create(artist, newWork({ categorySlug }));
    const detailPath = `/api/v1/products/${work.slug}`;
    // Warm whatever the read side caches: the 404 of the detail and the list.
    assert.equal((await fetch(`${h.baseUrl}${detailPath}`)).status, 404);
    assert.equal((await fetch(`${h.baseUrl}${detailPath}`)).status, 404);
    const listBefore = await json(await fetch(`${h.baseUrl}/api/v1/products?limit=100`));
    assert.ok(!listBefore.items.some((p: { slug: string }) => p.slug === work.slug));

    const refused = await artist.shopper.send('POST', `/api/v1/studio/products/${work.id}/publish`);
    assert.equal(refused.status, 409);
    assert.equal((await json(refused)).error.code, 'NEEDS_IMAGE');

    const image = await uploaded(artist, work.id);
    const published = await artist.shopper.send(
      'POST',
      `/api/v1/studio/products/${work.id}/publish`,
    );
    assert.equal(published.status, 200, await published.clone().text());
    const body = await json(published);
    assert.equal(body.status, 'published');
    assert.ok(body.publishedAt);

    const detail = await fetch(`${h.baseUrl}${detailPath}`);
    assert.equal(detail.status, 200, 'the cached 404 was invalidated by the publish');
    const product = await json(detail);
    assert.equal(product.title, work.title);
    assert.equal(product.price.amountMinor, 125_000);
    assert.equal(product.images[0].url, image.url);
    const list = await json(await fetch(`${h.baseUrl}/api/v1/products?limit=100`));
    assert.ok(
      list.items.some((p: { slug: string }) => p.slug === work.slug),
      'the cached list was invalidated',
    );

    const file = await fetch(`${h.baseUrl}${image.url}`);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'image/jpeg');

    // An edit of a published work reaches readers at once as well.
    const renamed = `Harbour at Dawn ${unique()}`;
    const edited = await artist.shopper.send('PATCH', `/api/v1/studio/products/${work.id}`, {
      title: renamed,
      price: { amountMinor: 99_000, currency: 'EUR' },
    });
    assert.equal(edited.status, 200);
    const after = await json(await fetch(`${h.baseUrl}${detailPath}`));
    assert.equal(after.title, renamed, 'the slug stays, the title changes');
    assert.equal(after.price.amountMinor, 99_000);

    assert.deepEqual(await h.topics('product', work.id), [
      'product.created',
      'product.image_added',
      'product.published',
      'product.updated',
    ]);

    const archived = await artist.shopper.send(
      'POST',
      `/api/v1/studio/products/${work.id}/archive`,
    );
    assert.equal((await json(archived)).status, 'archived');
    assert.equal(
      (await fetch(`${h.baseUrl}${detailPath}`)).status,
      404,
      'archived works leave the shop',
    );
    assert.equal((await h.topics('product', work.id)).at(-1), 'product.archived');
  });

  it("when an artist touches another artist's work, then every studio route answers 404 and nothing changes", async () => {
    const theirs = await create(rival);
    const image = await uploaded(rival, theirs.id);
    const base = `/api/v1/studio/products/${theirs.id}`;
    const attempts: Array<[string, () => Promise<Response>]> = [
      ['read', () => artist.shopper.get(base)],
      ['edit', () => artist.shopper.send('PATCH', base, { title: 'Mine now' })],
      ['publish', () => artist.shopper.send('POST', `${base}/publish`)],
      ['archive', () => artist.shopper.send('POST', `${base}/archive`)],
      ['stock', () => artist.shopper.send('PUT', `${base}/stock`, { onHand: 9 })],
      ['upload', async () => upload(artist, theirs.id, await picture(50, 50))],
      ['alt', () => artist.shopper.send('PATCH', `${base}/images/${image.id}`, { alt: 'x' })],
      ['delete image', () => artist.shopper.send('DELETE', `${base}/images/${image.id}`)],
      [
        'reorder',
        () => artist.shopper.send('PUT', `${base}/images/order`, { imageIds: [image.id] }),
      ],
    ];
    for (const [what, attempt] of attempts) {
      const res = await attempt();
      assert.equal(res.status, 404, what);
      assert.equal((await json(res)).error.code, 'PRODUCT_NOT_FOUND', what);
    }
    const unchanged = await json(await rival.shopper.get(base));
    assert.equal(unchanged.title, theirs.title);
    assert.equal(unchanged.status, 'draft');
    assert.equal(unchanged.stock.onHand, 1);
    assert.equal(unchanged.images.length, 1);
    assert.equal(unchanged.images[0].alt, theirs.title);
    assert.deepEqual(await h.topics('product', theirs.id), [
      'product.created',
      'product.image_added',
    ]);
    const mine = await json(await artist.shopper.get('/api/v1/studio/products?limit=100'));
    assert.ok(!mine.items.some((w: { id: number }) => w.id === theirs.id), 'not in my list either');
  });

  it('when listing own works, then every status is there, newest first, page by page', async () => {
    const lister = await h.user('artist');
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(lister, newWork({ kind: 'digital' }))).id);
    const [, , third] = ids;
    if (third === undefined) throw new Error('unreachable');
    await h.rows(`UPDATE products SET status = 'archived' WHERE id = $1 RETURNING id`, [third]);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await json(await lister.shopper.get(`/api/v1/studio/products${query}`));
      seen.push(...page.items.map((w: { id: number }) => w.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    const archived = await json(
      await lister.shopper.get('/api/v1/studio/products?status=archived'),
    );
    assert.deepEqual(
      archived.items.map((w: { id: number }) => w.id),
      [third],
    );
  });

  describe('image upload', () => {
    let work: { id: number; title: string };
    before(async () => {
      work = await create(artist);
    });

    const refusedWith = async (res: Response, status: number, code: string) => {
      assert.equal(res.status, status, await res.clone().text());
      const body = await json(res);
      assert.equal(body.error.code, code);
      assert.ok(body.error.message.length > 20, 'a message a person can act on');
      return body;
    };

    it('when the upload is a text file called a JPEG, an SVG, a GIF, JSON or nothing, then 4xx with a clear code and nothing is stored', async () => {
      await refusedWith(
        await upload(artist, work.id, Buffer.from('just some notes\n'), 'image/jpeg'),
        415,
        'UNSUPPORTED_IMAGE_TYPE',
      );
      const svg = await refusedWith(
        await upload(artist, work.id, SVG, 'image/svg+xml'),
        415,
        'UNSUPPORTED_IMAGE_TYPE',
      );
      assert.equal(svg.error.details.detected, 'svg');
      assert.match(svg.error.message, /script/);
      await refusedWith(
        await upload(artist, work.id, SVG, 'image/png'),
        415,
        'UNSUPPORTED_IMAGE_TYPE',
      );
      const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
      await refusedWith(
        await upload(artist, work.id, gif, 'image/gif'),
        415,
        'UNSUPPORTED_IMAGE_TYPE',
      );
      await refusedWith(
        await artist.shopper.send('POST', `/api/v1/studio/products/${work.id}/images`, {
          url: 'x',
        }),
        400,
        'IMAGE_REQUIRED',
      );
      await refusedWith(
        await upload(artist, work.id, Buffer.alloc(0), 'image/png'),
        400,
        'IMAGE_REQUIRED',
      );
      const truncated = (await picture(800, 600)).subarray(0, 600);
      await refusedWith(
        await upload(artist, work.id, truncated, 'image/jpeg'),
        422,
        'IMAGE_UNREADABLE',
      );
      assert.deepEqual(await filesUnder(`works/${work.id}`), []);
      assert.deepEqual(
        await h.rows('SELECT id FROM product_images WHERE product_id = $1', [work.id]),
        [],
      );
    });

    it('when the upload is over the size limit, then 413 IMAGE_TOO_LARGE', async () => {
      const big = Buffer.concat([
        await picture(64, 64),
        Buffer.alloc(DEFAULT_IMAGE_LIMITS.maxBytes),
      ]);
      await refusedWith(await upload(artist, work.id, big, 'image/jpeg'), 413, 'IMAGE_TOO_LARGE');
      assert.deepEqual(await filesUnder(`works/${work.id}`), []);
    });

    it('when a side is too long or the header claims too many pixels (a decompression bomb), then 422 IMAGE_TOO_LARGE_DIMENSIONS', async () => {
      const wide = await refusedWith(
        await upload(
          artist,
          work.id,
          await picture(DEFAULT_IMAGE_LIMITS.maxDimension + 1, 2, 'png'),
          'image/png',
        ),
        422,
        'IMAGE_TOO_LARGE_DIMENSIONS',
      );
      assert.equal(wide.error.details.width, DEFAULT_IMAGE_LIMITS.maxDimension + 1);
      const bomb = pngClaiming(10_000, 10_000);
      assert.ok(bomb.length < 100_000, 'a small file…');
      await refusedWith(
        await upload(artist, work.id, bomb, 'image/png'),
        422,
        'IMAGE_TOO_LARGE_DIMENSIONS',
      );
      assert.deepEqual(await filesUnder(`works/${work.id}`), []);
    });

    it('when a large JPEG is uploaded, then the original is re-encoded and WebP variants of 480, 960 and 1600 px exist with the right sizes', async () => {
      const res = await upload(
        artist,
        work.id,
        await picture(2000, 1500),
        'application/octet-stream',
        'A harbour, orange light',
      );
      assert.equal(res.status, 201, await res.clone().text());
      const image = await json(res);
      assert.equal(image.contentType, 'image/jpeg');
      assert.deepEqual([image.width, image.height], [2000, 1500]);
      assert.equal(image.alt, 'A harbour, orange light');
      assert.equal(image.position, 0);
      assert.deepEqual(
        image.variants.map((v: { width: number; height: number; contentType: string }) => [
          v.width,
          v.height,
          v.contentType,
        ]),
        [
          [480, 360, 'image/webp'],
          [960, 720, 'image/webp'],
          [1600, 1200, 'image/webp'],
        ],
      );
      for (const file of [image, ...image.variants]) {
        assert.match(file.url, /^\/media\/works\/\d+\/[0-9a-f]{32}\/(original\.jpg|w\d+\.webp)$/);
        const onDisk = path.join(h.t.config.mediaDir, file.url.replace(/^\/media\//, ''));
        const meta = await sharp(onDisk).metadata();
        assert.deepEqual([meta.width, meta.height], [file.width, file.height], file.url);
        assert.equal(meta.format, file.contentType === 'image/webp' ? 'webp' : 'jpeg');
        const served = await fetch(`${h.baseUrl}${file.url}`);
        assert.equal(served.status, 200);
        assert.match(served.headers.get('cache-control') ?? '', /immutable/);
      }
      const [row] = await h.rows<{ variants: unknown[]; storageKey: string }>(
        'SELECT variants, storage_key AS "storageKey" FROM product_images WHERE id = $1',
        [image.id],
      );
      assert.equal(row?.variants.length, 3);
    });

    it('when a small PNG, a WebP and an AVIF are uploaded, then each keeps its format and gets only variants narrower than itself', async () => {
      const expectations: Array<['png' | 'webp' | 'avif', number, number[]]> = [
        ['png', 600, [480]],
        ['webp', 1000, [480, 960]],
        ['avif', 400, []],
      ];
      for (const [format, width, variants] of expectations) {
        const image = await uploaded(artist, work.id, await picture(width, 300, format));
        assert.equal(image.contentType, `image/${format}`);
        assert.equal(image.width, width);
        assert.deepEqual(
          image.variants.map((v: { width: number }) => v.width),
          variants,
          format,
        );
        const onDisk = path.join(h.t.config.mediaDir, image.url.replace(/^\/media\//, ''));
        const meta = await sharp(onDisk).metadata();
        assert.equal(meta.format === 'heif' ? 'avif' : meta.format, format);
      }
    });
  });

  describe('images of a work', () => {
    it('when images are reordered, deleted and the last one of a published work is asked to go, then positions stay 0…n-1, files go, and the last stays', async () => {
      const work = await create(artist);
      const a = await uploaded(artist, work.id);
      const b = await uploaded(artist, work.id);
      const c = await uploaded(artist, work.id);
      const base = `/api/v1/studio/products/${work.id}`;
      const order = await artist.shopper.send('PUT', `${base}/images/order`, {
        imageIds: [c.id, a.id, b.id],
      });
      assert.equal(order.status, 200, await order.clone().text());
      assert.deepEqual(
        (await json(order)).images.map((i: { id: number; position: number }) => [i.id, i.position]),
        [
          [c.id, 0],
          [a.id, 1],
          [b.id, 2],
        ],
      );
      const partial = await artist.shopper.send('PUT', `${base}/images/order`, {
        imageIds: [a.id, b.id],
      });
      assert.equal(partial.status, 409);
      assert.equal((await json(partial)).error.code, 'IMAGE_LIST_MISMATCH');
      const twice = await artist.shopper.send('PUT', `${base}/images/order`, {
        imageIds: [a.id, a.id, b.id],
      });
      assert.equal(twice.status, 400);

      const aFile = path.join(h.t.config.mediaDir, a.url.replace(/^\/media\//, ''));
      await stat(aFile);
      assert.equal((await artist.shopper.send('DELETE', `${base}/images/${a.id}`)).status, 204);
      await assert.rejects(stat(aFile), { code: 'ENOENT' });
      const afterDelete = await json(await artist.shopper.get(base));
      assert.deepEqual(
        afterDelete.images.map((i: { id: number; position: number }) => [i.id, i.position]),
        [
          [c.id, 0],
          [b.id, 1],
        ],
      );
      const gone = await artist.shopper.send('DELETE', `${base}/images/${a.id}`);
      assert.equal((await json(gone)).error.code, 'IMAGE_NOT_FOUND');

      const alt = await artist.shopper.send('PATCH', `${base}/images/${b.id}`, {
        alt: 'Detail of the hull',
      });
      assert.equal((await json(alt)).alt, 'Detail of the hull');

      assert.equal((await artist.shopper.send('POST', `${base}/publish`)).status, 200);
      assert.equal((await artist.shopper.send('DELETE', `${base}/images/${c.id}`)).status, 204);
      const last = await artist.shopper.send('DELETE', `${base}/images/${b.id}`);
      assert.equal(last.status, 409);
      assert.equal((await json(last)).error.code, 'NEEDS_IMAGE');
      assert.equal((await json(await artist.shopper.get(base))).images.length, 1);
      assert.deepEqual((await h.topics('product', work.id)).slice(-5), [
        'product.images_reordered',
        'product.image_removed',
        'product.image_updated',
        'product.published',
        'product.image_removed',
      ]);
    });
  });

  describe('stock', () => {
    it('when stock is set below what pending orders hold, then 409 STOCK_BELOW_HELD and it is unchanged; at or above, it is set', async () => {
      const work = await create(artist, newWork({ stock: 5 }));
      const base = `/api/v1/studio/products/${work.id}`;
      assert.equal(work.stock.onHand, 5);
      // A pending order holds three units.
      await h.rows('UPDATE inventory SET held = 3 WHERE product_id = $1 RETURNING held', [work.id]);
      const below = await artist.shopper.send('PUT', `${base}/stock`, { onHand: 2 });
      assert.equal(below.status, 409);
      const body = await json(below);
      assert.equal(body.error.code, 'STOCK_BELOW_HELD');
      assert.deepEqual(body.error.details, { held: 3, requested: 2 });
      assert.deepEqual(
        await h.rows('SELECT on_hand AS "onHand", held FROM inventory WHERE product_id = $1', [
          work.id,
        ]),
        [{ onHand: 5, held: 3 }],
      );
      const atHeld = await artist.shopper.send('PUT', `${base}/stock`, { onHand: 3 });
      assert.equal(atHeld.status, 200);
      assert.deepEqual((await json(atHeld)).stock, {
        tracked: true,
        onHand: 3,
        held: 3,
        available: 0,
      });
      const untrack = await artist.shopper.send('PUT', `${base}/stock`, { onHand: null });
      assert.equal(untrack.status, 422);
      assert.equal((await json(untrack)).error.code, 'STOCK_REQUIRED');
      const negative = await artist.shopper.send('PUT', `${base}/stock`, { onHand: -1 });
      assert.equal(negative.status, 400);
      assert.deepEqual(await h.topics('product', work.id), [
        'product.created',
        'product.stock_changed',
      ]);
    });

    it('when a digital work stops or starts tracking stock, then it may, unless units are held', async () => {
      const work = await create(artist, newWork({ kind: 'digital', stock: 10 }));
      const base = `/api/v1/studio/products/${work.id}`;
      await h.rows('UPDATE inventory SET held = 1 WHERE product_id = $1 RETURNING held', [work.id]);
      const held = await artist.shopper.send('PUT', `${base}/stock`, { onHand: null });
      assert.equal(held.status, 409);
      assert.equal((await json(held)).error.code, 'STOCK_HELD');
      await h.rows('UPDATE inventory SET held = 0 WHERE product_id = $1 RETURNING held', [work.id]);
      const untracked = await json(
        await artist.shopper.send('PUT', `${base}/stock`, { onHand: null }),
      );
      assert.deepEqual(untracked.stock, { tracked: false, onHand: null, held: 0, available: null });
      const edition = await json(await artist.shopper.send('PUT', `${base}/stock`, { onHand: 25 }));
      assert.equal(edition.stock.onHand, 25);
    });
  });

  describe('sales', () => {
    it('when orders are paid, pending or of another artist, then the artist sees only the paid lines of their own works, without buyer data', async () => {
      const seller = await h.user('artist');
      const buyer = await h.user('customer');
      const mine = await h.product({ artistId: seller.artistId, title: 'Sold piece' });
      const other = await h.product({ artistId: rival.artistId });
      const order = async (
        status: string,
        items: Array<{ id: number; quantity: number }>,
        paidAt: string | null,
      ) => {
        const [row] = await h.rows<{ id: string }>(
          `INSERT INTO orders (user_id, email, status, currency, subtotal_minor, total_minor, paid_at, fulfilled_at,
             hold_expires_at, shipping_address)
           VALUES ($1, 'buyer@example.com', $2, 'EUR', 0, 0, $3::timestamptz,
             CASE WHEN $2 = 'fulfilled' THEN $3::timestamptz END,
             now() + interval '15 minutes', '{"name": "Ada Buyer"}')
           RETURNING id`,
          [buyer.userId, status, paidAt],
        );
        for (const item of items) {
          await h.rows(
            `INSERT INTO order_items (order_id, product_id, artist_id, title, kind, unit_price_minor, quantity, line_total_minor)
             SELECT $1, p.id, p.artist_id, p.title, p.kind, 12500, $3::int, 12500 * $3::int FROM products p WHERE p.id = $2
             RETURNING id`,
            [row?.id, item.id, item.quantity],
          );
        }
      };
      await order(
        'paid',
        [
          { id: mine.id, quantity: 2 },
          { id: other.id, quantity: 1 },
        ],
        '2026-03-01T10:00:00Z',
      );
      await order('fulfilled', [{ id: mine.id, quantity: 1 }], '2026-03-02T10:00:00Z');
      await order('pending_payment', [{ id: mine.id, quantity: 5 }], null);
      const first = await json(await seller.shopper.get('/api/v1/studio/sales?limit=1'));
      assert.equal(first.items.length, 1);
      assert.deepEqual(first.items[0], {
        date: '2026-03-02T10:00:00.000Z',
        productId: mine.id,
        title: 'Sold piece',
        quantity: 1,
        amount: { amountMinor: 12500, currency: 'EUR' },
        status: 'fulfilled',
      });
      const second = await json(
        await seller.shopper.get(`/api/v1/studio/sales?limit=1&cursor=${first.nextCursor}`),
      );
      assert.equal(second.items[0].quantity, 2);
      assert.equal(second.nextCursor, null);
      assert.deepEqual(first.totals, [{ currency: 'EUR', amountMinor: 37500, quantity: 3 }]);
      assert.doesNotMatch(
        JSON.stringify([first, second]),
        /buyer@example\.com|Ada Buyer|userId|email/,
      );
    });
  });

  it('when the OpenAPI document is built, then the studio routes and the upload body are described', async () => {
    // Built from this feature's routes alone, so another feature's schema cannot mask a problem here.
    const doc = JSON.parse(
      JSON.stringify(
        buildOpenApiDocument(
          h.built.routes.filter((r) => r.path.startsWith('/api/v1/studio/')),
          { title: 'studio', version: '0' },
        ),
      ),
    );
    const upload = doc.paths['/api/v1/studio/products/{id}/images'].post;
    assert.match(upload.summary, /image\/jpeg.*image\/avif/);
    assert.ok(upload.parameters.some((p: { name: string }) => p.name === 'alt'));
    for (const code of ['413', '415', '422']) assert.ok(upload.responses[code], code);
    for (const route of [
      '/api/v1/studio/products',
      '/api/v1/studio/products/{id}',
      '/api/v1/studio/products/{id}/publish',
      '/api/v1/studio/products/{id}/stock',
      '/api/v1/studio/products/{id}/images/order',
      '/api/v1/studio/sales',
    ])
      assert.ok(doc.paths[route], route);
  });
});
