import assert from 'node:assert/strict';
import { Browser, createAdmin, type TestShop, testShop, textOf } from './support.ts';

/*
 * The admin pages through the real origin: who may enter, curating a
 * gallery's order with plain form buttons, categories, stock and marking an
 * order as sent. The API is read back to check what the pages changed.
 */

interface Collection {
  id: number;
  title: string;
  items: { productId: number; title: string; status: string }[];
}
interface Product {
  id: number;
  title: string;
  kind: string;
  status: string;
  stock: { tracked: boolean; onHand: number | null; available: number | null };
}

let seq = 0;
const unique = (name: string) => `${name} ${Date.now().toString(36)}${++seq}`;

describe('admin pages', () => {
  let shop: TestShop;
  let admin: Browser;

  before(async function () {
    this.timeout(120_000);
    shop = await testShop();
    const email = `admin-${Date.now().toString(36)}@example.test`;
    await createAdmin(shop, email, 'a long admin passphrase');
    admin = new Browser(shop.url);
    await admin.login(email, 'a long admin passphrase');
  });

  it('when nobody is signed in, then the admin pages send them to sign in', async () => {
    const page = await new Browser(shop.url).get('/admin/orders/');
    assert.equal(page.status, 303);
    assert.equal(page.location, '/login/?next=%2Fadmin%2Forders%2F');
  });

  it('when a customer or an artist opens an admin page, then it answers 403 in words', async () => {
    const customer = new Browser(shop.url);
    await customer.register(`${unique('shopper').replace(' ', '-')}@example.test`);
    const artist = new Browser(shop.url);
    await artist.register(`${unique('painter').replace(' ', '-')}@example.test`);
    await artist.api('POST', '/api/v1/studio/profile', {
      name: 'A Painter',
      slug: unique('a-painter').replace(' ', '-'),
    });
    for (const browser of [customer, artist]) {
      for (const path of ['/admin/', '/admin/galleries/', '/admin/products/', '/admin/orders/']) {
        const page = await browser.get(path);
        assert.equal(page.status, 403, path);
        assert.match(textOf(page.body), /This page is for the shop’s administrators/);
        assert.doesNotMatch(page.body, /<table/);
      }
    }
  });

  it('when an admin opens the overview, then it counts what needs doing and links to each page', async () => {
    const page = await admin.get('/admin/');
    assert.equal(page.status, 200);
    const text = textOf(page.body);
    assert.match(text, /\d+\+? paid orders to send/);
    assert.match(text, /3 galleries/);
    assert.match(page.body, /href="\/admin\/categories\/"/);
  });

  it("when an admin moves a gallery's second work up, then the API's order has it first and the page says so", async () => {
    const list = await admin.api<{ items: { id: number; itemCount: number }[] }>(
      'GET',
      '/api/v1/admin/collections',
    );
    const target = list.body.items.find((c) => c.itemCount >= 2);
    assert.ok(target, 'a seeded gallery with two works');
    const before = await admin.api<Collection>('GET', `/api/v1/admin/collections/${target.id}`);
    const [first, second] = before.body.items;
    assert.ok(first && second);
    const path = `/admin/galleries/${target.id}/`;
    const page = await admin.get(path);
    assert.match(page.body, /<caption>\s*Works in the order shoppers see them\s*<\/caption>/);
    assert.match(page.body, /<th scope="col" class="number">Place<\/th>/);

    const moved = await admin.click(path, `Move ${second.title} up`);
    assert.equal(moved.status, 303);
    assert.equal(moved.location, `${path}?done=order#works`);
    const after = await admin.api<Collection>('GET', `/api/v1/admin/collections/${target.id}`);
    assert.deepEqual(
      after.body.items.map((i) => i.productId),
      [second.productId, first.productId, ...before.body.items.slice(2).map((i) => i.productId)],
    );
    const shown = await admin.get(`${path}?done=order`);
    assert.match(textOf(shown.body), /The order is saved/);
    assert.match(textOf(shown.body), new RegExp(`1 ${second.title} Published`));
  });

  it('when the gallery changed since the page was opened, then a stale button does not overwrite it', async () => {
    const list = await admin.api<{ items: { id: number; itemCount: number }[] }>(
      'GET',
      '/api/v1/admin/collections',
    );
    const target = list.body.items.find((c) => c.itemCount >= 2);
    assert.ok(target);
    const path = `/admin/galleries/${target.id}/`;
    const before = await admin.api<Collection>('GET', `/api/v1/admin/collections/${target.id}`);
    const last = before.body.items.at(-1);
    assert.ok(last);
    const stale = await admin.get(path);
    // Someone else removes the last work meanwhile.
    await admin.api('DELETE', `/api/v1/admin/collections/${target.id}/items/${last.productId}`);
    const html = stale.body;
    const current = html.match(/name="current" value="([^"]*)"/)?.[1] ?? '';
    const csrf = html.match(/name="csrf" value="([^"]*)"/)?.[1] ?? '';
    const page = await admin.postForm(path, {
      intent: 'order',
      current,
      order: before.body.items
        .map((i) => i.productId)
        .reverse()
        .join(','),
      csrf,
    });
    assert.equal(page.status, 409);
    assert.match(textOf(page.body), /changed since you opened the page/);
    const after = await admin.api<Collection>('GET', `/api/v1/admin/collections/${target.id}`);
    assert.deepEqual(
      after.body.items.map((i) => i.productId),
      before.body.items.slice(0, -1).map((i) => i.productId),
    );
  });

  it('when an admin creates a gallery and adds a work from the list, then it holds that work', async () => {
    const title = unique('Spring Hang');
    const created = await admin.submit('/admin/galleries/', {
      title,
      description: 'New this spring.',
    });
    assert.equal(created.status, 303);
    const id = created.location?.match(/^\/admin\/galleries\/(\d+)\/\?done=created$/)?.[1];
    assert.ok(id, `went to the new gallery, not ${created.location}`);
    const page = await admin.get(`/admin/galleries/${id}/`);
    assert.match(textOf(page.body), /No works yet/);
    const candidate = page.body.match(
      /<button[^>]*name="order"[^>]*>\s*Add<span class="visually-hidden"> ([^<]+)<\/span> at the end\s*<\/button>/,
    )?.[1];
    assert.ok(candidate, 'the newest published works are offered');
    const added = await admin.click(`/admin/galleries/${id}/`, `Add ${candidate} at the end`);
    assert.equal(added.status, 303);
    const after = await admin.api<Collection>('GET', `/api/v1/admin/collections/${id}`);
    assert.deepEqual(
      after.body.items.map((i) => i.title),
      [candidate],
    );
  });

  it('when an admin creates a category and moves it up, then it comes before its former neighbour', async () => {
    const name = unique('Sculpture');
    const created = await admin.submit('/admin/categories/', {
      intent: 'create',
      name,
      slug: '',
      parentSlug: '',
    });
    assert.equal(created.status, 303);
    const page = await admin.get('/admin/categories/?done=created');
    assert.match(textOf(page.body), /The category is created/);
    assert.match(page.body, new RegExp(`<th scope="row">\\s*${name}`));
    const moved = await admin.click('/admin/categories/', `Move ${name} up`);
    assert.equal(moved.status, 303);
    const list = await admin.api<{
      items: { name: string; parentSlug: string | null; position: number }[];
    }>('GET', '/api/v1/admin/categories');
    const top = list.body.items
      .filter((c) => c.parentSlug === null)
      .sort((a, b) => a.position - b.position);
    assert.equal(top.at(-2)?.name, name);
  });

  it('when an admin sets stock, then the API has it; a negative number is refused in words', async () => {
    const products = await admin.api<{ items: Product[] }>(
      'GET',
      '/api/v1/admin/products',
      undefined,
    );
    const work = products.body.items.find((p) => p.stock.tracked);
    assert.ok(work);
    const bad = await admin.click('/admin/products/', `Set stock of ${work.title}`, {
      onHand: '-1',
    });
    assert.equal(bad.status, 422);
    assert.match(textOf(bad.body), new RegExp(`${work.title}: Enter a whole number`));
    assert.match(
      bad.body,
      new RegExp(`<input[^>]*id="onHand-${work.id}"[^>]*value="-1"[^>]*aria-invalid="true"`),
    );

    const set = await admin.click('/admin/products/', `Set stock of ${work.title}`, {
      onHand: '7',
    });
    assert.equal(set.status, 303);
    assert.equal(set.location, `/admin/products/?done=stock#product-${work.id}`);
    const after = await admin.api<Product>('GET', `/api/v1/admin/products/${work.id}`);
    assert.equal(after.body.stock.onHand, 7);
  });

  it('when an admin marks a paid order as sent, then it is fulfilled and listed as sent', async () => {
    const buyer = new Browser(shop.url);
    await buyer.register(`${unique('buyer').replace(' ', '-')}@example.test`);
    const products = await admin.api<{ items: Product[] }>(
      'GET',
      '/api/v1/admin/products',
      undefined,
    );
    const work = products.body.items.find(
      (p) => p.status === 'published' && p.kind === 'physical' && (p.stock.available ?? 0) > 0,
    );
    assert.ok(work, 'a published physical work in stock');
    assert.equal(
      (await buyer.api('POST', '/api/v1/cart/items', { productId: work.id, quantity: 1 })).status,
      200,
    );
    const checkout = await buyer.api<{ order: { id: string; number: number; status: string } }>(
      'POST',
      '/api/v1/checkout',
      {
        payment: {
          type: 'card',
          number: '4242 4242 4242 4242',
          expMonth: 12,
          expYear: 2099,
          cvc: '123',
        },
        shippingAddress: {
          name: 'Ines Buyer',
          line1: '1 Quay Street',
          city: 'Ghent',
          postalCode: '9000',
          country: 'BE',
        },
      },
      { 'idempotency-key': crypto.randomUUID() },
    );
    assert.equal(checkout.status, 201, JSON.stringify(checkout.body));
    const { order } = checkout.body;
    assert.equal(order.status, 'paid');

    const toSend = await admin.get('/admin/orders/?status=paid');
    assert.match(textOf(toSend.body), /1 Quay Street/);
    const sent = await admin.click(
      '/admin/orders/?status=paid',
      `Mark order ${order.number} as sent`,
    );
    assert.equal(sent.status, 303);
    assert.equal(sent.location, `/admin/orders/?status=paid&done=${order.number}`);
    const page = await admin.get(sent.location);
    assert.match(textOf(page.body), new RegExp(`Order ${order.number} is marked as sent`));
    const orders = await admin.api<{ items: { id: string; status: string }[] }>(
      'GET',
      '/api/v1/admin/orders?status=fulfilled',
    );
    assert.ok(orders.body.items.some((o) => o.id === order.id && o.status === 'fulfilled'));
    const again = await admin.get('/admin/orders/?status=fulfilled');
    assert.match(textOf(again.body), new RegExp(`${order.number} · [^|]*Sent`));
  });
});
