import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { becomeArtist, createWork, register, uploadImage } from './actions.ts';
import { Journey } from './journey.ts';
import { type Stack, stackOrSkip } from './stack.ts';

/*
 * An artist in Chromium: from a new account to a work on the static site.
 * The studio's pages save, upload and publish through the origin; the work's
 * page exists once the site is rebuilt, as after a deploy.
 */

describe('browser journey: an artist', function () {
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

  it('when an artist signs up, creates, illustrates and publishes a work, then after a rebuild its page is on the site and found by search', async () => {
    const suffix = randomBytes(3).toString('hex');
    const title = `Harbour Lights ${suffix}`;
    const page = await journey.newPage();

    await page.goto('/register/');
    await register(page, 'Ines Painter');
    await becomeArtist(page, `Ines Painter ${suffix}`);
    await createWork(page, title, '240.00');
    await uploadImage(page, 'Harbour at dusk: an orange square of light on deep blue water');
    await page.getByRole('img', { name: /Harbour at dusk/ }).waitFor();
    await page.getByRole('button', { name: `Publish “${title}”` }).click();
    await page.getByText('Published: it is for sale now.').waitFor();
    const link = page.getByRole('link', { name: /^\/products\/.+\/$/ });
    const path = (await link.textContent()) ?? '';

    // Not built yet: the edge answers with the site's 404 page (asked outside the
    // browser, which would keep that 404 for its max-age as CloudFront does).
    assert.equal((await fetch(new URL(path, stack.url))).status, 404);

    await stack.rebuild();
    const after = await page.goto(path);
    assert.equal(after?.status(), 200);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    await page.getByRole('article').getByText('Only 1 left').waitFor();
    await page
      .getByRole('article')
      .getByRole('img', { name: /Harbour at dusk/ })
      .waitFor();

    await page.getByRole('searchbox', { name: 'Search the shop' }).fill(`Harbour Lights ${suffix}`);
    await page.getByRole('button', { name: 'Search', exact: true }).first().click();
    const results = page.getByRole('list', { name: 'Results' });
    await results.getByRole('heading', { name: title }).click();
    await page.waitForURL(`**${path}`);
    journey.assertClean();
  });
});
