import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Shopper } from '../../test/support/client.ts';
import { createTestDatabase, redisUrl, type TestDatabase } from '../../test/support/database.ts';
import { json, type Listening, listen } from '../../test/support/http.ts';
import { createApp } from '../app.ts';
import { type Config, loadConfig } from '../config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { createLogger } from '../platform/logging.ts';
import { createRedis } from '../platform/redis.ts';
import { hashPassword, parseHash, verifyPassword } from './password.ts';
import { signSessionCookie, verifySessionCookie } from './session-cookie.ts';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const KEYS =
  'k2026:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,k2025:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const PASSWORD = 'plum-orchard-lantern';

interface Harness {
  t: TestDatabase;
  http: Listening;
  clock: { now: number };
  redis: Redis | null;
  close(): Promise<void>;
}

/** An app on its own schema (or sharing `shared`'s database), with a movable clock. */
async function harness(
  overrides: Record<string, string> = {},
  shared?: TestDatabase,
): Promise<Harness> {
  const t =
    shared ?? (await createTestDatabase({ overrides: { SESSION_KEYS: KEYS, ...overrides } }));
  const config: Config = shared
    ? {
        ...t.config,
        ...pick(loadConfig({ SESSION_KEYS: KEYS, ...overrides }), ['sessions', 'loginThrottle']),
      }
    : t.config;
  const clock = { now: Date.now() };
  const redis = redisUrl ? createRedis(redisUrl, logger, 'test') : null;
  const built = createApp({ config, logger, db: t.db, redis, clock: () => clock.now });
  const http = await listen(built.app);
  return {
    t,
    http,
    clock,
    redis,
    async close() {
      await http.close();
      await built.close();
      redis?.disconnect();
      if (!shared) await t.drop();
    },
  };
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, obj[k]])) as Pick<T, K>;
}

let emailCounter = 0;
/**
 * A client address of its own for each use, so throttle counters kept in Redis
 * by an earlier run (the window is minutes) never leak into this one.
 */
const runTag = Math.floor(Math.random() * 0xffff).toString(16);
let ipCounter = 0;
const clientIp = () => `2001:db8:${runTag}::${(++ipCounter).toString(16)}`;
const freshEmail = () => `shopper${++emailCounter}.${Date.now()}@example.com`;

async function registered(h: Harness, email = freshEmail()): Promise<Shopper> {
  const shopper = new Shopper(h.http.baseUrl);
  const res = await shopper.signIn('register', { email, password: PASSWORD, displayName: 'Ada' });
  assert.equal(res.status, 201, await res.clone().text());
  return shopper;
}

const me = (s: Shopper) => s.get('/api/v1/auth/me');

describe('accounts: passwords', () => {
  it('when a password is hashed, then it is argon2id with m >= 19456 KiB, t >= 2, p = 1 stored in the hash', async () => {
    const phc = await hashPassword(PASSWORD);
    assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parseHash(phc);
    assert.ok(
      parsed &&
        parsed.params.memory >= 19_456 &&
        parsed.params.passes >= 2 &&
        parsed.params.parallelism === 1,
    );
    assert.equal(await verifyPassword(phc, PASSWORD), true);
    assert.equal(await verifyPassword(phc, `${PASSWORD}x`), false);
    assert.notEqual(await hashPassword(PASSWORD), phc, 'salted');
  });
});

