/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Product } from '../src/features/catalog/catalog.ts';
import { createAdmin } from '../src/pages-tests/support.ts';
import {
  addWithIsland,
  becomeArtist,
  createWork,
  PAID,
  pay,
  register,
  signIn,
  uploadImage,
} from './actions.ts';
import { axeViolations, describeViolations } from './axe.ts';
import { Journey } from './journey.ts';
import { ARTIFACTS, type Stack, stackOrSkip } from './stack.ts';

/*
 * Every main page, as the people who use it see it: a guest (catalogue,
 * search, sign-in), a member who is also an artist (cart with an item,
 * checkout, account, orders, studio) and an admin. axe-core checks each page
 * against WCAG 2.1 A/AA and its best practices; the keyboard alone adds to
 * the cart; screenshots of each page (and of the shopping pages on a phone)
 * go to test-artifacts/screenshots/ for review.
 */

type Who = 'guest' | 'member' | 'admin';

interface MainPage {
  name: string;
  who: Who;
  path: string;
  /** Also photographed on a phone. */
  phone?: boolean;
}

/** Loaded, with the islands filled in (stock lines, search results), so what is checked is what a shopper sees. */
async function settle(page: Page, main: MainPage): Promise<void> {
  await page.waitForLoadState('load');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('vt-availability')].every((e) => e.textContent?.trim()),
  );
  if (main.name === 'search') {
    await page.getByRole('list', { name: 'Results' }).getByRole('listitem').first().waitFor();
  }
}

