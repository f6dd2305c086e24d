import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Browser, csrfOf, type Page, type TestShop, testShop, textOf } from './support.ts';
import { changeWork, type MadeWork, makeWork } from './works.ts';

/*
 * Buying through the real origin and its pages: the cart (including the
 * static product page's token-less add), checkout with the test cards, and
 * the orders it makes.
 */

const PAID = '4242 4242 4242 4242';
const DECLINED = '4000 0000 0000 0002';
const FAILS_ONCE = '4000 0000 0000 0119';
const ADDRESS = {
  name: 'Ada Buyer',
  line1: '1 Harbour Street',
  line2: '',
  city: 'Hamburg',
  postalCode: '20095',
  country: 'de',
};

function inputValue(html: string, name: string): string | null {
  const input = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*>`))?.[0];
  return input?.match(/value="([^"]*)"/)?.[1] ?? null;
}

async function shopper(shop: TestShop): Promise<Browser> {
  const browser = new Browser(shop.url);
  await browser.register(
    `${`buyer-${randomBytes(4).toString('hex')}`}@example.test`,
    undefined,
    'Ada Buyer',
  );
  return browser;
}

/** As without JavaScript: the product page's form, then the cart's confirmation. */
async function addToCart(browser: Browser, work: MadeWork, quantity = 1): Promise<void> {
  const fields = { intent: 'add', productId: work.id, quantity };
  const confirmation = await browser.postForm('/cart/', fields);
  const page = await browser.postForm('/cart/', { ...fields, csrf: csrfOf(confirmation.body) });
  assert.equal(page.status, 303, textOf(page.body));
}

/** The checkout form as rendered, with the shopper's answers filled in. */
async function checkoutForm(
  browser: Browser,
  answers: Record<string, string>,
): Promise<{ page: Page; fields: Record<string, string> }> {
  const page = await browser.get('/checkout/');
  assert.equal(page.status, 200, textOf(page.body));
  const fields: Record<string, string> = {};
  for (const m of page.body.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = m[0].match(/name="([^"]+)"/)?.[1];
    const value = m[0].match(/value="([^"]*)"/)?.[1];
    if (name && value !== undefined) fields[name] = value;
  }
  return {
    page,
    fields: {
      ...fields,
      cardName: 'Ada Buyer',
      cardExpiry: '12/34',
      cardCvc: '123',
      ...answers,
    },
  };
}

const orderIdOf = (page: Page) => {
  const id = page.location?.match(/^\/orders\/([0-9a-f-]{36})\/\?placed=1$/)?.[1];
  assert.ok(id, `went to the new order, not ${page.status} ${page.location} ${textOf(page.body)}`);
  return id;
};

describe('session pages: buying', () => {
  let shop: TestShop;
  let print: MadeWork;
  let digital: MadeWork;

  before(async function () {
    this.timeout(180_000);
    shop = await testShop();
    print = await makeWork(shop, { kind: 'physical', priceMinor: 12_500, stock: 50 });
    digital = await makeWork(shop, { kind: 'digital', priceMinor: 900, stock: null });
  });

  describe('cart', () => {
    it('when the product page posts without a token, then nothing is added until the shopper confirms', async () => {
      const guest = new Browser(shop.url);
      const page = await guest.postForm('/cart/', {
        intent: 'add',
        productId: print.id,
        quantity: 2,
      });
      assert.equal(page.status, 200);
      assert.match(page.body, /<h1[^>]*>Add to your cart\?<\/h1>/);
      assert.match(textOf(page.body), /Add this work × 2 to your cart\? \(€125\.00 each\)/);
      const empty = await guest.api<{ itemCount: number }>('GET', '/api/v1/cart');
      assert.equal(empty.body.itemCount, 0, 'the token-less post wrote nothing');

      const added = await guest.postForm('/cart/', {
        intent: 'add',
        productId: print.id,
        quantity: inputValue(page.body, 'quantity') ?? '',
        csrf: csrfOf(page.body),
      });
      assert.equal(added.status, 303);
      assert.equal(added.location, '/cart/?done=added');
      const cart = await guest.get('/cart/?done=added');
      const words = textOf(cart.body);
      assert.match(words, /Added to your cart\./);
      assert.match(words, new RegExp(`${print.title} €125\\.00 each`));
      assert.match(cart.body, new RegExp(`href="/products/${print.slug}/"`));
      assert.match(words, /Subtotal €250\.00/);
    });

    it('when the post comes from the product page, then the confirmation names the work', async () => {
      const page = await fetch(new URL('/cart/', shop.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: shop.url,
          referer: new URL(`/products/${print.slug}/`, shop.url).href,
        },
        body: new URLSearchParams({ intent: 'add', productId: String(print.id), quantity: '1' }),
        redirect: 'manual',
      });
      const html = await page.text();
      assert.equal(page.status, 200);
      assert.match(textOf(html), new RegExp(`Add ${print.title} × 1 to your cart\\?`));
      assert.match(html, new RegExp(`<a href="/products/${print.slug}/">\\s*No, go back\\s*</a>`));
      // A page of another site does not get to name the work.
      const forged = await fetch(new URL('/cart/', shop.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          referer: `https://evil.example/products/${print.slug}/`,
        },
        body: new URLSearchParams({ intent: 'add', productId: String(print.id), quantity: '1' }),
      });
      assert.doesNotMatch(textOf(await forged.text()), new RegExp(print.title));
    });

    it('when the work is not for sale, then there is nothing to confirm and the cart says why', async () => {
      const page = await new Browser(shop.url).postForm('/cart/', {
        intent: 'add',
        productId: 987654321,
        quantity: 1,
      });
      assert.equal(page.status, 404);
      assert.match(textOf(page.body), /This work is no longer for sale, so it cannot be added\./);
      assert.doesNotMatch(page.body, /name="intent" value="add"/);
    });

    it('when a quantity is changed or a line removed, then the cart follows and says so', async () => {
      const browser = await shopper(shop);
      await addToCart(browser, print, 1);
      const cart = await browser.get('/cart/');
      const itemId = inputValue(cart.body, 'itemId');
      assert.ok(itemId);

      const updated = await browser.postForm('/cart/', {
        intent: 'update',
        itemId,
        quantity: 3,
        csrf: csrfOf(cart.body),
      });
      assert.equal(updated.location, '/cart/?done=updated');
      const after = await browser.get('/cart/?done=updated');
      assert.match(textOf(after.body), /Quantity updated\./);
      assert.equal(inputValue(after.body, 'quantity'), '3');
      assert.match(textOf(after.body), /Subtotal €375\.00/);

      const tooMany = await browser.postForm('/cart/', {
        intent: 'update',
        itemId,
        quantity: 80,
        csrf: csrfOf(after.body),
      });
      assert.equal(tooMany.status, 422);
      assert.match(textOf(tooMany.body), /Only 50 left; you can add at most that many\./);
      assert.match(tooMany.body, /aria-invalid="true"/);

      const removed = await browser.postForm('/cart/', {
        intent: 'remove',
        itemId,
        csrf: csrfOf(after.body),
      });
      assert.equal(removed.location, '/cart/?done=removed');
      const empty = await browser.get('/cart/?done=removed');
      assert.match(textOf(empty.body), /Removed from your cart\. Your cart is empty\./);
      assert.match(empty.body, /<a class="button" href="\/">Browse the shop<\/a>/);
    });

    it('when a work sells out or its price changes, then the line says so in words and checkout waits', async () => {
      const browser = await shopper(shop);
      const scarce = await makeWork(shop, { kind: 'physical', priceMinor: 4_000, stock: 2 });
      const pricey = await makeWork(shop, { kind: 'physical', priceMinor: 1_000, stock: 5 });
      await addToCart(browser, scarce, 2);
      await addToCart(browser, pricey, 1);
      await changeWork(shop, pricey.id, { priceMinor: 1_500 });
      await changeWork(shop, scarce.id, { stock: 1 });
      const cart = await browser.get('/cart/');
      const words = textOf(cart.body);
      assert.match(
        words,
        /Only 1 left, fewer than the 2 you want\. Lower the quantity to 1 to check out\./,
      );
      assert.match(words, /The price changed from €10\.00 to €15\.00 since you added it\./);
      assert.match(words, /need your attention before you can check out/);
      assert.doesNotMatch(cart.body, />Checkout</);

      await changeWork(shop, scarce.id, { stock: 0 });
      assert.match(
        textOf((await browser.get('/cart/')).body),
        /Sold out since you added it\. Remove it to check out\./,
      );
    });
  });

  describe('checkout', () => {
    it('when a guest opens checkout, then they are sent to sign in and back', async () => {
      const page = await new Browser(shop.url).get('/checkout/');
      assert.equal(page.status, 303);
      assert.equal(page.location, '/login/?next=%2Fcheckout%2F');
    });

    it('when the test card pays, then the order is made and its page welcomes the shopper', async () => {
      const browser = await shopper(shop);
      await addToCart(browser, print, 2);
      const { page, fields } = await checkoutForm(browser, { ...ADDRESS, cardNumber: PAID });
      const words = textOf(page.body);
      assert.match(words, /Test mode: no real card is charged/);
      assert.match(words, /4242 4242 4242 4242 ?: paid/);
      assert.match(words, /Delivery address/);
      assert.match(page.body, /<button type="submit">Pay €250\.00<\/button>/);
      assert.match(fields.idempotencyKey ?? '', /^[0-9a-f-]{36}$/);

      const placed = await browser.postForm('/checkout/', fields);
      assert.equal(placed.status, 303);
      const orderId = orderIdOf(placed);
      const order = await browser.get(placed.location ?? '');
      const orderWords = textOf(order.body);
      assert.match(orderWords, /Thank you! Your order \d+ is placed and paid\./);
      assert.match(orderWords, /Status Paid, being prepared/);
      assert.match(orderWords, /Ada Buyer 1 Harbour Street 20095 Hamburg DE/);
      assert.match(orderWords, new RegExp(`${print.title} 2 €125\\.00 €250\\.00`));
      assert.match(orderWords, /Order placed · .* Payment received · .* Sent · not yet/);
      assert.match(orderWords, /Cancel this order/);

      const list = await browser.get('/orders/');
      const number = orderWords.match(/Order (\d+)/)?.[1];
      assert.match(
        textOf(list.body),
        new RegExp(`Order ${number} .* Paid, being prepared 2 items €250\\.00`),
      );
      assert.match(list.body, new RegExp(`href="/orders/${orderId}/"`));
      const cart = await browser.api<{ itemCount: number }>('GET', '/api/v1/cart');
      assert.equal(cart.body.itemCount, 0, 'the cart is emptied');
    });

    it('when the same form is posted twice, then one order is made and both land on it', async () => {
      const browser = await shopper(shop);
      await addToCart(browser, print, 1);
      const { fields } = await checkoutForm(browser, { ...ADDRESS, cardNumber: PAID });
      const [first, second] = await Promise.all([
        browser.postForm('/checkout/', fields),
        browser.postForm('/checkout/', fields),
      ]);
      const again = await browser.postForm('/checkout/', fields);
      const id = orderIdOf(first);
      assert.equal(orderIdOf(second), id);
      assert.equal(orderIdOf(again), id);
      const orders = await browser.api<{ items: unknown[] }>('GET', '/api/v1/orders');
      assert.equal(orders.body.items.length, 1);
    });

    it('when the card is declined, then the page says so in words, keeps the cart and offers a new attempt', async () => {
      const browser = await shopper(shop);
      await addToCart(browser, print, 1);
      const { fields } = await checkoutForm(browser, { ...ADDRESS, cardNumber: DECLINED });
      const page = await browser.postForm('/checkout/', fields);
      assert.equal(page.status, 402);
      const words = textOf(page.body);
      assert.match(
        words,
        /Your payment did not go through\. Your card was declined\. No money was taken: please try another card\./,
      );
      assert.ok(!inputValue(page.body, 'cardNumber'), 'card details are typed again');
      assert.equal(inputValue(page.body, 'city'), 'Hamburg', 'the address is kept');
      const newKey = inputValue(page.body, 'idempotencyKey');
      assert.ok(newKey && newKey !== fields.idempotencyKey, 'a new attempt gets a new key');
      assert.match(words, /Pay €125\.00/);

      const retry = await browser.postForm('/checkout/', {
        ...fields,
        idempotencyKey: newKey,
        csrf: csrfOf(page.body),
        cardNumber: PAID,
      });
      orderIdOf(retry);
    });

    it('when the payment service fails once, then paying again finishes the same order', async () => {
      const browser = await shopper(shop);
      await addToCart(browser, print, 1);
      const { fields } = await checkoutForm(browser, { ...ADDRESS, cardNumber: FAILS_ONCE });
      const page = await browser.postForm('/checkout/', fields);
      assert.equal(page.status, 503);
      assert.match(
        textOf(page.body),
        /The payment service did not answer, so nothing was charged yet/,
      );
      assert.equal(inputValue(page.body, 'idempotencyKey'), fields.idempotencyKey);
      const retry = await browser.postForm('/checkout/', {
        ...fields,
        csrf: csrfOf(page.body),
        cardNumber: inputValue(page.body, 'cardNumber') ?? '',
        cardExpiry: inputValue(page.body, 'cardExpiry') ?? '',
        cardCvc: inputValue(page.body, 'cardCvc') ?? '',
      });
      orderIdOf(retry);
      const orders = await browser.api<{ items: { status: string }[] }>('GET', '/api/v1/orders');
      assert.deepEqual(
        orders.body.items.map((o) => o.status),
        ['paid'],
      );
    });

    it('when stock runs out while the shopper fills in the form, then the page says what is left', async () => {
      const browser = await shopper(shop);
      const edition = await makeWork(shop, { kind: 'physical', priceMinor: 3_000, stock: 3 });
      await addToCart(browser, edition, 3);
      const { fields } = await checkoutForm(browser, { ...ADDRESS, cardNumber: PAID });
      await changeWork(shop, edition.id, { stock: 1 });
      const page = await browser.postForm('/checkout/', fields);
      assert.equal(page.status, 422);
      const words = textOf(page.body);
      assert.match(
        words,
        /Some works in your cart sold out or have fewer left than you want\. Nothing was charged\./,
      );
      assert.match(words, new RegExp(`${edition.title}: only 1 left \\(you wanted 3\\)`));
      assert.match(page.body, /<a href="\/cart\/">Change your cart<\/a>/);
      const orders = await browser.api<{ items: unknown[] }>('GET', '/api/v1/orders');
      assert.equal(orders.body.items.length, 0, 'no order was made');
    });

    it('when fields are missing or wrong, then each says what is needed', async () => {
      const browser = await shopper(shop);
      await addToCart(browser, print, 1);
      const { fields } = await checkoutForm(browser, {
        ...ADDRESS,
        postalCode: '',
        country: 'Germany',
        cardNumber: PAID,
      });
      const page = await browser.postForm('/checkout/', fields);
      assert.equal(page.status, 422);
      const words = textOf(page.body);
      assert.match(words, /Please correct the fields marked below\./);
      assert.match(words, /Postcode is required\./);
      assert.match(words, /Country must be a two-letter country code like DE\./);
      assert.match(page.body, /id="ship-postal"[^>]*aria-invalid="true"/);

      const expiry = await browser.postForm('/checkout/', {
        ...fields,
        csrf: csrfOf(page.body),
        postalCode: '20095',
        country: 'DE',
        cardExpiry: 'soon',
      });
      assert.equal(expiry.status, 422);
      assert.match(textOf(expiry.body), /Expiry must be a month and year, like 04\/28\./);
    });

    it('when a digital work is bought, then its order page gives download links that work', async () => {
      const browser = await shopper(shop);
      await addToCart(browser, digital, 1);
      const { page, fields } = await checkoutForm(browser, { cardNumber: PAID });
      assert.doesNotMatch(textOf(page.body), /Delivery address/, 'nothing to send');
      const placed = await browser.postForm('/checkout/', fields);
      orderIdOf(placed);
      const order = await browser.get(placed.location ?? '');
      const words = textOf(order.body);
      assert.match(words, /Your downloads/);
      assert.match(words, new RegExp(`Download ${digital.title}`));
      assert.match(words, /These links work only for you while you are signed in, and expire at/);
      const link = order.body.match(/href="(\/api\/v1\/downloads\/[^"]+)"/)?.[1];
      assert.ok(link, 'a download link');
      const file = await browser.get(link.replace(/&amp;/g, '&'));
      assert.equal(file.status, 200);
      assert.match(file.headers.get('content-disposition') ?? '', /attachment/);
      assert.equal((await new Browser(shop.url).get(link)).status, 401, 'nobody else can use it');
    });

    it('when a paid order is cancelled, then it is refunded and says so', async () => {
      const browser = await shopper(shop);
      await addToCart(browser, print, 1);
      const { fields } = await checkoutForm(browser, { ...ADDRESS, cardNumber: PAID });
      const placed = await browser.postForm('/checkout/', fields);
      const id = orderIdOf(placed);
      const order = await browser.get(placed.location ?? '');
      const cancelled = await browser.postForm(`/orders/${id}/`, {
        intent: 'cancel',
        csrf: csrfOf(order.body),
      });
      assert.equal(cancelled.status, 303);
      assert.equal(cancelled.location, `/orders/${id}/?done=cancelled`);
      const after = textOf((await browser.get(cancelled.location ?? '')).body);
      assert.match(after, /Your order is cancelled and your payment refunded in full\./);
      assert.match(after, /Status Cancelled and refunded/);
      assert.doesNotMatch(after, /Cancel this order/);
    });

    it("when someone opens another shopper's order, then it is not found", async () => {
      const owner = await shopper(shop);
      await addToCart(owner, print, 1);
      const { fields } = await checkoutForm(owner, { ...ADDRESS, cardNumber: PAID });
      const id = orderIdOf(await owner.postForm('/checkout/', fields));
      const stranger = await shopper(shop);
      const page = await stranger.get(`/orders/${id}/`);
      assert.equal(page.status, 404);
      assert.match(textOf(page.body), /Order not found/);
      assert.equal((await stranger.get('/orders/not-an-id/')).status, 404);
    });
  });
});
