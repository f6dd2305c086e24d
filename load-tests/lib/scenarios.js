import exec from 'k6/execution';
import { catalogView, loadSharedCatalog } from './catalog.js';
import { config } from './config.js';
import * as journeys from './journeys.js';
import { prepare, verifyFlash } from './lifecycle.js';
import { visits } from './metrics.js';
import {
  indexAt,
  JOURNEYS,
  peakDayScenario,
  pickJourney,
  steppedStages,
  stressRates,
  thresholdsFor,
} from './model.js';
import { summaryFor } from './summary.js';

/*
 * The five scenarios. All are open models (arrival rate: visits start on
 * schedule whether or not the shop keeps up; a visit that finds no free VU is
 * a dropped iteration) and one iteration is one visit on a journey drawn from
 * the shopper mix.
 */

const sharedCatalog = loadSharedCatalog();

/**
 * Arrival-rate executor options. VUs are made before the start for `seconds`
 * (default 1) worth of visits at the scenario's highest rate: a VU made
 * mid-run runs the init code first, and in a sudden spike that delay drops
 * visits.
 */
function arrival(peakPerSecond, extra, seconds = 1) {
  const pre = Math.min(
    config.vus.max,
    Math.max(config.vus.pre, Math.ceil(peakPerSecond * seconds)),
  );
  return { preAllocatedVUs: pre, maxVUs: config.vus.max, ...extra };
}

/** Per-step (or per-hour, per-window) sub-metrics that only report: they always hold. */
function reportPerStep(count) {
  const t = {};
  for (let i = 0; i < count; i++) {
    t[`http_reqs{step:${i}}`] = ['count>=0'];
    t[`visits{step:${i}}`] = ['count>=0'];
    t[`http_req_duration{step:${i}}`] = ['p(95)>=0'];
  }
  return t;
}

function reportPerJourney(journeyNames) {
  const t = {};
  for (const j of journeyNames) {
    t[`http_reqs{journey:${j}}`] = ['count>=0'];
    t[`visits{journey:${j}}`] = ['count>=0'];
  }
  return t;
}

const common = (journeyNames) => ({
  ...thresholdsFor(journeyNames),
  ...reportPerJourney(journeyNames),
  dropped_iterations: ['count==0'],
});

