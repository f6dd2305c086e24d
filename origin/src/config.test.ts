import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, 'expected a ConfigError');
    return err.problems;
  }
  assert.fail('expected the configuration to be refused');
}

describe('config', () => {
  it('when nothing is set, then development defaults apply: embedded database, no Redis, loopback', () => {
    const config = loadConfig({});
    assert.equal(config.env, 'development');
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.database.kind, 'embedded');
    assert.equal(config.redisUrl, null);
    assert.equal(config.trustProxy, 'loopback');
    assert.deepEqual(config.shutdown, { delayMs: 0, timeoutMs: 15_000 });
  });

  it('when a variable is malformed, then the error names it and says what is expected', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      REDIS_URL: 'http://cache:6379',
      DATABASE_URL: 'mysql://x',
    });
    assert.equal(problems.length, 3);
    assert.match(problems.find((p) => p.startsWith('PORT:')) ?? '', /whole number/);
    assert.match(
      problems.find((p) => p.startsWith('REDIS_URL:')) ?? '',
      /redis:\/\/ or rediss:\/\//,
    );
    assert.match(problems.find((p) => p.startsWith('DATABASE_URL:')) ?? '', /postgres:\/\//);
  });

  it('when a number is out of range, then the error names the variable', () => {
    assert.match(problemsOf({ PORT: '70000' })[0] ?? '', /^PORT:/);
    assert.match(problemsOf({ DATABASE_POOL_MAX: '0' })[0] ?? '', /^DATABASE_POOL_MAX:/);
    assert.match(problemsOf({ NODE_ENV: 'staging' })[0] ?? '', /^NODE_ENV:/);
  });

  it('when production lacks DATABASE_URL, SESSION_KEYS or PUBLIC_BASE_URL, then boot is refused naming each', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    assert.ok(problems.some((p) => /^DATABASE_URL: is required in production/.test(p)));
    assert.ok(problems.some((p) => /^SESSION_KEYS: is required in production/.test(p)));
    assert.ok(problems.some((p) => /^PUBLIC_BASE_URL: is required in production/.test(p)));
    assert.ok(problems.some((p) => /^PAYMENTS_PROVIDER: is required in production/.test(p)));
  });

  it('when Stripe is chosen without its keys, then both are named', () => {
    const problems = problemsOf({ PAYMENTS_PROVIDER: 'stripe' });
    assert.ok(
      problems.some((p) => /^STRIPE_SECRET_KEY: is required with PAYMENTS_PROVIDER=stripe/.test(p)),
    );
    assert.ok(
      problems.some((p) =>
        /^STRIPE_WEBHOOK_SECRET: is required with PAYMENTS_PROVIDER=stripe/.test(p),
      ),
    );
  });

  it('when production asks for insecure session cookies, then boot is refused', () => {
    const problems = problemsOf({ NODE_ENV: 'production', SESSION_COOKIE_SECURE: 'false' });
    assert.ok(
      problems.some((p) => /^SESSION_COOKIE_SECURE: cannot be false in production/.test(p)),
    );
  });

  it('when SESSION_KEYS is malformed or repeats a kid, then the error names it', () => {
    assert.match(
      problemsOf({ SESSION_KEYS: 'k1:short' })[0] ?? '',
      /^SESSION_KEYS: must be kid:secret pairs/,
    );
    assert.match(
      problemsOf({ SESSION_KEYS: `k1:${'a'.repeat(32)},k1:${'b'.repeat(32)}` })[0] ?? '',
      /^SESSION_KEYS: each kid must appear once/,
    );
  });

  it('when SESSION_KEYS lists several keys, then the first signs and all verify', () => {
    const config = loadConfig({ SESSION_KEYS: `new:${'n'.repeat(32)},old:${'o'.repeat(32)}` });
    assert.equal(config.sessions.signingKid, 'new');
    assert.deepEqual([...config.sessions.keys.keys()], ['new', 'old']);
    assert.equal(config.sessions.ephemeralKeys, false);
  });

  it('when production is configured, then it binds all interfaces, trusts CloudFront and the ALB, and drains first', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db:5432/shop',
      SESSION_KEYS: `k1:${'s'.repeat(32)}`,
      PUBLIC_BASE_URL: 'https://shop.example',
      PAYMENTS_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_live_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
    });
    assert.equal(config.payments.provider, 'stripe');
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.trustProxy, 2);
    assert.equal(config.database.kind, 'external');
    assert.deepEqual(config.shutdown, { delayMs: 5_000, timeoutMs: 15_000 });
  });

  it('when the shutdown budget exceeds the stop timeout, then boot is refused', () => {
    const problems = problemsOf({ SHUTDOWN_DELAY_MS: '10000', SHUTDOWN_TIMEOUT_MS: '15000' });
    assert.match(problems[0] ?? '', /^SHUTDOWN_DELAY_MS \+ SHUTDOWN_TIMEOUT_MS: .*got 25000/);
  });

  it('when a variable is an empty string, then it counts as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '' });
    assert.equal(config.database.kind, 'embedded');
    assert.equal(config.redisUrl, null);
  });
});
