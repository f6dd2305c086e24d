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

  it('when production has no DATABASE_URL, then boot is refused: the embedded database is for development', () => {
    assert.match(
      problemsOf({ NODE_ENV: 'production' })[0] ?? '',
      /^DATABASE_URL: is required in production/,
    );
  });

  it('when production is configured, then it binds all interfaces, trusts CloudFront and the ALB, and drains first', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db:5432/shop',
    });
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
