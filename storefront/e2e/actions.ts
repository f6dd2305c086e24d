import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';

/*
 * What a person does on the shop's pages, step by step, as the journeys
 * share them: by the names on screen (headings, labels, buttons), never by
 * the markup's classes.
 */

export const PAID = '4242 4242 4242 4242';
export const DECLINED = '4000 0000 0000 0002';

/** Creates an account on the register page the shopper is on. */
export async function register(page: Page, name: string): Promise<string> {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${randomBytes(4).toString('hex')}@example.test`;
  await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Create account' }).click();
  return email;
}

/** On the sign-in page (where the edge sends a visitor without a session): signs in. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** On a product page: the island adds one, says so, and the header's cart count follows. */
export async function addWithIsland(page: Page, count: number): Promise<void> {
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText('Added to your cart.').waitFor();
  await page.getByRole('link', { name: `Cart ${count} item${count === 1 ? '' : 's'}` }).waitFor();
}

/** Fills the checkout form (the address only when something is shipped) and pays. */
export async function pay(page: Page, card: string, address: boolean): Promise<void> {
  await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
  if (address) {
    await page.getByLabel('Address', { exact: true }).fill('1 Harbour Street');
    await page.getByLabel('Town or city').fill('Hamburg');
    await page.getByLabel('Postcode').fill('20095');
    await page.getByLabel('Country').fill('DE');
  }
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('Expiry date').fill('12/34');
  await page.getByLabel('Security code').fill('123');
  await page.getByRole('button', { name: /^Pay / }).click();
}

/** A small real PNG (640×480, an orange square on blue): the studio checks an upload's bytes. */
async function artworkPng(file: string): Promise<void> {
  const png = await sharp({
    create: { width: 640, height: 480, channels: 3, background: { r: 32, g: 78, b: 120 } },
  })
    .composite([
      {
        input: await sharp({
          create: { width: 320, height: 240, channels: 3, background: { r: 230, g: 160, b: 40 } },
        })
          .png()
          .toBuffer(),
        top: 120,
        left: 160,
      },
    ])
    .png()
    .toBuffer();
  writeFileSync(file, png);
}

/** On the account page: opens an artist profile and goes to the studio. */
export async function becomeArtist(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { level: 2, name: 'Sell your work here' }).waitFor();
  await page.getByLabel('Name shown to buyers').fill(name);
  await page.getByRole('button', { name: 'Become an artist' }).click();
  await page.getByText('Your artist profile is open.').waitFor();
  await page.getByRole('link', { name: 'Go to your studio' }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
}

/** In the studio: a new physical work, one copy, saved as a draft; ends on its edit page. */
export async function createWork(page: Page, title: string, price: string): Promise<void> {
  await page.getByRole('link', { name: 'Add a new work' }).click();
  await page.getByLabel('Title').fill(title);
  await page
    .getByLabel('Description')
    .fill('Acrylic on board, 40 × 30 cm. Shipped flat, wrapped in acid-free paper.');
  await page.getByRole('radio', { name: /^Physical/ }).check();
  await page.getByLabel(/^Price in/).fill(price);
  await page.getByLabel('Number of copies').fill('1');
  await page.getByRole('button', { name: 'Save as draft' }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  await page.getByText('Saved as a draft.').waitFor();
}

/** On a work's edit page: uploads a PNG with its description. */
export async function uploadImage(page: Page, alt: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-e2e-png-'));
  try {
    const file = join(dir, 'artwork.png');
    await artworkPng(file);
    await page.getByLabel('Image file').setInputFiles(file);
    await page.getByLabel('Description (alt text)').fill(alt);
    await page.getByRole('button', { name: 'Upload image' }).click();
    await page.getByText('Image added.').waitFor();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
