import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Browser, csrfOf, type Page, type TestShop, testShop, textOf } from './support.ts';

/*
 * The shopper's session pages through the real origin: creating an account,
 * signing in and out, the account page (password, sessions, favourites,
 * opening an artist profile).
 */

const PASSWORD = 'a long enough passphrase';
const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
/** Login throttling counts per address in Redis across runs: each test browser gets its own. */
const someIp = () => `198.51.100.${1 + Math.floor(Math.random() * 250)}`;

function inputValue(html: string, name: string): string | null {
  const input = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*>`))?.[0];
  return input?.match(/value="([^"]*)"/)?.[1] ?? null;
}

async function registered(
  shop: TestShop,
  name = 'Ada Shopper',
): Promise<{ browser: Browser; email: string }> {
  const email = `${unique('shopper')}@example.test`;
  const browser = new Browser(shop.url, { ip: someIp() });
  await browser.register(email, PASSWORD, name);
  return { browser, email };
}

/** Signs in through the login page, as a second device would. */
async function signInOnPage(shop: TestShop, email: string, password = PASSWORD): Promise<Browser> {
  const browser = new Browser(shop.url, { ip: someIp() });
  const page = await browser.submit('/login/', { email, password, next: '/account/' });
  assert.equal(page.status, 303, textOf(page.body));
  return browser;
}

const signedOutOf = (page: Page) =>
  page.status === 303 && page.location?.startsWith('/login/?next=') === true;

describe('session pages: accounts', () => {
  let shop: TestShop;

  before(async function () {
    this.timeout(180_000);
    shop = await testShop();
  });

  describe('register', () => {
    it('when the page opens, then the password rules are said before anyone types', async () => {
      const page = await new Browser(shop.url).get('/register/');
      assert.equal(page.status, 200);
      assert.match(page.body, /<h1[^>]*>Create an account<\/h1>/);
      assert.match(
        textOf(page.body),
        /At least 8 characters, and not one of the passwords everybody uses/,
      );
      assert.match(page.body, /<meta name="robots" content="noindex"/);
    });

    it('when the password is too short, then the field says so and the other values stay', async () => {
      const browser = new Browser(shop.url);
      const email = `${unique('short')}@example.test`;
      const page = await browser.submit('/register/', {
        displayName: 'Short Password',
        email,
        password: 'short',
        next: '/account/',
      });
      assert.equal(page.status, 422);
      assert.match(textOf(page.body), /Password must be at least 8 characters\./);
      assert.match(page.body, /id="register-password"[^>]*aria-invalid="true"/);
      assert.match(page.body, /aria-describedby="register-password-hint register-password-error"/);
      assert.equal(inputValue(page.body, 'email'), email);
      assert.equal(inputValue(page.body, 'password'), null, 'a password is never sent back');
    });

    it('when the email has an account already, then the email field says so and offers to sign in', async () => {
      const { email } = await registered(shop);
      const page = await new Browser(shop.url).submit('/register/', {
        displayName: 'Twice',
        email,
        password: PASSWORD,
        next: '/account/',
      });
      assert.equal(page.status, 422);
      assert.match(
        textOf(page.body),
        /An account with this email exists already\. Sign in instead/,
      );
      assert.match(page.body, /id="register-email"[^>]*aria-invalid="true"/);
    });

    it('when the form is right, then the shopper is signed in and sent on to next', async () => {
      const browser = new Browser(shop.url);
      const email = `${unique('new')}@example.test`;
      const page = await browser.submit('/register/?next=%2Forders%2F', {
        displayName: 'Grace Newcomer',
        email,
        password: PASSWORD,
        next: '/orders/',
      });
      assert.equal(page.status, 303);
      assert.equal(page.location, '/orders/');
      const account = await browser.get('/account/');
      assert.equal(account.status, 200);
      const words = textOf(account.body);
      assert.match(words, /Grace Newcomer/);
      assert.match(words, new RegExp(email));
      assert.match(words, /Account type Customer/);
    });
  });

  describe('login', () => {
    it('when the password is wrong, then the API message is shown and the email kept', async () => {
      const { email } = await registered(shop);
      const browser = new Browser(shop.url, { ip: someIp() });
      const page = await browser.submit('/login/', {
        email,
        password: 'not the password',
        next: '/account/',
      });
      assert.equal(page.status, 422);
      assert.match(textOf(page.body), /That email and password do not match an account\./);
      assert.match(page.body, /role="alert"/);
      assert.equal(inputValue(page.body, 'email'), email);
    });

    it('when the password is right, then the shopper goes to next; a next to another site is ignored', async () => {
      const { email } = await registered(shop);
      const browser = new Browser(shop.url, { ip: someIp() });
      const form = await browser.get('/login/?next=%2Forders%2F%3Fbefore%3D9');
      assert.equal(inputValue(form.body, 'next'), '/orders/?before=9');
      const page = await browser.postForm('/login/', {
        email,
        password: PASSWORD,
        next: '/orders/?before=9',
        csrf: csrfOf(form.body),
      });
      assert.equal(page.status, 303);
      assert.equal(page.location, '/orders/?before=9');

      const other = new Browser(shop.url, { ip: someIp() });
      const away = await other.submit('/login/', {
        email,
        password: PASSWORD,
        next: '//evil.example/',
      });
      assert.equal(away.location, '/account/');
    });

    it('when a signed-in shopper opens the login page, then they go straight to next', async () => {
      const { browser } = await registered(shop);
      const page = await browser.get('/login/?next=%2Fcart%2F');
      assert.equal(page.status, 303);
      assert.equal(page.location, '/cart/');
    });

    it('when logins keep failing, then the page says sign-in is paused and for how long', async () => {
      const { email } = await registered(shop);
      const browser = new Browser(shop.url, { ip: someIp() });
      let page: Page | undefined;
      for (let i = 0; i < 6; i++) {
        page = await browser.submit('/login/', {
          email,
          password: `wrong ${i}`,
          next: '/account/',
        });
        if (page.status === 429) break;
      }
      assert.equal(page?.status, 429);
      assert.match(
        textOf(page?.body ?? ''),
        /Too many attempts\. To protect the account, signing in is paused: please wait about 15 minutes/,
      );
    });

    it('when the form comes without its token, then nothing happens and the shopper is asked again', async () => {
      const { email } = await registered(shop);
      const page = await new Browser(shop.url).postForm('/login/', { email, password: PASSWORD });
      assert.equal(page.status, 422);
      assert.match(textOf(page.body), /This form expired\. Please submit it again\./);
      assert.ok(csrfOf(page.body), 'the form comes back with a token');
    });
  });

  describe('logout', () => {
    it('when a signed-in shopper opens it, then a button asks first; the post signs out', async () => {
      const { browser, email } = await registered(shop);
      const confirm = await browser.get('/logout/');
      assert.equal(confirm.status, 200);
      assert.match(textOf(confirm.body), new RegExp(`You are signed in as ${email}`));
      assert.match(confirm.body, /<button type="submit">Sign out<\/button>/);
      assert.equal((await browser.get('/account/')).status, 200, 'a GET signs nobody out');

      const done = await browser.postForm('/logout/', { csrf: csrfOf(confirm.body) });
      assert.equal(done.status, 303);
      assert.equal(done.location, '/login/?done=signed-out');
      const login = await browser.get('/login/?done=signed-out');
      assert.match(textOf(login.body), /You are signed out\./);
      assert.ok(signedOutOf(await browser.get('/account/')));
    });
  });

  describe('account', () => {
    it('when signed out, then the account page sends the shopper to sign in and back', async () => {
      const page = await new Browser(shop.url).get('/account/');
      assert.equal(page.status, 303);
      assert.equal(page.location, '/login/?next=%2Faccount%2F');
    });

    it('when the password changes, then the other device is signed out and this one stays', async () => {
      const { browser, email } = await registered(shop);
      const phone = await signInOnPage(shop, email);
      assert.equal((await phone.get('/account/')).status, 200);

      const wrong = await browser.submit('/account/', {
        intent: 'password',
        currentPassword: 'not it at all',
        newPassword: 'another long passphrase',
      });
      assert.equal(wrong.status, 422);
      assert.match(textOf(wrong.body), /The current password is not right\./);
      assert.match(wrong.body, /id="current-password"[^>]*aria-invalid="true"/);

      const changed = await browser.submit('/account/', {
        intent: 'password',
        currentPassword: PASSWORD,
        newPassword: 'another long passphrase',
      });
      assert.equal(changed.status, 303);
      assert.equal(changed.location, '/account/?done=password&ended=1');
      const after = await browser.get(changed.location ?? '');
      assert.equal(after.status, 200);
      assert.match(
        textOf(after.body),
        /Your password is changed\. Your other session was signed out\./,
      );
      assert.ok(signedOutOf(await phone.get('/account/')), 'the other device is signed out');
    });

    it('when a new password is a common one, then the field says so', async () => {
      const { browser } = await registered(shop);
      const page = await browser.submit('/account/', {
        intent: 'password',
        currentPassword: PASSWORD,
        newPassword: 'password123',
      });
      assert.equal(page.status, 422);
      assert.match(textOf(page.body), /Password is one of the most common passwords/);
      assert.match(page.body, /id="new-password"[^>]*aria-invalid="true"/);
    });

    it('when the shopper looks at their sessions, then this device is marked and another can be ended', async () => {
      const { browser, email } = await registered(shop);
      const laptop = await signInOnPage(shop, email);
      const page = await browser.get('/account/');
      const words = textOf(page.body);
      assert.match(words, /Where you are signed in/);
      assert.match(words, /This device/);
      const ends = [...page.body.matchAll(/name="session" value="([^"]+)"/g)].map((m) => m[1]);
      assert.equal(ends.length, 1, 'only the other session has an end button');
      const ended = await browser.postForm('/account/', {
        intent: 'end-session',
        session: ends[0] ?? '',
        csrf: csrfOf(page.body),
      });
      assert.equal(ended.status, 303);
      assert.match(
        textOf((await browser.get('/account/?done=session-ended')).body),
        /That session is signed out\./,
      );
      assert.ok(signedOutOf(await laptop.get('/account/')));
    });

    it('when a favourite is listed, then it links to its page and can be removed', async () => {
      const { browser } = await registered(shop);
      const products = await browser.api<{ items: { id: number; slug: string; title: string }[] }>(
        'GET',
        '/api/v1/products?limit=1',
      );
      const product = products.body.items[0];
      assert.ok(product, 'the test shop has products');
      assert.equal(
        (await browser.api('PUT', `/api/v1/favorites/${product.id}`)).status < 300,
        true,
      );

      const page = await browser.get('/account/');
      assert.match(page.body, new RegExp(`href="/products/${product.slug}/"`));
      assert.match(textOf(page.body), new RegExp(`Remove ${product.title} from your favourites`));
      const removed = await browser.postForm('/account/', {
        intent: 'unfavourite',
        productId: product.id,
        csrf: csrfOf(page.body),
      });
      assert.equal(removed.status, 303);
      const after = await browser.get('/account/?done=unfavourited');
      assert.match(textOf(after.body), /Removed from your favourites\./);
      assert.doesNotMatch(after.body, new RegExp(`href="/products/${product.slug}/"`));
    });

    it('when a customer becomes an artist, then the profile opens, the role changes and the studio is linked', async () => {
      const { browser } = await registered(shop, 'Mara Lind');
      const form = await browser.get('/account/');
      assert.match(form.body, /<button type="submit">Become an artist<\/button>/);
      assert.doesNotMatch(form.body, /href="\/studio\/"/);
      const slug = unique('mara-lind');
      const opened = await browser.postForm('/account/', {
        intent: 'artist',
        name: 'Mara Lind',
        slug,
        bio: 'Paints the sea.',
        csrf: csrfOf(form.body),
      });
      assert.equal(opened.status, 303);
      const page = await browser.get(opened.location ?? '');
      const words = textOf(page.body);
      assert.match(words, /Your artist profile is open/);
      assert.match(words, /Account type Artist/);
      assert.match(page.body, new RegExp(`href="/artists/${slug}/"`));
      assert.match(page.body, /href="\/studio\/"/);

      const other = await registered(shop);
      const taken = await other.browser.submit('/account/', {
        intent: 'artist',
        name: 'Someone Else',
        slug,
        bio: '',
      });
      assert.equal(taken.status, 422);
      assert.match(textOf(taken.body), /This address is taken by another artist; choose another\./);
      assert.match(taken.body, /id="artist-slug"[^>]*aria-invalid="true"/);
    });

    it('when the profile address is left empty, then one is made from the name', async () => {
      const { browser } = await registered(shop);
      const name = `Zoë ${unique('Saldaña')}`;
      const opened = await browser.submit('/account/', {
        intent: 'artist',
        name,
        slug: '',
        bio: '',
      });
      assert.equal(opened.status, 303);
      const page = await browser.get('/account/');
      assert.match(page.body, /href="\/artists\/zoe-saldana-[0-9a-f]{8}\/"/);
    });
  });
});
