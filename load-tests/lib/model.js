/*
 * The traffic model, as plain functions: the shopper mix, the peak day's
 * curve, the stress steps, and the reading of a finished run. No k6 module is
 * imported here, so Node's test runner checks it (model.test.js) and the k6
 * scripts share it.
 */

/** The journeys a visit can take. */
export const JOURNEYS = ['browse', 'search', 'cart', 'checkout'];

/**
 * Share of visits per journey, in percent. Most visitors look around; one in
 * twenty buys (a generous conversion rate for a small shop, so the write path
 * is loaded too).
 */
export const DEFAULT_MIX = { browse: 70, search: 15, cart: 10, checkout: 5 };

/** `browse=70,search=15,cart=10,checkout=5` → a mix; unknown journeys or bad numbers throw. */
export function parseMix(text) {
  if (!text) return { ...DEFAULT_MIX };
  const mix = { browse: 0, search: 0, cart: 0, checkout: 0 };
  for (const part of text.split(',')) {
    const [name, share] = part.split('=').map((s) => s.trim());
    const value = Number(share);
    if (!JOURNEYS.includes(name) || !Number.isFinite(value) || value < 0) {
      throw new Error(`MIX: "${part}" is not journey=percent (journeys: ${JOURNEYS.join(', ')})`);
    }
    mix[name] = value;
  }
  if (JOURNEYS.every((j) => mix[j] === 0)) throw new Error('MIX: every share is 0');
  return mix;
}

/** The journey for a uniform random number r in [0, 1). */
export function pickJourney(mix, r) {
  const total = JOURNEYS.reduce((sum, j) => sum + mix[j], 0);
  let at = r * total;
  for (const journey of JOURNEYS) {
    if (at < mix[journey]) return journey;
    at -= mix[journey];
  }
  return JOURNEYS.filter((j) => mix[j] > 0).pop();
}

/**
 * A shop's day, hour by hour from midnight, in percent of the day's visits:
 * quiet nights, a lunchtime bump and the evening peak, 10 % of the day in the
 * busiest hour (20:00–21:00).
 */
export const DAY_CURVE = [
  2.0, 1.2, 0.8, 0.5, 0.4, 0.5, 1.0, 2.0, 3.0, 3.8, 4.4, 4.8, 5.4, 5.2, 4.8, 4.6, 4.8, 5.4, 6.4,
  8.0, 10.0, 9.2, 6.8, 5.0,
];

/** Visits per hour of a day of `visits` visits on `curve`, as whole numbers adding up to `visits`. */
export function hourlyVisits(visits, curve = DAY_CURVE) {
  const total = curve.reduce((a, b) => a + b, 0);
  const exact = curve.map((share) => (visits * share) / total);
  const hours = exact.map(Math.floor);
  // Largest remainders get the visits lost to rounding down.
  let missing = visits - hours.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i]).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (missing-- <= 0) break;
    hours[i] += 1;
  }
  return hours;
}

/**
 * The peak day as `ramping-arrival-rate` options: one step per hour, each
 * hour lasting 3600/compress seconds. The time unit is that compressed hour,
 * so each stage's target is the hour's visit count (an integer, as k6 wants)
 * and the day's total is exact whatever the compression.
 */
export function peakDayScenario({ visits, compress, curve = DAY_CURVE }) {
  if (!(compress >= 1)) throw new Error('COMPRESS must be at least 1');
  const hourMs = Math.round(3_600_000 / compress);
  const hours = hourlyVisits(visits, curve);
  const stages = [];
  for (const v of hours) {
    stages.push({ duration: '0s', target: v }, { duration: `${hourMs}ms`, target: v });
  }
  const peakPerSecond = Math.max(...hours) / (hourMs / 1000);
  return {
    executor: 'ramping-arrival-rate',
    startRate: hours[0],
    timeUnit: `${hourMs}ms`,
    stages,
    hours,
    hourMs,
    peakPerSecond,
    durationS: (hourMs * hours.length) / 1000,
  };
}

/** Visits per second at each stress step: start, start+step, … */
export function stressRates({ start, step, steps }) {
  return Array.from({ length: steps }, (_, i) => start + i * step);
}

