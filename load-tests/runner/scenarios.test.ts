import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findK6, LOAD_TESTS, RunnerError, SCENARIOS } from './config.ts';

/*
 * The scenario files as k6 reads them: `k6 inspect` runs each script's init
 * code (lib/config.js, the scenario definitions) and prints the options it
 * ends with, without sending a request. Skipped where k6 is not installed.
 */

interface Inspected {
  scenarios: Record<string, Record<string, unknown>>;
  thresholds: Record<string, string[]>;
}

function k6OrNull(): string | null {
  try {
    return findK6();
  } catch (err) {
    if (err instanceof RunnerError) return null;
    throw err;
  }
}

function inspect(k6: string, scenario: string, env: Record<string, string> = {}) {
  // -e: `k6 inspect` leaves the system environment out of __ENV.
  const vars = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const script = join(LOAD_TESTS, 'scenarios', `${scenario}.js`);
  const result = spawnSync(k6, ['inspect', ...vars, script], {
    env: { PATH: process.env.PATH ?? '', K6_NO_USAGE_REPORT: 'true' },
    encoding: 'utf8',
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function options(k6: string, scenario: string, env: Record<string, string> = {}): Inspected {
  const { status, out } = inspect(k6, scenario, env);
  assert.equal(status, 0, out);
  return JSON.parse(out) as Inspected;
}

describe('the scenarios as k6 reads them', function () {
  this.timeout(60_000);
  let k6: string;
  before(function () {
    const found = k6OrNull();
    if (!found) {
      console.log('    k6 not installed: scenario checks skipped (README, "Installing k6")');
      this.skip();
    }
    k6 = found as string;
  });

  it('when any scenario is read, then it holds the common thresholds per journey', () => {
    for (const scenario of SCENARIOS) {
      const { thresholds } = options(k6, scenario);
      if (scenario === 'stress') {
        assert.deepEqual(thresholds['http_req_failed{step:0}'], ['rate<0.001']);
        continue;
      }
      assert.deepEqual(thresholds.http_req_failed, ['rate<0.001'], scenario);
      assert.deepEqual(thresholds.checks, ['rate>0.999'], scenario);
      assert.deepEqual(thresholds.dropped_iterations, ['count==0'], scenario);
      assert.deepEqual(
        thresholds['http_req_duration{journey:browse}'],
        ['p(95)<250', 'p(99)<500'],
        scenario,
      );
    }
  });

  it('when the peak day is compressed 240 times, then its 24 hours take 15 s each and carry 10,000 visits', () => {
    const shoppers = options(k6, 'peak-day', { COMPRESS: '240' }).scenarios.shoppers as {
      timeUnit: string;
      stages: { duration: string; target: number }[];
    };
    assert.equal(shoppers.timeUnit, '15s');
    assert.equal(shoppers.stages.length, 48);
    const visits = shoppers.stages
      .filter((_, i) => i % 2 === 1)
      .reduce((sum, stage) => sum + stage.target, 0);
    assert.equal(visits, 10_000);
  });

  it('when the flash sale is read, then the buyers spike to 9× the base after 30 s and nothing may be oversold', () => {
    const { scenarios, thresholds } = options(k6, 'flash-sale');
    assert.equal(scenarios.shoppers?.rate, 5);
    assert.equal(scenarios.flash?.rate, 45);
    assert.equal(scenarios.flash?.startTime, '30s');
    assert.deepEqual(thresholds.oversold, ['count==0']);
    assert.deepEqual(thresholds.flash_mismatches, ['count==0']);
  });

  it('when the stress steps are set, then each step has its own thresholds', () => {
    const { scenarios, thresholds } = options(k6, 'stress', {
      STRESS_START: '50',
      STRESS_STEP: '25',
      STRESS_STEPS: '3',
    });
    const stages = (scenarios.shoppers as { stages: { target: number }[] }).stages;
    assert.deepEqual(
      stages.map((s) => s.target),
      [50, 50, 75, 75, 100, 100],
    );
    assert.deepEqual(thresholds['http_req_duration{journey:checkout,step:2}'], [
      'p(95)<800',
      'p(99)<1500',
    ]);
    assert.equal(thresholds['http_req_failed{step:3}'], undefined);
  });

  it('when a setting is malformed, then k6 stops and names it', () => {
    const mix = inspect(k6, 'smoke', { MIX: 'browse=50,admin=50' });
    assert.notEqual(mix.status, 0);
    assert.match(mix.out, /MIX: \\?"admin=50/);
    const compress = inspect(k6, 'peak-day', { COMPRESS: 'fast' });
    assert.notEqual(compress.status, 0);
    assert.match(compress.out, /COMPRESS: must be a number/);
  });
});