describe('accounts over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h?.close());

  it('when registering with a short or common password, then 400 says why', async () => {
    const shopper = new Shopper(h.http.baseUrl);
    for (const [password, reason] of [
      ['short1', /at least 8 characters/],
      ['password1', /most common passwords/],
      ['iloveyou', /most common passwords/],
    ] as const) {
      const res = await shopper.signIn('register', { email: freshEmail(), password });
      assert.equal(res.status, 400, password);
      const body = await json(res);
      assert.equal(body.error.code, 'VALIDATION_FAILED');
      assert.match(body.error.details.fields[0].message, reason);
    }
  });

  it('when registering, then the email is normalised and unique', async () => {
    const email = freshEmail();
    const first = await registered(h, `  ${email.toUpperCase()} `);
    const body = await json(await me(first));
    assert.equal(body.user.email, email);
    const again = await new Shopper(h.http.baseUrl).signIn('register', {
      email,
      password: PASSWORD,
    });
    assert.equal(again.status, 409);
    assert.equal((await json(again)).error.code, 'EMAIL_IN_USE');
  });

  it('when a user logs in with a hash made with weaker parameters, then it is upgraded to the current ones', async () => {
    const email = freshEmail();
    const weak = await hashPassword(PASSWORD, { memory: 8_192, passes: 1, parallelism: 1 });
    await h.t.db.models.User.create({ email, passwordHash: weak });
    assert.equal(
      (await new Shopper(h.http.baseUrl).signIn('login', { email, password: PASSWORD })).status,
      200,
    );
    const row = await h.t.db.models.User.findOne({ where: { email }, raw: true });
    assert.match(row?.passwordHash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(row?.passwordHash ?? '', PASSWORD), true);
  });

  it('when signed in, then the cookie is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/ and has the v1 format', async () => {
    const shopper = await registered(h);
    const line = shopper.lastSetCookie.find((c) => c.startsWith('__Host-vitrine_session='));
    assert.ok(line, shopper.lastSetCookie.join('\n'));
    assert.match(line, /; Path=\/(;|$)/);
    assert.match(line, /; HttpOnly/);
    assert.match(line, /; Secure/);
    assert.match(line, /; SameSite=Lax/);
    assert.doesNotMatch(line, /Domain=/i);
    assert.match(
      shopper.cookies.get('__Host-vitrine_session') ?? '',
      /^v1\.k2026\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/,
    );
  });

  it('when sessions are created, then each id carries 256 bits from the CSPRNG and never repeats', async () => {
    const email = freshEmail();
    await registered(h, email);
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const shopper = new Shopper(h.http.baseUrl);
      assert.equal((await shopper.signIn('login', { email, password: PASSWORD })).status, 200);
      const cookie = shopper.cookies.get('__Host-vitrine_session') ?? '';
      const payload = JSON.parse(Buffer.from(cookie.split('.')[2] ?? '', 'base64url').toString());
      assert.equal(Buffer.from(payload.sid, 'base64url').length, 32);
      ids.add(payload.sid);
    }
    assert.equal(ids.size, 20);
  });

  it('when logging in over an existing session, then the session rotates and the old cookie is dead', async () => {
    const email = freshEmail();
    const shopper = await registered(h, email);
    const before = shopper.cookies.get('__Host-vitrine_session') ?? '';
    assert.equal((await shopper.signIn('login', { email, password: PASSWORD })).status, 200);
    const after = shopper.cookies.get('__Host-vitrine_session') ?? '';
    assert.notEqual(after, before);
    const stale = new Shopper(h.http.baseUrl);
    stale.cookies.set('__Host-vitrine_session', before);
    assert.equal((await me(stale)).status, 401);
    assert.equal((await me(shopper)).status, 200);
  });

  it('when a session cookie is planted before login (fixation), then login issues a different one', async () => {
    const email = freshEmail();
    const victim = await registered(h, email);
    const planted = victim.cookies.get('__Host-vitrine_session') ?? '';
    const attacker = new Shopper(h.http.baseUrl);
    attacker.cookies.set('__Host-vitrine_session', planted);
    await attacker.signIn('login', { email, password: PASSWORD });
    assert.notEqual(attacker.cookies.get('__Host-vitrine_session'), planted);
    assert.equal((await me(victim)).status, 401, 'the planted session was ended');
  });

  it('when a pre-session and its CSRF token exist before sign-in (fixation), then sign-in issues a new session they cannot write for', async () => {
    const email = freshEmail();
    await registered(h, email);
    for (const kind of ['login', 'register'] as const) {
      // What an attacker could have planted or read before the victim signs in.
      const browser = new Shopper(h.http.baseUrl);
      const preToken = await browser.refreshCsrf();
      const preCookie = browser.cookies.get('__Host-vitrine_csrf') ?? '';
      assert.match(preCookie, /^[A-Za-z0-9_-]{22}$/);
      const before = browser.cookies.get('__Host-vitrine_session');
      const res = await browser.signIn(kind, {
        email: kind === 'login' ? email : freshEmail(),
        password: PASSWORD,
      });
      assert.equal(res.status, kind === 'login' ? 200 : 201, kind);
      const session = browser.cookies.get('__Host-vitrine_session') ?? '';
      assert.ok(session && session !== before && !session.includes(preCookie), kind);
      assert.notEqual(browser.csrf, preToken, `${kind}: a new token comes with the session`);
      // The pre-session's token is bound to the pre-session, never to the new session.
      const stale = await browser.send('POST', '/api/v1/auth/logout', undefined, {
        csrf: false,
        headers: { 'x-csrf-token': preToken },
      });
      assert.equal(stale.status, 403, kind);
      assert.equal((await json(stale)).error.code, 'CSRF_TOKEN_INVALID', kind);
      assert.equal((await me(browser)).status, 200, `${kind}: still signed in`);
    }
  });

  it('when registering over an existing session, then that session ends and a new one starts', async () => {
    const browser = await registered(h);
    const old = browser.cookies.get('__Host-vitrine_session') ?? '';
    await registered(h).then(async () => {
      const res = await browser.signIn('register', { email: freshEmail(), password: PASSWORD });
      assert.equal(res.status, 201);
    });
    assert.notEqual(browser.cookies.get('__Host-vitrine_session'), old);
    const replay = new Shopper(h.http.baseUrl);
    replay.cookies.set('__Host-vitrine_session', old);
    assert.equal((await me(replay)).status, 401, 'the old session was ended on the server');
  });

  it('when logging out, then the session is destroyed on the server, not just the cookie', async () => {
    const shopper = await registered(h);
    const cookie = shopper.cookies.get('__Host-vitrine_session') ?? '';
    const res = await shopper.send('POST', '/api/v1/auth/logout');
    assert.equal(res.status, 204);
    assert.ok(shopper.lastSetCookie.some((c) => /^__Host-vitrine_session=;/.test(c)));
    const replay = new Shopper(h.http.baseUrl);
    replay.cookies.set('__Host-vitrine_session', cookie);
    assert.equal((await me(replay)).status, 401);
  });

  it('when the password changes, then every other session ends and this one stays', async () => {
    const email = freshEmail();
    const here = await registered(h, email);
    const elsewhere = new Shopper(h.http.baseUrl);
    await elsewhere.signIn('login', { email, password: PASSWORD });
    assert.equal((await me(elsewhere)).status, 200);
    const res = await here.send('POST', '/api/v1/auth/password', {
      currentPassword: PASSWORD,
      newPassword: 'quince-harbour-meridian',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { endedSessions: 1 });
    assert.equal((await me(elsewhere)).status, 401);
    assert.equal((await me(here)).status, 200);
    const login = await new Shopper(h.http.baseUrl).signIn('login', {
      email,
      password: 'quince-harbour-meridian',
    });
    assert.equal(login.status, 200);
  });

  it('when listing sessions, then a user sees and ends only their own', async () => {
    const email = freshEmail();
    const a = await registered(h, email);
    const a2 = new Shopper(h.http.baseUrl);
    await a2.signIn('login', { email, password: PASSWORD });
    const list = await json(await a.get('/api/v1/auth/sessions'));
    assert.equal(list.items.length, 2);
    assert.equal(list.items.filter((s: { current: boolean }) => s.current).length, 1);
    const other = list.items.find((s: { current: boolean }) => !s.current);
    const b = await registered(h);
    const idor = await b.send('DELETE', `/api/v1/auth/sessions/${other.id}`);
    assert.equal(idor.status, 404);
    assert.equal((await me(a2)).status, 200, 'B could not end A’s session');
    assert.equal((await a.send('DELETE', `/api/v1/auth/sessions/${other.id}`)).status, 204);
    assert.equal((await me(a2)).status, 401);
  });

  describe('CSRF', () => {
    it('when a write has no token, then 403 CSRF_TOKEN_MISSING', async () => {
      const shopper = await registered(h);
      const res = await shopper.send('POST', '/api/v1/auth/logout', undefined, { csrf: false });
      assert.equal(res.status, 403);
      assert.equal((await json(res)).error.code, 'CSRF_TOKEN_MISSING');
      assert.equal((await me(shopper)).status, 200);
    });

    it('when the token is wrong or belongs to another session, then 403 CSRF_TOKEN_INVALID', async () => {
      const a = await registered(h);
      const b = await registered(h);
      for (const token of ['x.y', `${'A'.repeat(22)}.${'B'.repeat(43)}`, b.csrf ?? '']) {
        const res = await a.send('POST', '/api/v1/auth/logout', undefined, {
          csrf: false,
          headers: { 'x-csrf-token': token },
        });
        assert.equal(res.status, 403, token);
        assert.equal((await json(res)).error.code, 'CSRF_TOKEN_INVALID');
      }
    });

    it('when the browser says cross-site or the Origin is foreign, then 403 CROSS_SITE_REQUEST even with a token', async () => {
      const shopper = await registered(h);
      const attempts: Array<Record<string, string>> = [
        { 'sec-fetch-site': 'cross-site' },
        { origin: 'https://evil.example' },
      ];
      for (const headers of attempts) {
        const res = await shopper.send('POST', '/api/v1/auth/logout', undefined, { headers });
        assert.equal(res.status, 403);
        assert.equal((await json(res)).error.code, 'CROSS_SITE_REQUEST');
      }
      const same = await shopper.send('POST', '/api/v1/auth/logout', undefined, {
        headers: { 'sec-fetch-site': 'same-origin', origin: h.http.baseUrl },
      });
      assert.equal(same.status, 204);
    });

    it('when logging in without a pre-session token, then it is refused: login CSRF is covered too', async () => {
      const res = await fetch(`${h.http.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-csrf-token': `${'A'.repeat(22)}.${'B'.repeat(43)}`,
        },
        body: JSON.stringify({ email: 'a@example.com', password: PASSWORD }),
      });
      assert.equal(res.status, 403);
      assert.equal((await json(res)).error.code, 'CSRF_TOKEN_INVALID');
    });
  });

  describe('roles', () => {
    it('when anonymous, a customer or an admin asks for an admin route, then 401, 403 and 200', async () => {
      assert.equal((await new Shopper(h.http.baseUrl).get('/api/v1/admin/users')).status, 401);
      const customer = await registered(h);
      const denied = await customer.get('/api/v1/admin/users');
      assert.equal(denied.status, 403);
      assert.equal((await json(denied)).error.code, 'FORBIDDEN');
      const email = freshEmail();
      await h.t.db.models.User.create({
        email,
        passwordHash: await hashPassword(PASSWORD),
        role: 'admin',
      });
      const admin = new Shopper(h.http.baseUrl);
      await admin.signIn('login', { email, password: PASSWORD });
      const list = await admin.get('/api/v1/admin/users?role=admin');
      assert.equal(list.status, 200);
      assert.ok((await json(list)).items.some((u: { email: string }) => u.email === email));
    });

    it('when a customer opens an artist profile, then they become an artist at once and the slug is theirs', async () => {
      const shopper = await registered(h);
      assert.equal((await shopper.get('/api/v1/studio/profile')).status, 403);
      const slug = `artist-${Date.now()}`;
      const res = await shopper.send('POST', '/api/v1/studio/profile', {
        name: 'Mara Lind',
        slug,
        bio: 'Ink.',
      });
      assert.equal(res.status, 201, await res.clone().text());
      assert.equal((await json(await me(shopper))).user.role, 'artist');
      const profile = await shopper.get('/api/v1/studio/profile');
      assert.equal(profile.status, 200);
      assert.equal((await json(profile)).slug, slug);
      const twice = await shopper.send('POST', '/api/v1/studio/profile', {
        name: 'Again',
        slug: `${slug}-2`,
      });
      assert.equal((await json(twice)).error.code, 'ALREADY_AN_ARTIST');
      const other = await registered(h);
      const taken = await other.send('POST', '/api/v1/studio/profile', { name: 'Copy', slug });
      assert.equal(taken.status, 409);
      assert.equal((await json(taken)).error.code, 'SLUG_TAKEN');
    });
  });
});

describe('accounts: expiry', () => {
  let h: Harness;
  before(async () => {
    h = await harness({ SESSION_IDLE_TIMEOUT_S: '3600', SESSION_ABSOLUTE_TIMEOUT_S: '7200' });
  });
  after(() => h?.close());

  it('when a session is idle longer than the idle timeout, then it is over', async () => {
    const shopper = await registered(h);
    h.clock.now += 3_599_000;
    assert.equal((await me(shopper)).status, 200, 'just inside the idle window');
    h.clock.now += 3_601_000;
    assert.equal((await me(shopper)).status, 401);
  });

  it('when a session stays active past the absolute timeout, then it is over all the same', async () => {
    const shopper = await registered(h);
    for (let i = 0; i < 3; i++) {
      h.clock.now += 39 * 60_000;
      assert.equal((await me(shopper)).status, 200, `active after ${(i + 1) * 39} minutes`);
    }
    h.clock.now += 4 * 60_000;
    assert.equal((await me(shopper)).status, 401, 'past 2 hours since login, though never idle');
  });
});

describe('accounts: throttling and enumeration', () => {
  let h: Harness;
  before(async () => {
    h = await harness({
      LOGIN_FAILURES_PER_ACCOUNT: '3',
      LOGIN_FAILURES_PER_IP: '6',
      LOGIN_THROTTLE_WINDOW_S: '2',
    });
  });
  after(() => h?.close());

  it('when an account fails too often, then 429 with Retry-After, even with the right password; then it recovers', async () => {
    const email = freshEmail();
    await registered(h, email);
    const attacker = new Shopper(h.http.baseUrl, { ip: clientIp() });
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await attacker.signIn('login', { email, password: 'wrong-password-x' })).status,
        401,
      );
    }
    const blocked = await attacker.signIn('login', { email, password: PASSWORD });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    assert.equal((await json(blocked)).error.code, 'TOO_MANY_ATTEMPTS');
    const fromElsewhere = await new Shopper(h.http.baseUrl, { ip: clientIp() }).signIn('login', {
      email,
      password: PASSWORD,
    });
    assert.equal(fromElsewhere.status, 429, 'the account throttle holds from any IP');
    await sleep(2_100);
    assert.equal(
      (await attacker.signIn('login', { email, password: PASSWORD })).status,
      200,
      'recovered',
    );
  });

  it('when one client IP fails across many accounts, then that IP is throttled and others are not', async () => {
    const spray = new Shopper(h.http.baseUrl, { ip: clientIp() });
    for (let i = 0; i < 6; i++) {
      assert.equal(
        (await spray.signIn('login', { email: freshEmail(), password: 'wrong-password-x' })).status,
        401,
      );
    }
    assert.equal(
      (await spray.signIn('login', { email: freshEmail(), password: 'wrong-password-x' })).status,
      429,
    );
    const neighbour = new Shopper(h.http.baseUrl, { ip: clientIp() });
    assert.equal(
      (await neighbour.signIn('login', { email: freshEmail(), password: 'wrong-password-x' }))
        .status,
      401,
    );
  });

  it('when the email is unknown or the password wrong, then the answers are identical and take similar time', async () => {
    const email = freshEmail();
    await registered(h, email);
    const time = async (body: Record<string, string>, ip: string) => {
      const client = new Shopper(h.http.baseUrl, { ip });
      await client.refreshCsrf();
      const started = performance.now();
      const res = await client.signIn('login', body);
      return { ms: performance.now() - started, status: res.status, body: await res.text() };
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await time({ email, password: `wrong-${i}-password` }, clientIp());
      const b = await time({ email: freshEmail(), password: `wrong-${i}-password` }, clientIp());
      assert.equal(a.status, 401);
      assert.equal(a.status, b.status);
      assert.equal(a.body, b.body);
      known.push(a.ms);
      unknown.push(b.ms);
      await sleep(50);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[1] ?? 0;
    const ratio = median(known) / median(unknown);
    assert.ok(
      ratio > 0.5 && ratio < 2,
      `known ${median(known).toFixed(1)} ms vs unknown ${median(unknown).toFixed(1)} ms`,
    );
  });
});

describe('accounts: registration and enumeration', () => {
  let h: Harness;
  before(async () => {
    h = await harness({ LOGIN_FAILURES_PER_IP: '4', LOGIN_THROTTLE_WINDOW_S: '2' });
  });
  after(() => h?.close());

  const register = async (email: string, ip: string, password = 'another-long-passphrase') => {
    const client = new Shopper(h.http.baseUrl, { ip });
    await client.refreshCsrf();
    const started = performance.now();
    const res = await client.signIn('register', { email, password });
    return { ms: performance.now() - started, res, client, body: await res.clone().text() };
  };

  it('when an email is taken, then 409 EMAIL_IN_USE says only that, in any spelling, starts no session and leaves the account as it was', async () => {
    const email = freshEmail();
    await registered(h, email);
    const answers = new Set<string>();
    for (const spelling of [email, email.toUpperCase(), `  ${email} `]) {
      const { res, client, body } = await register(spelling, clientIp());
      assert.equal(res.status, 409, spelling);
      assert.deepEqual(Object.keys(JSON.parse(body).error).sort(), ['code', 'message']);
      assert.equal(JSON.parse(body).error.code, 'EMAIL_IN_USE');
      assert.ok(!body.includes(email) && !/"(id|role|displayName)"/.test(body), body);
      assert.ok(!client.lastSetCookie.some((c) => c.startsWith('__Host-vitrine_session=')));
      answers.add(body);
    }
    assert.equal(answers.size, 1, 'one answer whatever the spelling');
    const owner = new Shopper(h.http.baseUrl, { ip: clientIp() });
    assert.equal((await owner.signIn('login', { email, password: PASSWORD })).status, 200);
    const taker = new Shopper(h.http.baseUrl, { ip: clientIp() });
    const hijack = await taker.signIn('login', { email, password: 'another-long-passphrase' });
    assert.equal(hijack.status, 401, 'the taken account kept its password');
  });

  it('when a taken and a free email are registered, then both cost the same password hashing', async () => {
    const taken = freshEmail();
    await registered(h, taken);
    const takenMs: number[] = [];
    const freeMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      takenMs.push((await register(taken, clientIp())).ms);
      freeMs.push((await register(freshEmail(), clientIp())).ms);
      await sleep(50);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[1] ?? 0;
    const ratio = median(takenMs) / median(freeMs);
    assert.ok(
      ratio > 0.5 && ratio < 2,
      `taken ${median(takenMs).toFixed(1)} ms vs free ${median(freeMs).toFixed(1)} ms`,
    );
  });

  it('when one client IP probes taken emails by registering, then it is throttled like failed logins; other IPs and new accounts are not', async () => {
    const taken = freshEmail();
    await registered(h, taken);
    const prober = clientIp();
    for (let i = 0; i < 4; i++) assert.equal((await register(taken, prober)).res.status, 409);
    const blocked = await register(freshEmail(), prober);
    assert.equal(blocked.res.status, 429, blocked.body);
    assert.equal(JSON.parse(blocked.body).error.code, 'TOO_MANY_ATTEMPTS');
    assert.ok(Number(blocked.res.headers.get('retry-after')) >= 1);
    assert.equal(
      (await register(taken, clientIp())).res.status,
      409,
      'another IP is not throttled',
    );
    const newcomer = clientIp();
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await register(freshEmail(), newcomer)).res.status,
        201,
        'new accounts cost nothing',
      );
    }
    await sleep(2_100);
    assert.equal((await register(freshEmail(), prober)).res.status, 201, 'it recovers');
  });

  it('when failed logins spell one email differently, then they count against one account', async () => {
    const email = freshEmail();
    await registered(h, email);
    const strict = await harness({ LOGIN_FAILURES_PER_ACCOUNT: '3' }, h.t);
    try {
      for (const spelling of [email.toUpperCase(), ` ${email}`, email]) {
        const client = new Shopper(strict.http.baseUrl, { ip: clientIp() });
        assert.equal(
          (await client.signIn('login', { email: spelling, password: 'wrong-one-x' })).status,
          401,
        );
      }
      const client = new Shopper(strict.http.baseUrl, { ip: clientIp() });
      assert.equal((await client.signIn('login', { email, password: PASSWORD })).status, 429);
    } finally {
      await strict.close();
    }
  });
});

describe('accounts: key rotation', () => {
  it('when a cookie was signed by an old kid, then it verifies while that kid is in the ring and fails once removed', () => {
    const old = { keys: new Map([['old', 'o'.repeat(40)]]), signingKid: 'old' };
    const cookie = signSessionCookie({ sid: 'c2lk', exp: 2_000_000_000 }, old);
    const rotated = {
      keys: new Map([
        ['new', 'n'.repeat(40)],
        ['old', 'o'.repeat(40)],
      ]),
      signingKid: 'new',
    };
    assert.deepEqual(verifySessionCookie(cookie, rotated, 1_900_000_000), {
      ok: true,
      claims: { sid: 'c2lk', exp: 2_000_000_000 },
    });
    const dropped = { keys: new Map([['new', 'n'.repeat(40)]]), signingKid: 'new' };
    assert.deepEqual(verifySessionCookie(cookie, dropped, 1_900_000_000), {
      ok: false,
      reason: 'unknown_kid',
    });
  });

  it('when a cookie is forged, tampered or expired, then it is refused before any lookup', () => {
    const ring = { keys: new Map([['a', 'a'.repeat(40)]]), signingKid: 'a' };
    const cookie = signSessionCookie({ sid: 'c2lk', exp: 2_000 }, ring);
    const [v, kid, payload, sig] = cookie.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ sid: 'c2lk', exp: 9_999 })).toString(
      'base64url',
    );
    assert.equal(verifySessionCookie(`${v}.${kid}.${otherPayload}.${sig}`, ring, 1_000).ok, false);
    assert.deepEqual(verifySessionCookie(cookie, ring, 2_000), { ok: false, reason: 'expired' });
    assert.deepEqual(verifySessionCookie(`${v}.${kid}.${payload}`, ring, 1_000), {
      ok: false,
      reason: 'malformed',
    });
  });

  it('when the origin rotates its ring, then sessions signed by the previous key survive', async () => {
    const oldRing = 'k2025:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    const before = await harness({ SESSION_KEYS: oldRing });
    try {
      const shopper = await registered(before);
      const after = await harness({ SESSION_KEYS: KEYS }, before.t);
      const afterDropped = await harness(
        { SESSION_KEYS: 'k2026:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
        before.t,
      );
      try {
        const onNew = new Shopper(after.http.baseUrl);
        onNew.cookies.set(
          '__Host-vitrine_session',
          shopper.cookies.get('__Host-vitrine_session') ?? '',
        );
        assert.equal((await me(onNew)).status, 200);
        const onDropped = new Shopper(afterDropped.http.baseUrl);
        onDropped.cookies.set(
          '__Host-vitrine_session',
          shopper.cookies.get('__Host-vitrine_session') ?? '',
        );
        assert.equal((await me(onDropped)).status, 401);
      } finally {
        await after.close();
        await afterDropped.close();
      }
    } finally {
      await before.close();
    }
  });
});

describe('accounts: development cookies', () => {
  it('when SESSION_COOKIE_SECURE=false outside production, then the cookie drops Secure and the __Host- prefix', async () => {
    const h = await harness({ SESSION_COOKIE_SECURE: 'false' });
    try {
      const shopper = await registered(h);
      const line = shopper.lastSetCookie.find((c) => c.startsWith('vitrine_session=')) ?? '';
      assert.match(line, /HttpOnly/);
      assert.doesNotMatch(line, /Secure/);
      assert.equal((await me(shopper)).status, 200);
    } finally {
      await h.close();
    }
  });
});

const liveRedis = redisUrl;
if (liveRedis) {
  describe('accounts: two processes sharing Redis', () => {
    it('when a session logs out on one instance, then the other instance stops honouring it within a second', async () => {
      const a = await harness();
      const b = await harness({}, a.t);
      try {
        const shopper = await registered(a);
        const onB = new Shopper(b.http.baseUrl);
        onB.cookies.set(
          '__Host-vitrine_session',
          shopper.cookies.get('__Host-vitrine_session') ?? '',
        );
        assert.equal((await me(onB)).status, 200, 'B has it in its L1 now');
        assert.equal((await me(onB)).status, 200);
        assert.equal((await shopper.send('POST', '/api/v1/auth/logout')).status, 204);
        const started = performance.now();
        let status = 200;
        while (status === 200 && performance.now() - started < 1_000) {
          status = (await me(onB)).status;
          if (status === 200) await sleep(20);
        }
        assert.equal(status, 401, 'B learnt of the logout through the invalidation bus');
      } finally {
        await b.close();
        await a.close();
      }
    });
  });
}

describe('accounts: behind CloudFront and the ALB (trust proxy 2)', () => {
  let h: Harness;
  before(async () => {
    h = await harness({
      TRUST_PROXY: '2',
      LOGIN_FAILURES_PER_IP: '3',
      LOGIN_FAILURES_PER_ACCOUNT: '100',
    });
  });
  after(() => h?.close());

  it('when failures come through one CloudFront edge from two shoppers, then only the failing shopper is throttled', async () => {
    // X-Forwarded-For as the ALB passes it: "<shopper>, <CloudFront edge>"; the ALB is the peer.
    const edge = '130.176.0.10';
    const send = (shopper: string) =>
      fetch(`${h.http.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `${shopper}, ${edge}` },
        body: JSON.stringify({ email: freshEmail(), password: 'wrong-password-x' }),
      });
    // Without a CSRF token these stop at 403 before the throttle, so sign in the proper way:
    const as = (ip: string) => {
      const s = new Shopper(h.http.baseUrl);
      s.ip = `${ip}, ${edge}`;
      return s;
    };
    const shopperIp = clientIp();
    assert.equal((await send(shopperIp)).status, 403, 'CSRF still applies');
    const attacker = as(shopperIp);
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await attacker.signIn('login', { email: freshEmail(), password: 'wrong-password-x' }))
          .status,
        401,
      );
    }
    assert.equal(
      (await attacker.signIn('login', { email: freshEmail(), password: 'wrong-password-x' }))
        .status,
      429,
    );
    const neighbour = as(clientIp());
    assert.equal(
      (await neighbour.signIn('login', { email: freshEmail(), password: 'wrong-password-x' }))
        .status,
      401,
      'the shared edge address is not what gets throttled',
    );
  });
});

