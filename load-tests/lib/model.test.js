import assert from 'node:assert/strict';
import {
  DAY_CURVE,
  highestHeld,
  hourlyVisits,
  indexAt,
  latencyFlat,
  parseMix,
  peakDayScenario,
  pickJourney,
  readStep,
  steppedStages,
  stressRates,
  thresholdsFor,
} from './model.js';

describe('the traffic model', () => {
  describe('shopper mix', () => {
    it('when no MIX is given, then 70 % browse, 15 % search, 10 % cart and 5 % checkout', () => {
      assert.deepEqual(parseMix(''), { browse: 70, search: 15, cart: 10, checkout: 5 });
    });

    it('when MIX names an unknown journey or a bad share, then it throws with the journeys', () => {
      assert.throws(() => parseMix('browse=50,admin=50'), /journeys: browse, search/);
      assert.throws(() => parseMix('browse=-1'), /journey=percent/);
      assert.throws(() => parseMix('browse=0'), /every share is 0/);
    });

    it('when visits are drawn, then each journey gets its share', () => {
      const mix = parseMix('');
      const counts = { browse: 0, search: 0, cart: 0, checkout: 0 };
      const n = 10_000;
      for (let i = 0; i < n; i++) counts[pickJourney(mix, (i + 0.5) / n)] += 1;
      assert.deepEqual(counts, { browse: 7000, search: 1500, cart: 1000, checkout: 500 });
    });

    it('when a journey has no share, then it is never drawn', () => {
      const mix = parseMix('browse=1,checkout=1');
      for (const r of [0, 0.25, 0.49, 0.5, 0.75, 0.999999]) {
        assert.ok(['browse', 'checkout'].includes(pickJourney(mix, r)));
      }
    });
  });

  describe('the peak day', () => {
    it('when the day is split into hours, then the hours add up to the day and the peak hour holds 10 %', () => {
      const hours = hourlyVisits(10_000);
      assert.equal(hours.length, 24);
      assert.equal(
        hours.reduce((a, b) => a + b, 0),
        10_000,
      );
      assert.equal(Math.max(...hours), 1_000);
      assert.equal(DAY_CURVE.reduce((a, b) => a + b, 0).toFixed(6), '100.000000');
    });

    it('when an odd total is split, then rounding loses no visit', () => {
      assert.equal(
        hourlyVisits(9_999).reduce((a, b) => a + b, 0),
        9_999,
      );
    });

    it('when the day is compressed, then each hour is shorter but carries the same visits', () => {
      const day = peakDayScenario({ visits: 10_000, compress: 120 });
      assert.equal(day.hourMs, 30_000);
      assert.equal(day.timeUnit, '30000ms');
      assert.equal(day.durationS, 720);
      assert.equal(day.stages.length, 48);
      assert.deepEqual(day.stages.slice(40, 42), [
        { duration: '0s', target: 1_000 },
        { duration: '30000ms', target: 1_000 },
      ]);
      // 1,000 visits in a 30-second hour.
      assert.ok(Math.abs(day.peakPerSecond - 33.33) < 0.01);
    });

    it('when COMPRESS is below 1, then it is refused', () => {
      assert.throws(() => peakDayScenario({ visits: 10_000, compress: 0.5 }), /COMPRESS/);
    });
  });

  describe('stress steps', () => {
    it('when steps are planned, then each is an instant jump held for the step', () => {
      const rates = stressRates({ start: 20, step: 20, steps: 3 });
      assert.deepEqual(rates, [20, 40, 60]);
      assert.deepEqual(steppedStages(rates, 30)[2], { duration: '0s', target: 40 });
      assert.equal(indexAt(65_000, 30_000, 3), 2);
      assert.equal(indexAt(200_000, 30_000, 3), 2);
    });

    it('when thresholds are made for a step, then every name carries the step tag', () => {
      const t = thresholdsFor(['browse'], 'step:2');
      assert.deepEqual(Object.keys(t), [
        'http_req_duration{journey:browse,step:2}',
        'http_req_failed{step:2}',
        'checks{step:2}',
      ]);
    });

    const metricsOf = (steps) => {
      const m = {};
      steps.forEach(({ ok, visits, requests }, i) => {
        m[`http_req_duration{journey:browse,step:${i}}`] = {
          values: { 'p(95)': 10, 'p(99)': 20 },
          thresholds: { 'p(95)<250': { ok }, 'p(99)<500': { ok: true } },
        };
        m[`http_req_failed{step:${i}}`] = {
          values: { rate: 0 },
          thresholds: { 'rate<0.001': { ok: true } },
        };
        m[`checks{step:${i}}`] = {
          values: { rate: 1 },
          thresholds: { 'rate>0.999': { ok: true } },
        };
        m[`visits{step:${i}}`] = { values: { count: visits } };
        m[`http_reqs{step:${i}}`] = { values: { count: requests } };
      });
      return m;
    };

    it('when a step breaks, then the highest held is the step before, even if a later one passes', () => {
      const m = metricsOf([
        { ok: true, visits: 300, requests: 3_000 },
        { ok: true, visits: 600, requests: 6_000 },
        { ok: false, visits: 900, requests: 9_000 },
        { ok: true, visits: 1_200, requests: 12_000 },
      ]);
      const steps = [10, 20, 30, 40].map((rate, i) => readStep(m, i, rate, 30, ['browse']));
      assert.deepEqual(
        steps.map((s) => s.held),
        [true, true, false, true],
      );
      assert.deepEqual(steps[2].broken, ['browse p(95)<250']);
      const best = highestHeld(steps);
      assert.equal(best.visitsPerSecond, 20);
      assert.equal(best.requestsPerSecond, 200);
    });

    it('when a step could not start its visits, then it did not hold', () => {
      const m = metricsOf([{ ok: true, visits: 250, requests: 2_500 }]);
      const step = readStep(m, 0, 10, 30, ['browse']);
      assert.equal(step.held, false);
      assert.match(step.broken[0], /only 250 of 300 visits started/);
    });
  });

  describe('soak latency', () => {
    it('when the last window is much slower than the first, then it is not flat', () => {
      assert.equal(latencyFlat([{ p95: 20 }, { p95: 22 }, { p95: 25 }]).flat, true);
      assert.equal(latencyFlat([{ p95: 20 }, { p95: 40 }, { p95: 45 }]).flat, false);
      // Small absolute drifts on fast pages are noise: 10 ms is allowed.
      assert.equal(latencyFlat([{ p95: 2 }, { p95: 9 }]).flat, true);
    });
  });
});
