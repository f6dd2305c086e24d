import assert from 'node:assert/strict';
import type { Product } from '../src/features/catalog/catalog.ts';
import { addWithIsland, DECLINED, PAID, pay, register } from './actions.ts';
import { Journey } from './journey.ts';
import { type Stack, stackOrSkip } from './stack.ts';

/*
 * A shopper in Chromium, through the edge: browsing, searching, the islands
 * on a product page, the edge sending a guest to sign in, the guest cart
 * merged at sign-up, paying with the test cards, the orders and a download.
 */

describe('browser journey: a shopper', function () {
  this.timeout(120_000);
  let stack: Stack;
  let journey: Journey;

  before(async function () {
    stack = await stackOrSkip(this);
  });
  beforeEach(async () => {
    journey = await Journey.start(stack);
  });
  afterEach(async function () {
    await journey?.finish(this.currentTest);
  });

  it('when a guest finds a work, adds it and checks out after signing up, then the order is placed, listed and detailed', async () => {
    const catalog = stack.catalog();
    const work = await stack.claimWork('physical');
    const gallery = catalog.collections.find((c) => c.productIds.length > 0);
    assert.ok(gallery, 'the seeded shop has a gallery with works');
    const page = await journey.newPage();

    await page.goto('/');
    await page.getByRole('heading', { level: 1, name: catalog.shop.name }).waitFor();
    await page.getByRole('link', { name: gallery.title }).first().click();
    await page.getByRole('heading', { level: 1, name: gallery.title }).waitFor();
    assert.equal(new URL(page.url()).pathname, gallery.path);

    await page.getByRole('searchbox', { name: 'Search the shop' }).fill(work.title);
    await page.getByRole('searchbox', { name: 'Search the shop' }).press('Enter');
    const results = page.getByRole('list', { name: 'Results' });
    await results.getByRole('heading', { name: work.title }).waitFor();
    assert.match(
      (await page
        .getByRole('status')
        .filter({ hasText: /result/ })
        .textContent()) ?? '',
      /\d+ results?/,
    );
    await results.getByRole('heading', { name: work.title }).click();

    await page.getByRole('heading', { level: 1, name: work.title }).waitFor();
    assert.equal(new URL(page.url()).pathname, work.path);
    await page
      .getByRole('article')
      .getByText(/^(In stock|Only \d+ left)$/)
      .waitFor();
    await addWithIsland(page, 1);

    // The edge sends a guest who opens the cart to sign in first.
    await page.getByRole('link', { name: 'View cart' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    assert.equal(new URL(page.url()).search, `?next=${encodeURIComponent('/cart/')}`);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await register(page, 'Ada Buyer');

    // The guest cart was merged into the new account's cart.
    await page.getByRole('heading', { level: 1, name: 'Your cart' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/cart/');
    await page.getByRole('link', { name: work.title }).waitFor();
    await page.getByRole('link', { name: 'Checkout' }).click();
    await pay(page, PAID, true);

    const placed = page.getByRole('status').filter({ hasText: 'Thank you! Your order' });
    await placed.waitFor();
    const number = (await placed.textContent())?.match(/order (\S+) is placed and paid/)?.[1];
    assert.ok(number, `the confirmation names the order: ${await placed.textContent()}`);
    await page.getByRole('heading', { level: 1, name: `Order ${number}` }).waitFor();

    await page.getByRole('link', { name: 'Your orders' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Your orders' }).waitFor();
    await page.getByRole('link', { name: `Order ${number}` }).click();
    await page.getByRole('heading', { level: 1, name: `Order ${number}` }).waitFor();
    await page.getByRole('link', { name: work.title }).waitFor();
    journey.assertClean();
  });

  it('when a signed-in shopper buys a digital work, then its download link answers with the file', async () => {
    const work: Product = await stack.claimWork('digital');
    const page = await journey.newPage();
    await page.goto('/register/');
    await register(page, 'Dora Digital');
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

    await page.goto(work.path);
    await page.getByRole('article').getByText('Available as a download').waitFor();
    await addWithIsland(page, 1);
    await page.getByRole('link', { name: 'View cart' }).click();
    await page.getByRole('link', { name: 'Checkout' }).click();
    // Nothing to ship: no address asked.
    assert.equal(await page.getByLabel('Postcode').count(), 0);
    await pay(page, PAID, false);

    await page.getByRole('heading', { level: 2, name: 'Your downloads' }).waitFor();
    const link = page.getByRole('link', { name: `Download ${work.title}` });
    const href = await link.getAttribute('href');
    assert.ok(href, 'the download link has an address');
    const answer = await page.request.get(href);
    assert.equal(answer.status(), 200);
    assert.ok((await answer.body()).length > 0, 'the file has bytes');

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(await download.failure(), null);
    journey.assertClean();
  });

  it('when the card is declined, then the checkout says so in words and keeps the cart', async () => {
    const work = await stack.claimWork('physical');
    // The checkout page answers a refused payment with 402.
    journey.expect({ status: 402, path: /^\/checkout\/$/, method: 'POST' });
    const page = await journey.newPage();
    await page.goto('/register/');
    await register(page, 'Dee Clined');
    await page.goto(work.path);
    await addWithIsland(page, 1);
    await page.goto('/checkout/');
    await pay(page, DECLINED, true);

    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(
      (await alert.textContent()) ?? '',
      /Your card was declined\. No money was taken: please try another card\./,
    );
    await page.getByRole('button', { name: /^Pay / }).waitFor();
    assert.equal(await page.getByLabel('Card number').inputValue(), '');
    journey.assertClean();
  });
});
