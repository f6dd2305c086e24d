import assert from 'node:assert/strict';
import { crc32, deflateSync } from 'node:zlib';
import { Browser, csrfOf, type Page, type TestShop, testShop, textOf } from './support.ts';

/*
 * The studio through the real origin: who may enter, creating a work with a
 * price typed as people type it, an image upload as the browser sends it
 * (multipart) and publishing.
 */

/** An 8 × 6 px PNG (made with sharp). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAGCAIAAABxZ0isAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAEUlEQVQImWPYYqOBFTEMpAQAfTc0gf08T4QAAAAASUVORK5CYII=',
  'base64',
);

/** A solid grey PNG of any size: few bytes on the wire, however many pixels its header claims. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, tail]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0; // filter byte
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let seq = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${++seq}`;

async function artist(shop: TestShop, name: string): Promise<Browser> {
  const browser = new Browser(shop.url);
  const slug = unique(name.toLowerCase().replace(/\s+/g, '-'));
  await browser.register(`${slug}@example.test`, undefined, name);
  const opened = await browser.api('POST', '/api/v1/studio/profile', { name, slug });
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  return browser;
}

function imageForm(bytes: Buffer, type: string, name: string, alt = ''): FormData {
  const form = new FormData();
  form.set('intent', 'upload');
  form.set('image', new Blob([new Uint8Array(bytes)], { type }), name);
  form.set('alt', alt);
  return form;
}

const workIdOf = (page: Page) => {
  const id = page.location?.match(/^\/studio\/products\/(\d+)\/\?done=created$/)?.[1];
  assert.ok(id, `redirected to the new work's page, not ${page.status} ${page.location}`);
  return id;
};

describe('studio pages', () => {
  let shop: TestShop;

  before(async function () {
    this.timeout(120_000);
    shop = await testShop();
  });

  it('when nobody is signed in, then the studio sends them to sign in and back', async () => {
    const page = await new Browser(shop.url).get('/studio/products/1/');
    assert.equal(page.status, 303);
    assert.equal(page.location, '/login/?next=%2Fstudio%2Fproducts%2F1%2F');
  });

  it('when a customer opens the studio, then a 403 page tells them how to become an artist', async () => {
    const customer = new Browser(shop.url);
    await customer.register(`${unique('customer')}@example.test`);
    for (const path of ['/studio/', '/studio/new/', '/studio/sales/']) {
      const page = await customer.get(path);
      assert.equal(page.status, 403, path);
      assert.match(
        textOf(page.body),
        /The studio is for artists — open your artist profile from your account page/,
      );
      assert.doesNotMatch(page.body, /name="title"/, 'no form for a customer');
    }
  });

  it('when an artist types a price that is not one, then the form comes back with the error by the field and their words kept', async () => {
    const browser = await artist(shop, 'Mara Lind');
    const page = await browser.submit('/studio/new/', {
      title: 'Nocturne 3',
      description: 'Ink on paper.',
      kind: 'physical',
      price: '12O.00',
      stock: '1',
      categorySlug: 'painting',
    });
    assert.equal(page.status, 422);
    const price = page.body.match(/<input[^>]*id="price"[^>]*>/)?.[0] ?? '';
    assert.match(price, /aria-invalid="true"/);
    assert.match(price, /aria-describedby="price-hint price-error"/);
    assert.match(
      page.body,
      /id="price-error"[^>]*>Enter the price as a number with up to two decimals/,
    );
    assert.match(page.body, /role="alert"[^>]*>Please correct the fields marked below/);
    assert.match(page.body, /<input[^>]*id="title"[^>]*value="Nocturne 3"/);
    assert.match(page.body, /<option value="painting" selected/);
  });

  it('when an artist creates a work, uploads a PNG and publishes it, then it is listed as published at its price', async () => {
    const browser = await artist(shop, 'Ada Brandt');
    const title = unique('Harbour at Dusk');
    const created = await browser.submit('/studio/new/', {
      title,
      description: 'Oil on linen.',
      kind: 'physical',
      price: '1 250,50',
      stock: '1',
      categorySlug: '',
      'attributes.year': '2024',
    });
    const id = workIdOf(created);
    const edit = `/studio/products/${id}/`;
    const draft = await browser.get(`${edit}?done=created`);
    assert.equal(draft.status, 200);
    assert.match(textOf(draft.body), /Saved as a draft/);
    assert.match(textOf(draft.body), /€1,250\.50/);
    assert.match(draft.body, /<input[^>]*id="attr-year"[^>]*value="2024"/);

    const early = await browser.submit(edit, { intent: 'publish' });
    assert.equal(early.status, 409);
    assert.match(textOf(early.body), /Upload an image first/);

    const wrong = await browser.submit(
      edit,
      imageForm(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png', 'pic.png'),
    );
    assert.equal(wrong.status, 415);
    assert.match(textOf(wrong.body), /That file is not a picture the shop accepts/);
    assert.match(wrong.body, /<input[^>]*id="image"[^>]*aria-invalid="true"/);

    const uploaded = await browser.submit(
      edit,
      imageForm(PNG, 'image/png', 'harbour.png', 'A harbour at dusk'),
    );
    assert.equal(uploaded.status, 303, textOf(uploaded.body));
    assert.equal(uploaded.location, `${edit}?done=uploaded#images`);
    const withImage = await browser.get(edit);
    assert.match(textOf(withImage.body), /Image 1 of 1 · the cover · 8 × 6 px/);
    assert.match(withImage.body, /<img[^>]*alt="A harbour at dusk"/);

    const published = await browser.submit(edit, { intent: 'publish' });
    assert.equal(published.status, 303);
    const after = await browser.get(`${edit}?done=published`);
    assert.match(textOf(after.body), /Published: it is for sale now/);
    assert.match(after.body, /href="\/products\/harbour-at-dusk[^"]*\/"/);

    const list = await browser.get('/studio/?status=published');
    assert.equal(list.status, 200);
    const row = list.body.match(
      new RegExp(`<tr>(?:(?!</tr>).)*${title}(?:(?!</tr>).)*</tr>`, 's'),
    )?.[0];
    assert.ok(row, 'the work is in the published list');
    assert.match(textOf(row), /Published €1,250\.50 1 left/);
    assert.match(row, /<img[^>]*class="thumb"[^>]*width="64" height="48"/);
  });

  it('when an image is too big, has too many pixels or no file is chosen, then the reason is given in words', async () => {
    const browser = await artist(shop, 'Ivo Sand');
    const id = workIdOf(
      await browser.submit('/studio/new/', {
        title: unique('Big Sky'),
        kind: 'physical',
        price: '300',
        stock: '1',
      }),
    );
    const edit = `/studio/products/${id}/`;
    const heavy = await browser.submit(
      edit,
      imageForm(Buffer.alloc(11 * 1024 * 1024, 1), 'image/jpeg', 'sky.jpg'),
    );
    assert.equal(heavy.status, 413);
    assert.match(textOf(heavy.body), /The image was not uploaded\./);
    assert.match(textOf(heavy.body), /That file is too big: images can be up to 10 MB/);

    const huge = await browser.submit(
      edit,
      imageForm(Buffer.alloc(17 * 1024 * 1024, 1), 'image/jpeg', 'sky.jpg'),
    );
    assert.equal(huge.status, 413);
    assert.match(textOf(huge.body), /That file is too big to upload/);

    const wide = await browser.submit(
      edit,
      imageForm(png(12_001, 1), 'image/png', 'strip.png', 'A thin strip'),
    );
    assert.equal(wide.status, 422);
    assert.match(
      textOf(wide.body),
      /too many pixels: it is 12001 × 1 px, and images can be up to 12,000 px on a side/,
    );
    assert.match(
      wide.body,
      /<input[^>]*id="alt"[^>]*value="A thin strip"/,
      'the typed description is kept',
    );

    const form = imageForm(Buffer.alloc(0), 'application/octet-stream', '');
    const none = await browser.submit(edit, form);
    assert.equal(none.status, 422);
    assert.match(textOf(none.body), /Choose an image file/);
  });

  it("when another artist opens a work's edit page, then it is not found and nothing of it shows", async () => {
    const owner = await artist(shop, 'Owen Pike');
    const title = unique('Private Study');
    const id = workIdOf(
      await owner.submit('/studio/new/', {
        title,
        kind: 'digital',
        price: '40',
        stock: '',
        unlimited: 'on',
      }),
    );
    const other = await artist(shop, 'Rita Vogel');
    const page = await other.get(`/studio/products/${id}/`);
    assert.equal(page.status, 404);
    assert.match(textOf(page.body), /This work is not in your studio/);
    assert.doesNotMatch(page.body, new RegExp(title));
    const forged = await other.postForm(`/studio/products/${id}/`, {
      intent: 'archive',
      csrf: csrfOf((await other.get('/studio/new/')).body),
    });
    assert.equal(forged.status, 404);
    const still = await owner.get(`/studio/products/${id}/`);
    assert.match(textOf(still.body), /Draft/);
  });
});