function define(name) {
  const shopper = JOURNEYS.filter((j) => config.mix[j] > 0);
  switch (name) {
    case 'smoke':
      return {
        coverAll: true,
        options: {
          scenarios: {
            shoppers: {
              executor: 'constant-arrival-rate',
              rate: config.smoke.rate,
              timeUnit: '1s',
              duration: `${config.smoke.seconds}s`,
              ...arrival(config.smoke.rate, {}),
            },
          },
          thresholds: common(JOURNEYS),
        },
      };
    case 'peak-day': {
      const day = peakDayScenario(config.peakDay);
      const { hours, hourMs, peakPerSecond, durationS, ...executor } = day;
      return {
        step: { ms: hourMs, count: hours.length, rates: hours.map((v) => v / (hourMs / 1000)) },
        facts: { hours, hourMs, peakPerSecond, durationS, compress: config.peakDay.compress },
        options: {
          scenarios: { shoppers: arrival(peakPerSecond, executor) },
          thresholds: { ...common(shopper), ...reportPerStep(hours.length) },
        },
      };
    }
    case 'flash-sale': {
      const { baseRate, factor, seconds } = config.flash;
      const shoppers = arrival(baseRate, {});
      const buyers = arrival(baseRate * (factor - 1), {}, 3);
      return {
        flash: true,
        signedInBuyers: shoppers.preAllocatedVUs + buyers.preAllocatedVUs,
        options: {
          scenarios: {
            shoppers: arrival(baseRate, {
              executor: 'constant-arrival-rate',
              rate: baseRate,
              timeUnit: '1s',
              duration: `${seconds + 60}s`,
            }),
            // Three seconds' worth of buyers ready: at the spike's start every one of them
            // still sees stock, registers (argon2id) and checks out, so visits run long.
            flash: arrival(
              baseRate * (factor - 1),
              {
                executor: 'constant-arrival-rate',
                exec: 'flashBuyer',
                rate: baseRate * (factor - 1),
                timeUnit: '1s',
                startTime: '30s',
                duration: `${seconds}s`,
              },
              3,
            ),
          },
          thresholds: {
            ...common([...shopper, 'flash']),
            oversold: ['count==0'],
            flash_mismatches: ['count==0'],
          },
        },
      };
    }
    case 'stress': {
      const rates = stressRates(config.stress);
      const { stepSeconds } = config.stress;
      const thresholds = { ...reportPerJourney(shopper), ...reportPerStep(rates.length) };
      // Over the whole staircase the latencies only report: each step is judged on its own.
      for (const j of shopper) thresholds[`http_req_duration{journey:${j}}`] = ['p(95)>=0'];
      rates.forEach((_, i) => {
        Object.assign(thresholds, thresholdsFor(shopper, `step:${i}`));
      });
      return {
        step: { ms: stepSeconds * 1000, count: rates.length, rates },
        stress: { rates, stepSeconds },
        options: {
          scenarios: {
            shoppers: arrival(rates[rates.length - 1], {
              executor: 'ramping-arrival-rate',
              startRate: rates[0],
              timeUnit: '1s',
              stages: steppedStages(rates, stepSeconds),
            }),
          },
          thresholds,
        },
      };
    }
    case 'soak': {
      const { rate, minutes, windows } = config.soak;
      const ms = (minutes * 60_000) / windows;
      return {
        step: { ms, count: windows, rates: Array(windows).fill(rate) },
        soak: { windows },
        options: {
          scenarios: {
            shoppers: arrival(rate, {
              executor: 'constant-arrival-rate',
              rate,
              timeUnit: '1s',
              duration: `${Math.round(minutes * 60)}s`,
            }),
          },
          thresholds: { ...common(shopper), ...reportPerStep(windows) },
        },
      };
    }
    default:
      throw new Error(`unknown scenario "${name}": smoke, peak-day, flash-sale, stress or soak`);
  }
}

const JOURNEY = {
  browse: (catalog) => journeys.browse(catalog),
  search: (catalog) => journeys.search(catalog),
  cart: (catalog, data) => journeys.cart(catalog, data),
  checkout: (_catalog, data) => journeys.checkout(data),
};

/** Tags the VU for this visit: its journey and, in stepped scenarios, its step. */
function tagVisit(def, journey) {
  const tags = exec.vu.metrics.tags;
  tags.journey = journey;
  if (def.step) {
    const elapsed = Date.now() - exec.scenario.startTime;
    tags.step = String(indexAt(elapsed, def.step.ms, def.step.count));
  }
  visits.add(1);
}

/**
 * Everything a scenario file exports: options, setup, the visit (default),
 * the flash buyer, teardown and handleSummary.
 */
export function scenario(name) {
  const def = define(name);
  const catalogOf = (data) => catalogView(sharedCatalog ?? data.catalog);
  return {
    options: {
      ...def.options,
      summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    },
    setup: () =>
      prepare(sharedCatalog, {
        flash: Boolean(def.flash),
        signedInBuyers: def.signedInBuyers ?? 0,
      }),
    visit(data) {
      const n = exec.scenario.iterationInTest;
      // The smoke run takes every journey once first, whatever the mix draws.
      const journey =
        def.coverAll && n < JOURNEYS.length ? JOURNEYS[n] : pickJourney(config.mix, Math.random());
      tagVisit(def, journey);
      JOURNEY[journey](catalogOf(data), data);
    },
    flashBuyer(data) {
      tagVisit(def, 'flash');
      journeys.flashBuy(data);
    },
    teardown: (data) => verifyFlash(data),
    handleSummary: summaryFor(name, def),
  };
}
