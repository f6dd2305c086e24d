/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { axeViolations } from './axe.ts';
import { Journey } from './journey.ts';
import { type Stack, stackOrSkip } from './stack.ts';

/*
 * The journeys' own checks must be able to fail: a CSP refusal, a script
 * error and an unexpected error answer each make a journey unclean, and axe
 * reports a broken page by rule and node.
 */

describe('browser journeys: their checks', function () {
  this.timeout(60_000);
  let stack: Stack;
  let journey: Journey;

  before(async function () {
    stack = await stackOrSkip(this);
  });
  beforeEach(async () => {
    journey = await Journey.start(stack, {}, 'guards');
  });
  afterEach(async function () {
    await journey?.finish(this.currentTest);
  });

  it('when a page loads an image from another site, then the CSP refuses it and the journey is not clean', async () => {
    const page = await journey.newPage();
    await page.goto('/login/');
    const refused = page.waitForEvent('console', (m) =>
      m.text().includes('Content Security Policy'),
    );
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.src = 'http://127.0.0.2:9/elsewhere.png';
      img.alt = '';
      document.body.append(img);
    });
    await refused;
    assert.throws(() => journey.assertClean(), /CSP on \/login\/: .*Content Security Policy/);
  });

  it('when a script throws, then the journey is not clean', async () => {
    const page = await journey.newPage();
    await page.goto('/');
    const thrown = page.waitForEvent('pageerror');
    await page.evaluate(() => {
      setTimeout(() => {
        throw new Error('boom');
      }, 0);
    });
    await thrown;
    assert.throws(() => journey.assertClean(), /script error on \/: boom/);
  });

  it('when a page answers an error the journey did not expect, then it is not clean; an expected one is fine', async () => {
    const page = await journey.newPage();
    journey.expect({ status: 404, path: /^\/expected-missing\/$/ });
    await page.goto('/expected-missing/');
    journey.assertClean();
    await page.goto('/unexpected-missing/');
    assert.throws(() => journey.assertClean(), /404 for GET \/unexpected-missing\//);
  });

  it('when a page breaks an accessibility rule, then axe names the rule and the node', async () => {
    const page = await journey.newPage();
    await page.goto('/');
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.src = '/favicon.svg';
      img.id = 'no-alt';
      document.querySelector('main')?.append(img);
    });
    const violations = await axeViolations(page);
    const missingAlt = violations.find((v) => v.id === 'image-alt');
    assert.ok(missingAlt, `image-alt among ${violations.map((v) => v.id).join(', ')}`);
    assert.deepEqual(
      missingAlt.nodes.map((n) => n.target),
      ['#no-alt'],
    );
    journey.assertClean();
  });
});
