import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { Browser, type TestShop } from './support.ts';

/*
 * Works made for a test the way a shop gets them: an artist of the test shop
 * creates them in the studio API, uploads an image and publishes, so a test
 * chooses the kind, price and stock it needs without touching the database.
 */

/** A solid-colour PNG of `size`×`size` pixels (the studio refuses SVG and checks the bytes). */
export function pngOf(size: number, rgb: readonly [number, number, number]): Buffer {
  const row = Buffer.alloc(1 + size * 3);
  for (let x = 0; x < size; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface MadeWork {
  id: number;
  slug: string;
  title: string;
}

const sellers = new WeakMap<TestShop, Promise<Browser>>();

/** The artist who makes the test works (one per shop). */
export function seller(shop: TestShop): Promise<Browser> {
  let made = sellers.get(shop);
  if (!made) {
    made = (async () => {
      const suffix = randomBytes(4).toString('hex');
      const browser = new Browser(shop.url);
      await browser.register(`seller-${suffix}@example.test`, 'a long enough passphrase', 'Seller');
      const profile = await browser.api('POST', '/api/v1/studio/profile', {
        name: `Test Seller ${suffix}`,
        slug: `test-seller-${suffix}`,
        bio: '',
      });
      if (profile.status !== 201) throw new Error(`artist profile: ${JSON.stringify(profile)}`);
      return browser;
    })();
    sellers.set(shop, made);
  }
  return made;
}

async function csrfToken(browser: Browser): Promise<string> {
  const answer = await browser.get('/api/v1/auth/csrf');
  return (JSON.parse(answer.body) as { token: string }).token;
}

/** A published work with the given kind, price (cents, EUR) and stock (null: not tracked). */
export async function makeWork(
  shop: TestShop,
  options: { kind: 'physical' | 'digital'; priceMinor: number; stock: number | null },
): Promise<MadeWork> {
  const artist = await seller(shop);
  const title = `Test ${options.kind} work ${randomBytes(3).toString('hex')}`;
  const created = await artist.api<{ id: number; slug: string }>(
    'POST',
    '/api/v1/studio/products',
    {
      title,
      kind: options.kind,
      price: { amountMinor: options.priceMinor, currency: 'EUR' },
      stock: options.stock,
    },
  );
  if (created.status !== 201) throw new Error(`create work: ${JSON.stringify(created)}`);
  const { id, slug } = created.body;
  const upload = await fetch(new URL(`/api/v1/studio/products/${id}/images`, shop.url), {
    method: 'POST',
    headers: {
      'content-type': 'image/png',
      'x-csrf-token': await csrfToken(artist),
      origin: shop.url,
      cookie: [...artist.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body: new Uint8Array(pngOf(48, [180, 60, 40])),
  });
  if (upload.status !== 201) throw new Error(`upload: ${upload.status} ${await upload.text()}`);
  const published = await artist.api('POST', `/api/v1/studio/products/${id}/publish`);
  if (published.status !== 200) throw new Error(`publish: ${JSON.stringify(published)}`);
  return { id, slug, title };
}

/** Changes a work the way its artist would (price, stock), to make cart lines change state. */
export async function changeWork(
  shop: TestShop,
  id: number,
  change: { priceMinor?: number; stock?: number },
): Promise<void> {
  const artist = await seller(shop);
  if (change.priceMinor !== undefined) {
    const res = await artist.api('PATCH', `/api/v1/studio/products/${id}`, {
      price: { amountMinor: change.priceMinor, currency: 'EUR' },
    });
    if (res.status !== 200) throw new Error(`price: ${JSON.stringify(res)}`);
  }
  if (change.stock !== undefined) {
    const res = await artist.api('PUT', `/api/v1/studio/products/${id}/stock`, {
      onHand: change.stock,
    });
    if (res.status !== 200) throw new Error(`stock: ${JSON.stringify(res)}`);
  }
}