/** Constant steps as `ramping-arrival-rate` stages (instant jumps, visits per second). */
export function steppedStages(rates, stepSeconds) {
  return rates.flatMap((rate) => [
    { duration: '0s', target: rate },
    { duration: `${stepSeconds}s`, target: rate },
  ]);
}

/** Which step (or soak window) a moment belongs to, clamped to the last one. */
export function indexAt(elapsedMs, lengthMs, count) {
  return Math.min(count - 1, Math.max(0, Math.floor(elapsedMs / lengthMs)));
}

/**
 * Latency objectives per journey, in ms, for every request a journey makes
 * (pages, islands' API calls, search files, and for checkout the argon2id
 * registration and the stock-locking order).
 */
export const LATENCY_MS = {
  browse: { p95: 250, p99: 500 },
  search: { p95: 250, p99: 500 },
  cart: { p95: 400, p99: 800 },
  checkout: { p95: 800, p99: 1500 },
  flash: { p95: 800, p99: 1500 },
};

/** The thresholds every scenario holds, per journey in `journeys`, optionally for one tag (`{step:3}`). */
export function thresholdsFor(journeys, extraTag = '') {
  const t = {};
  const sep = extraTag ? `,${extraTag}` : '';
  for (const journey of journeys) {
    const { p95, p99 } = LATENCY_MS[journey];
    t[`http_req_duration{journey:${journey}${sep}}`] = [`p(95)<${p95}`, `p(99)<${p99}`];
  }
  const only = extraTag ? `{${extraTag}}` : '';
  t[`http_req_failed${only}`] = ['rate<0.001'];
  t[`checks${only}`] = ['rate>0.999'];
  return t;
}

/**
 * One stress step from the summary's sub-metrics: did every threshold of the
 * step hold, and did the shop keep up (no visit dropped for want of a VU, at
 * least 99 % of the planned visits started)?
 */
export function readStep(metrics, step, rate, stepSeconds, journeys) {
  const tag = `step:${step}`;
  const sub = (name) => metrics[`${name}{${tag}}`];
  const perJourney = {};
  let held = true;
  const broken = [];
  for (const journey of journeys) {
    const m = metrics[`http_req_duration{journey:${journey},${tag}}`];
    if (!m) continue;
    perJourney[journey] = { p95: m.values['p(95)'], p99: m.values['p(99)'] };
    for (const [name, ok] of Object.entries(m.thresholds ?? {})) {
      if (!ok.ok) {
        held = false;
        broken.push(`${journey} ${name}`);
      }
    }
  }
  for (const name of ['http_req_failed', 'checks']) {
    const m = sub(name);
    for (const [expr, ok] of Object.entries(m?.thresholds ?? {})) {
      if (!ok.ok) {
        held = false;
        broken.push(`${name} ${expr}`);
      }
    }
  }
  const visits = sub('visits')?.values.count ?? 0;
  const planned = rate * stepSeconds;
  if (visits < planned * 0.99) {
    held = false;
    broken.push(`only ${visits} of ${planned} visits started`);
  }
  const requests = sub('http_reqs')?.values.count ?? 0;
  return {
    step,
    visitsPerSecond: rate,
    requestsPerSecond: requests / stepSeconds,
    visits,
    failedRate: sub('http_req_failed')?.values.rate ?? 0,
    checksRate: sub('checks')?.values.rate ?? 1,
    journeys: perJourney,
    held,
    broken,
  };
}

/** The highest step that held, counting only steps below the first one that broke. */
export function highestHeld(steps) {
  let best = null;
  for (const s of steps) {
    if (!s.held) break;
    best = s;
  }
  return best;
}

/**
 * Whether latency stayed flat over a soak: the last window's p95 may exceed
 * the first's by at most 50 % or 10 ms, whichever is larger.
 */
export function latencyFlat(windows) {
  const first = windows[0]?.p95;
  const last = windows[windows.length - 1]?.p95;
  if (first === undefined || last === undefined) return { flat: true, first, last };
  return { flat: last <= Math.max(first * 1.5, first + 10), first, last };
}