describe('browser journey: every main page', function () {
  this.timeout(180_000);
  let stack: Stack;
  const journeys = {} as Record<Who, Journey>;
  let pages: MainPage[] = [];
  let forKeyboard: Product;

  before(async function () {
    stack = await stackOrSkip(this);
    for (const who of ['guest', 'member', 'admin'] as const) {
      journeys[who] = await Journey.start(stack, {}, who);
    }
    try {
      ({ pages, forKeyboard } = await prepare(stack, journeys));
    } catch (error) {
      for (const journey of Object.values(journeys)) {
        await journey.saveFailure('every main page: preparing');
      }
      throw error;
    }
  });

  after(async () => {
    for (const journey of Object.values(journeys)) await journey.finish(undefined);
  });

  afterEach(async function () {
    // On failure, the pages as they were (the contexts stay open for the next test).
    const test = this.currentTest;
    if (test?.state === 'failed') {
      for (const journey of Object.values(journeys)) await journey.saveFailure(test.fullTitle());
    }
  });

  it('when axe-core checks every main page, then none has a WCAG 2.1 A/AA or best-practice violation', async () => {
    const reports: string[] = [];
    for (const main of pages) {
      const page = await pageOf(journeys[main.who]);
      await page.goto(main.path);
      await settle(page, main);
      const violations = await axeViolations(page);
      if (violations.length > 0)
        reports.push(describeViolations(`${main.name} (${main.path})`, violations));
    }
    assert.equal(reports.length, 0, `accessibility violations:\n${reports.join('\n')}`);
    for (const journey of Object.values(journeys)) journey.assertClean();
  });

  it('when a shopper uses only the keyboard on a product page, then Tab reaches "Add to cart" with a visible focus and Enter adds the work', async () => {
    const page = await pageOf(journeys.member);
    await page.goto(forKeyboard.path);
    await page
      .getByRole('article')
      .getByText(/^(In stock|Only \d+ left)$/)
      .waitFor();
    const button = page.getByRole('button', { name: 'Add to cart' });
    let presses = 0;
    while (!(await button.evaluate((b) => b === document.activeElement))) {
      assert.ok(++presses < 60, 'Tab never reached the Add to cart button');
      await page.keyboard.press('Tab');
    }
    const outline = await button.evaluate((b) => getComputedStyle(b).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused button shows its focus');
    await page.keyboard.press('Enter');
    await page.getByText('Added to your cart.').waitFor();
    await page.getByRole('link', { name: 'Cart 2 items' }).waitFor();
    journeys.member.assertClean();
  });

  it('when every main page is photographed on a desktop and the shopping pages on a phone, then the screenshots are saved', async () => {
    const dir = join(ARTIFACTS, 'screenshots');
    mkdirSync(dir, { recursive: true });
    const phone = await Journey.start(
      stack,
      {
        storageState: await journeys.member.context.storageState(),
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      },
      'phone',
    );
    try {
      const onPhone = await phone.newPage();
      for (const main of pages) {
        const page = await pageOf(journeys[main.who]);
        await page.goto(main.path);
        await settle(page, main);
        await page.screenshot({ path: join(dir, `${main.name}-desktop.png`), fullPage: true });
        if (main.phone) {
          await onPhone.goto(main.path);
          await settle(onPhone, main);
          await onPhone.screenshot({ path: join(dir, `${main.name}-phone.png`), fullPage: true });
        }
      }
      for (const journey of [...Object.values(journeys), phone]) journey.assertClean();
    } catch (error) {
      await phone.saveFailure('every main page: screenshots');
      throw error;
    } finally {
      await phone.finish(undefined);
    }
  });
});

/** The journey's one page (opened on first use). */
async function pageOf(journey: Journey): Promise<Page> {
  return journey.context.pages()[0] ?? journey.newPage();
}

/** The people's state (a member's cart, order and studio work; an admin signed in) and the pages to visit. */
async function prepare(
  stack: Stack,
  journeys: Record<Who, Journey>,
): Promise<{ pages: MainPage[]; forKeyboard: Product }> {
  const catalog = stack.catalog();
  const gallery = catalog.collections.find((c) => c.productIds.length > 0);
  const category = catalog.categories.find((c) => catalog.productsOfCategory(c.id).length > 0);
  const artist = catalog.artists.find((a) => catalog.productsOfArtist(a.id).length > 0);
  assert.ok(gallery && category && artist, 'the seeded shop has galleries, categories, artists');
  const inCart = await stack.claimWork('physical');
  const bought = await stack.claimWork('digital');
  const forKeyboard = await stack.claimWork('physical');

  // The site's own 404 page is asked for on purpose.
  journeys.guest.expect({ status: 404, path: /^\/no-such-page\/$/ });

  // A member who sells too: a draft work with its picture, a paid order, a cart with a work in it.
  const member = await journeys.member.newPage();
  await member.goto('/register/');
  await register(member, 'Mia Member');
  await becomeArtist(member, `Mia Member ${randomBytes(3).toString('hex')}`);
  await createWork(member, 'Quiet Harbour', '180.00');
  await uploadImage(member, 'A quiet harbour: an orange square on deep blue');
  const studioWork = new URL(member.url()).pathname;
  await member.goto(bought.path);
  await addWithIsland(member, 1);
  await member.goto('/checkout/');
  await pay(member, PAID, false);
  await member.getByRole('heading', { level: 2, name: 'Your downloads' }).waitFor();
  const order = new URL(member.url()).pathname;
  await member.goto(inCart.path);
  await addWithIsland(member, 1);

  const email = `admin-${randomBytes(4).toString('hex')}@example.test`;
  await createAdmin(stack.shop, email, 'a long admin passphrase', 'Ari Admin');
  const admin = await journeys.admin.newPage();
  await admin.goto('/admin/galleries/');
  await signIn(admin, email, 'a long admin passphrase');
  await admin.getByRole('link', { name: gallery.title, exact: true }).click();
  await admin.getByRole('heading', { level: 1, name: gallery.title }).waitFor();
  const adminGallery = new URL(admin.url()).pathname;

  return {
    forKeyboard,
    pages: [
      { name: 'home', who: 'guest', path: '/', phone: true },
      { name: 'gallery', who: 'guest', path: gallery.path, phone: true },
      { name: 'category', who: 'guest', path: category.path },
      { name: 'artist', who: 'guest', path: artist.path },
      { name: 'product', who: 'guest', path: inCart.path, phone: true },
      { name: 'search', who: 'guest', path: `/search/?q=${encodeURIComponent(inCart.title)}` },
      { name: '404', who: 'guest', path: '/no-such-page/' },
      { name: 'login', who: 'guest', path: '/login/' },
      { name: 'register', who: 'guest', path: '/register/' },
      // Signed in, the favourite link becomes a toggle button and the header shows the cart count.
      { name: 'product-signed-in', who: 'member', path: inCart.path },
      { name: 'cart', who: 'member', path: '/cart/', phone: true },
      { name: 'checkout', who: 'member', path: '/checkout/', phone: true },
      { name: 'account', who: 'member', path: '/account/' },
      { name: 'orders', who: 'member', path: '/orders/' },
      { name: 'order', who: 'member', path: order },
      { name: 'studio', who: 'member', path: '/studio/' },
      { name: 'studio-work', who: 'member', path: studioWork },
      { name: 'admin', who: 'admin', path: '/admin/' },
      { name: 'admin-gallery', who: 'admin', path: adminGallery },
    ],
  };
}
