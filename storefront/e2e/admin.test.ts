import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createAdmin } from '../src/pages-tests/support.ts';
import { signIn } from './actions.ts';
import { Journey } from './journey.ts';
import { type Stack, stackOrSkip } from './stack.ts';

/*
 * An admin in Chromium curating a gallery: the reorder is saved at once (the
 * API reads it back) and reaches the gallery's static page with the next build.
 */

interface CollectionPage {
  items: { id: number; title: string }[];
}

describe('browser journey: an admin', function () {
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

  it('when an admin moves a work up in a gallery, then the API lists it first at once and the gallery page after a rebuild', async () => {
    const catalog = stack.catalog();
    const gallery = catalog.collections.find((c) => c.productIds.length >= 2);
    assert.ok(gallery, 'the seeded shop has a gallery of two works or more');
    const [firstId, secondId] = gallery.productIds;
    const first = catalog.productById.get(firstId ?? 0);
    const second = catalog.productById.get(secondId ?? 0);
    assert.ok(first && second);
    const email = `curator-${randomBytes(4).toString('hex')}@example.test`;
    await createAdmin(stack.shop, email, 'a long curator passphrase', 'Cleo Curator');

    const page = await journey.newPage();
    await page.goto('/admin/');
    // The edge sends a visitor without a session to sign in first, and back.
    await signIn(page, email, 'a long curator passphrase');
    await page.getByRole('heading', { level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin/');
    await page.getByRole('main').getByRole('link', { name: 'Galleries' }).first().click();
    await page.getByRole('link', { name: gallery.title, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: gallery.title }).waitFor();

    const rows = page.getByRole('table').getByRole('row');
    assert.equal(
      await rows.nth(1).getByRole('rowheader').textContent(),
      first.title,
      'the table starts in the catalogue order',
    );
    await page.getByRole('button', { name: `Move ${second.title} up` }).click();
    await page.getByRole('status').filter({ hasText: 'The order is saved.' }).waitFor();
    assert.equal(await rows.nth(1).getByRole('rowheader').textContent(), second.title);
    assert.equal(await rows.nth(2).getByRole('rowheader').textContent(), first.title);

    const api = await page.request.get(`/api/v1/collections/${gallery.slug}`);
    assert.equal(api.status(), 200);
    const listed = ((await api.json()) as CollectionPage).items.map((i) => i.id);
    assert.deepEqual(listed.slice(0, 2), [second.id, first.id]);

    await stack.rebuild();
    await page.goto(gallery.path);
    const cards = page.getByRole('list', { name: gallery.title }).getByRole('listitem');
    assert.equal(
      await cards.first().getByRole('heading', { level: 2 }).textContent(),
      second.title,
    );
    assert.equal(await cards.nth(1).getByRole('heading', { level: 2 }).textContent(), first.title);
    journey.assertClean();
  });
});
