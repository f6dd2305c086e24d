import { parseMix } from './model.js';

/*
 * The one place that reads __ENV (k6's view of the environment and of
 * `-e NAME=value`). Everything else gets these typed values.
 */

function text(name, fallback) {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

function number(name, fallback, { min = 0, integer = false } = {}) {
  const raw = text(name, undefined);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${name}: must be ${integer ? 'an integer' : 'a number'} of at least ${min}, got "${raw}"`,
    );
  }
  return value;
}

const baseUrl = text('BASE_URL', 'http://127.0.0.1:8080').replace(/\/$/, '');

export const config = {
  /** BASE_URL: the shop's public address (default the local edge, as `npm start` runs it). */
  baseUrl,
  /** DATA_FILE: the catalogue file the runner writes (pages and their islands' ids); without it setup() reads the API. */
  dataFile: text('DATA_FILE', ''),
  /** RESULTS_DIR: where handleSummary writes `summary.json` (the runner passes its run folder). */
  resultsDir: text('RESULTS_DIR', 'results').replace(/\/$/, ''),
  /** MIX: shopper mix in percent per journey, e.g. `browse=70,search=15,cart=10,checkout=5`. */
  mix: parseMix(text('MIX', '')),
  /** THINK_S: pause between the pages of a visit (default 0: a visit is a burst; the rate is what counts). */
  thinkSeconds: number('THINK_S', 0),
  /** ADMIN_EMAIL / ADMIN_PASSWORD: an admin to prepare stock and verify sales; without them stock is left as is. */
  admin: { email: text('ADMIN_EMAIL', ''), password: text('ADMIN_PASSWORD', '') },
  /** Pre-allocated and maximum VUs of the arrival-rate scenarios (a VU runs one visit at a time). */
  vus: {
    pre: number('PRE_VUS', 20, { min: 1, integer: true }),
    max: number('MAX_VUS', 400, { min: 1, integer: true }),
  },
  smoke: {
    /** SMOKE_RATE: visits per second; SMOKE_SECONDS: how long. */
    rate: number('SMOKE_RATE', 2, { min: 1, integer: true }),
    seconds: number('SMOKE_SECONDS', 40, { min: 5, integer: true }),
  },
  peakDay: {
    /** DAY_VISITS: visits in the day (the brief's peak day: 10,000). */
    visits: number('DAY_VISITS', 10_000, { min: 24, integer: true }),
    /** COMPRESS: time compression; 120 runs the day in 12 minutes at 120× the real rates. */
    compress: number('COMPRESS', 120, { min: 1 }),
  },
  flash: {
    /** FLASH_BASE_RATE: shopper-mix visits per second around the sale. */
    baseRate: number('FLASH_BASE_RATE', 5, { min: 1, integer: true }),
    /** FLASH_FACTOR: the spike's total rate as a multiple of the base (10×). */
    factor: number('FLASH_FACTOR', 10, { min: 2, integer: true }),
    /** FLASH_ITEMS / FLASH_STOCK: scarce works and the units of each. */
    items: number('FLASH_ITEMS', 3, { min: 1, integer: true }),
    stock: number('FLASH_STOCK', 5, { min: 1, integer: true }),
    /** FLASH_SECONDS: length of the spike; the base runs 30 s before and after it. */
    seconds: number('FLASH_SECONDS', 60, { min: 10, integer: true }),
  },
  stress: {
    /** STRESS_START / STRESS_STEP / STRESS_STEPS / STRESS_STEP_SECONDS: the staircase, in visits per second. */
    start: number('STRESS_START', 20, { min: 1, integer: true }),
    step: number('STRESS_STEP', 20, { min: 1, integer: true }),
    steps: number('STRESS_STEPS', 8, { min: 1, integer: true }),
    stepSeconds: number('STRESS_STEP_SECONDS', 30, { min: 5, integer: true }),
  },
  soak: {
    /** SOAK_RATE: visits per second; SOAK_MINUTES: how long; SOAK_WINDOWS: latency compared per window. */
    rate: number('SOAK_RATE', 20, { min: 1, integer: true }),
    minutes: number('SOAK_MINUTES', 30, { min: 1 }),
    windows: number('SOAK_WINDOWS', 6, { min: 2, integer: true }),
  },
};