describe('accounts: admin:create', () => {
  it('when run with an email and a password on stdin, then an admin exists who can sign in; the public API cannot make one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-admin-'));
    const env = {
      PATH: process.env.PATH ?? '',
      EMBEDDED_DB_DIR: path.join(dir, 'pglite'),
      LOG_LEVEL: 'silent',
    };
    try {
      const cli = spawn(
        process.execPath,
        [
          path.join(import.meta.dirname, '..', 'cli', 'admin-create.ts'),
          '--email',
          'Root@Example.com',
        ],
        { env },
      );
      cli.stdin.end(`${PASSWORD}\n`);
      let out = '';
      cli.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const [code] = (await once(cli, 'exit')) as [number];
      assert.equal(code, 0);
      assert.match(out, /created admin root@example\.com/);
      const db = await openDatabase(loadConfig(env).database, logger);
      try {
        const row = await db.models.User.findOne({
          where: { email: 'root@example.com' },
          raw: true,
        });
        assert.equal(row?.role, 'admin');
        assert.equal(await verifyPassword(row?.passwordHash ?? '', PASSWORD), true);
      } finally {
        await db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const h = await harness();
    try {
      const shopper = new Shopper(h.http.baseUrl);
      const res = await shopper.signIn('register', {
        email: freshEmail(),
        password: PASSWORD,
        role: 'admin',
      } as Record<string, string>);
      assert.equal(res.status, 201);
      assert.equal((await json(res)).user.role, 'customer', 'a role in the body is ignored');
    } finally {
      await h.close();
    }
  });
});
