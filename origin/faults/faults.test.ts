import assert from 'node:assert/strict';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Buyer,
  type CheckoutResult,
  errorsByKind,
  type Mix,
  type Outcome,
  percentile,
  startCheckouts,
  startLoad,
  within,
} from './load.ts';
import { finish, HEADER, row, type ScenarioResult, table, writeResults } from './report.ts';
import {
  ARTIFACTS,
  HEALTH_CHECK_MS,
  type OriginProcess,
  SHUTDOWN_DELAY_MS,
  type Stack,
  startStack,
} from './stack.ts';

/*
 * `npm run test:faults`: the shop under a steady load while something breaks,
 * one scenario per fault. The stack (stack.ts) is two origins in production
 * mode behind the local edge, with a PostgreSQL cluster and a Redis of the
 * suite's own, which it stops and starts. Each scenario prints its row of the
 * results table; all of them go to test-artifacts/faults/results.{json,md}.
 */

const OUTAGE_MS = 20_000;
const PAYS = '4242424242424242';
/** Stays pending like a 3-D Secure payment: its stock is held until the hold expires. */
const PENDS = '4000000000003220';
const HOLD_MS = 15 * 60_000;
const SORTS = ['newest', 'price_asc', 'price_desc', 'popular'];

let stack: Stack;
const results: ScenarioResult[] = [];
let failed = false;
const suiteStarted = Date.now();

const isRead = (o: Outcome) => o.name.startsWith('read:');

function readMix(s: Stack): Mix[] {
  return [
    {
      name: 'read:list',
      weight: 3,
      make: (i) => ({ path: `/api/v1/products?limit=12&sort=${SORTS[i % SORTS.length]}` }),
    },
    {
      name: 'read:detail',
      weight: 4,
      make: (i) => ({ path: `/api/v1/products/${s.slugs[i % s.slugs.length]}` }),
    },
    { name: 'read:categories', weight: 1, make: () => ({ path: '/api/v1/categories' }) },
    { name: 'read:collections', weight: 1, make: () => ({ path: '/api/v1/collections' }) },
  ];
}

function sessionMix(s: Stack): Mix[] {
  const reader = (i: number) => s.readers[i % s.readers.length]?.cookie ?? '';
  return [
    {
      name: 'session:me',
      weight: 2,
      make: (i) => ({ path: '/api/v1/auth/me', init: { headers: { cookie: reader(i) } } }),
    },
    {
      name: 'session:cart',
      weight: 1,
      make: (i) => ({ path: '/api/v1/cart', init: { headers: { cookie: reader(i) } } }),
    },
  ];
}

/** Every catalogue read of the mix, twice through the edge: both origins' L1 and Redis hold it. */
async function warm(s: Stack): Promise<void> {
  const paths = [
    ...SORTS.map((sort) => `/api/v1/products?limit=12&sort=${sort}`),
    ...s.slugs.map((slug) => `/api/v1/products/${slug}`),
    '/api/v1/categories',
    '/api/v1/collections',
  ];
  for (let round = 0; round < 2; round++) {
    await Promise.all(
      paths.map(async (path) => {
        const res = await fetch(`${s.edgeUrl}${path}`);
        await res.arrayBuffer();
        assert.equal(res.status, 200, `warming ${path}`);
      }),
    );
  }
}

async function readiness(origin: OriginProcess): Promise<string> {
  try {
    const res = await fetch(`${origin.url}/readyz`);
    return ((await res.json()) as { status: string }).status;
  } catch {
    return 'unreachable';
  }
}

function checkoutSummary(buyers: Buyer[], outcomes: Outcome[], done: CheckoutResult[]) {
  const answers: Record<string, number> = {};
  for (const r of done) {
    const key = r.gaveUp ? 'gave up' : `${r.status}${r.code ? ` ${r.code}` : ''}`;
    answers[key] = (answers[key] ?? 0) + 1;
  }
  return {
    buyers: buyers.length,
    attempts: outcomes.filter((o) => o.name === 'checkout').length,
    answers,
    gaveUp: done.filter((r) => r.gaveUp).length,
  };
}

function summarise(
  outcomes: Outcome[],
  from: number,
  to: number,
): Pick<
  ScenarioResult,
  'window' | 'requests' | 'errorsDuring' | 'errorsTotal' | 'readLatencyDuring'
> {
  const during = within(outcomes, from, to);
  const byName: ScenarioResult['requests']['byName'] = {};
  for (const name of new Set(during.map((o) => o.name))) {
    const mine = during.filter((o) => o.name === name);
    const ms = mine.map((o) => o.ms);
    byName[name] = {
      count: mine.length,
      failed: mine.filter((o) => !o.ok).length,
      p50: Math.round(percentile(ms, 50)),
      p99: Math.round(percentile(ms, 99)),
    };
  }
  const reads = during.filter((o) => isRead(o) && o.ok).map((o) => o.ms);
  return {
    window: { from, to, ms: to - from },
    requests: { during: during.length, total: outcomes.length, byName },
    errorsDuring: errorsByKind(during),
    errorsTotal: errorsByKind(outcomes),
    readLatencyDuring: {
      p50: Math.round(percentile(reads, 50)),
      p99: Math.round(percentile(reads, 99)),
    },
  };
}

function record(result: Omit<ScenarioResult, 'loadAverage'>): ScenarioResult {
  const done = finish(result);
  results.push(done);
  console.log(`\n${HEADER}\n${row(done)}\n`);
  return done;
}

/** The price B serves for the artist's work (straight from B, not through the edge). */
async function priceOnB(): Promise<number> {
  const res = await fetch(`${stack.b.url}/api/v1/products/${stack.artist.slug}`);
  return ((await res.json()) as { price: { amountMinor: number } }).price.amountMinor;
}

/** cache_bus_messages_received_total of an origin: invalidations it took from the Redis bus. */
async function busMessages(origin: OriginProcess): Promise<number> {
  const text = await (await fetch(`${origin.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('cache_bus_messages_received_total'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

let nextPrice = 10_000;

/**
 * The artist changes the price on A; how long until B serves it, and whether
 * B heard of it over the bus (rather than its 5 s L1 copy simply expiring).
 */
async function invalidationRound(): Promise<{ ms: number; bus: number }> {
  await priceOnB();
  await priceOnB(); // now in B's L1
  const before = await busMessages(stack.b);
  nextPrice += 100;
  const price = nextPrice;
  const started = performance.now();
  const res = await fetch(`${stack.a.url}/api/v1/studio/products/${stack.artist.workId}`, {
    method: 'PATCH',
    headers: {
      'content-type': 'application/json',
      cookie: stack.artist.cookie,
      'x-csrf-token': stack.artist.csrf,
    },
    body: JSON.stringify({ price: { amountMinor: price, currency: 'EUR' } }),
  });
  assert.equal(res.status, 200, await res.text());
  let ms = Number.POSITIVE_INFINITY;
  while (performance.now() - started < 6_000) {
    if ((await priceOnB()) === price) {
      ms = performance.now() - started;
      break;
    }
    await sleep(10);
  }
  return { ms, bus: (await busMessages(stack.b)) - before };
}

describe('fault suite: the shop under load while things break', function () {
  this.timeout(150_000);

  // Interrupted (Ctrl-C, CI's timeout): stop the servers before going; a SIGKILLed run's are
  // ended by the next run (stack.ts).
  const interrupted = (signal: NodeJS.Signals) => {
    void (stack ? stack.close() : Promise.resolve()).finally(() =>
      process.exit(signal === 'SIGINT' ? 130 : 143),
    );
  };

  before(async function () {
    this.timeout(120_000);
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    stack = await startStack();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async function () {
    this.timeout(60_000);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    if (failed) stack?.keepLogs();
    await stack?.close();
    if (results.length > 0) {
      writeResults(ARTIFACTS, results, {
        command: 'npm run test:faults',
        finishedAt: new Date().toISOString(),
        durationS: Math.round((Date.now() - suiteStarted) / 1000),
        cores: cpus().length,
        loadAverage: loadavg(),
        node: process.version,
      });
      console.log(
        `\nFault suite results (test-artifacts/faults/results.json):\n\n${table(results)}\n`,
      );
    }
  });

  it('when Redis is stopped for 20 s under load, then reads and sessions keep answering, nobody is logged out and invalidation resumes by itself', async () => {
    const works = await stack.makeWorks(4, 200);
    const buyers = await stack.makeBuyers(40, works, () => PAYS);
    await warm(stack);
    const load = startLoad({
      baseUrl: stack.edgeUrl,
      ratePerS: 40,
      mix: [...readMix(stack), ...sessionMix(stack)],
    });
    const checkouts = startCheckouts({
      baseUrl: stack.edgeUrl,
      buyers,
      ratePerS: 1.5,
      deadline: Date.now() + 90_000,
      outcomes: load.outcomes,
    });
    let from = 0;
    let to = 0;
    let duringOutage = '';
    let done: CheckoutResult[] = [];
    let reconnectedMs = Number.NaN;
    let firstBusMs = Number.NaN;
    const rounds: Array<{ ms: number; bus: number }> = [];
    try {
      await sleep(3_000);
      from = Date.now();
      await stack.redis.stop();
      await sleep(OUTAGE_MS / 2);
      duringOutage = await readiness(stack.b);
      await sleep(OUTAGE_MS / 2);
      await stack.redis.start();
      to = Date.now();

      // Under the same load: both origins find Redis again by themselves…
      const deadline = to + 15_000;
      while (Date.now() < deadline) {
        if ((await readiness(stack.a)) === 'ready' && (await readiness(stack.b)) === 'ready') {
          reconnectedMs = Date.now() - to;
          break;
        }
        await sleep(50);
      }
      // …and a price changed on A reaches B over the bus again: three times in a row, each
      // well within the 5 s that B's L1 copy would otherwise live.
      while (Date.now() < deadline + 10_000 && rounds.length < 3) {
        const round = await invalidationRound();
        if (round.bus > 0 && round.ms < 1_000) {
          rounds.push(round);
          if (Number.isNaN(firstBusMs)) firstBusMs = Date.now() - to;
        } else rounds.length = 0;
      }
      await sleep(2_000);
    } finally {
      if (!stack.redis.running()) await stack.redis.start();
      to ||= Date.now();
      await load.stop();
      done = await checkouts.done;
    }

    const outcomes = load.outcomes;
    const audit = await stack.audit(works, done);
    const during = within(outcomes, from, to);
    const result = record({
      scenario: 'redis-outage',
      fault: `Redis stopped for ${Math.round((to - from) / 1000)} s (shutdown nosave, then started again)`,
      passed: false,
      ...summarise(outcomes, from, to),
      checkouts: checkoutSummary(buyers, outcomes, done),
      audit,
      ordersLost: audit.lost,
      stockDrift: audit.stockDrift,
      notes: [
        `readiness during the outage: ${duringOutage}`,
        `both origins ready again ${Math.round(reconnectedMs)} ms after Redis was back`,
        `a price changed on A served by B over the bus ${Math.round(firstBusMs)} ms after Redis was back, then in ${rounds.map((r) => Math.round(r.ms)).join(', ')} ms`,
        `read p99 during ${summarise(outcomes, from, to).readLatencyDuring.p99} ms`,
        `401s: ${outcomes.filter((o) => o.status === 401).length}`,
      ],
    });

    assert.equal(duringOutage, 'degraded', 'readiness says degraded, not unready, without Redis');
    assert.deepEqual(
      errorsByKind(during.filter(isRead)),
      {},
      'catalogue reads answer from L1 and PostgreSQL',
    );
    assert.equal(
      outcomes.filter((o) => o.status === 401).length,
      0,
      'nobody is logged out: sessions come from PostgreSQL',
    );
    assert.deepEqual(result.errorsTotal, {}, 'no request failed, sessions and checkouts included');
    assert.ok(!Number.isNaN(reconnectedMs), 'both origins reconnect to Redis by themselves');
    assert.equal(rounds.length, 3, 'price changes reach the other origin over the bus again');
    assert.equal(audit.lost + audit.duplicates + audit.partial + audit.stockDrift, 0);
    assert.equal(checkoutSummary(buyers, outcomes, done).answers['201'], buyers.length);
    result.passed = true;
  });

  it('when PostgreSQL is stopped for 20 s under load, then reads answer from cache, checkouts get 503 DATABASE_UNAVAILABLE and no order is partial', async () => {
    const works = await stack.makeWorks(5, 60);
    const buyers = await stack.makeBuyers(90, works, () => PAYS);
    await warm(stack);
    const load = startLoad({
      baseUrl: stack.edgeUrl,
      ratePerS: 40,
      mix: [
        ...readMix(stack),
        {
          name: 'session:me',
          weight: 1,
          make: (i) => ({
            path: '/api/v1/auth/me',
            init: { headers: { cookie: stack.readers[i % stack.readers.length]?.cookie ?? '' } },
          }),
        },
      ],
    });
    const checkouts = startCheckouts({
      baseUrl: stack.edgeUrl,
      buyers,
      ratePerS: 3,
      deadline: Date.now() + 100_000,
      outcomes: load.outcomes,
    });
    let from = 0;
    let to = 0;
    let duringOutage = '';
    let done: CheckoutResult[] = [];
    try {
      await sleep(3_000);
      from = Date.now();
      await stack.postgres.stop();
      await sleep(OUTAGE_MS / 2);
      duringOutage = await readiness(stack.a);
      await sleep(OUTAGE_MS / 2);
    } finally {
      if (!stack.postgres.running()) await stack.postgres.start();
      to = Date.now();
      await sleep(4_000);
      await load.stop();
      done = await checkouts.done;
    }
    const recovered = Date.now();

    const outcomes = load.outcomes;
    const audit = await stack.audit(works, done);
    const during = within(outcomes, from, to);
    const checkoutErrors = errorsByKind(during.filter((o) => o.name === 'checkout'));
    const after = within(outcomes, to + 2_000, recovered).filter((o) => o.name !== 'checkout');
    const summary = checkoutSummary(buyers, outcomes, done);
    const result = record({
      scenario: 'postgres-outage',
      fault: `PostgreSQL stopped for ${Math.round((to - from) / 1000)} s (pg_ctl stop -m fast, then start)`,
      passed: false,
      ...summarise(outcomes, from, to),
      checkouts: summary,
      audit,
      ordersLost: audit.lost,
      stockDrift: audit.stockDrift,
      notes: [
        `readiness during the outage: ${duringOutage}`,
        `checkouts: ${summary.buyers} buyers, ${summary.attempts} attempts, ${summary.answers['201'] ?? 0} paid, ${summary.gaveUp} gave up`,
        `orders ${audit.orders} (paid ${audit.paid}, pending ${audit.pending}), partial ${audit.partial}, duplicates ${audit.duplicates}`,
        `read p99 during ${summarise(outcomes, from, to).readLatencyDuring.p99} ms`,
      ],
    });

    assert.equal(duringOutage, 'not_ready');
    assert.deepEqual(errorsByKind(during.filter(isRead)), {}, 'reads answer from the cache');
    assert.ok(Object.keys(checkoutErrors).length > 0, 'checkouts were tried during the outage');
    assert.deepEqual(
      Object.keys(checkoutErrors),
      ['checkout 503 DATABASE_UNAVAILABLE'],
      'checkouts fail with one stable code while the database is away',
    );
    assert.deepEqual(errorsByKind(after), {}, 'everything answers again after the outage');
    assert.equal(summary.gaveUp, 0, 'every buyer got a final answer by retrying with the same key');
    assert.equal(summary.answers['201'], buyers.length, 'every buyer paid in the end');
    assert.equal(audit.partial, 0, 'every order is complete (lines, payment, key) or absent');
    assert.equal(audit.duplicates, 0);
    assert.equal(audit.lost, 0);
    assert.equal(audit.unanswered, 0);
    assert.equal(audit.stockDrift, 0, 'on hand = initial − sold, held = pending units');
    assert.equal(audit.held, 0);
    result.passed = true;
  });

  it('when an origin gets SIGTERM under load (a deploy), then the edge drains it and no request fails', async () => {
    const works = await stack.makeWorks(4, 200);
    const buyers = await stack.makeBuyers(30, works, () => PAYS);
    await warm(stack);
    const load = startLoad({
      baseUrl: stack.edgeUrl,
      ratePerS: 50,
      mix: [...readMix(stack), ...sessionMix(stack)],
    });
    const checkouts = startCheckouts({
      baseUrl: stack.edgeUrl,
      buyers,
      ratePerS: 2.5,
      deadline: Date.now() + 60_000,
      outcomes: load.outcomes,
    });
    let from = 0;
    let to = 0;
    let exit: Awaited<ReturnType<OriginProcess['terminate']>> = { code: null, signal: null, ms: 0 };
    let done: CheckoutResult[] = [];
    try {
      await sleep(4_000);
      from = Date.now();
      exit = await stack.b.terminate();
      to = Date.now();
      await sleep(3_000);
    } finally {
      await load.stop();
      done = await checkouts.done;
      await stack.b.start();
    }
    // Back in the target group after its first passing check.
    await sleep(HEALTH_CHECK_MS * 2);

    const outcomes = load.outcomes;
    const audit = await stack.audit(works, done);
    const bHost = new URL(stack.b.url).host;
    const edgeLines = stack.edgeLog();
    const outOfService = edgeLines.find(
      (l) =>
        l.target === bHost &&
        /out of service/.test(String(l.msg)) &&
        Date.parse(String(l.time)) >= from,
    );
    const takenOutMs = outOfService ? Date.parse(String(outOfService.time)) - from : Number.NaN;
    const servedByB = edgeLines.filter(
      (l) => l.msg === 'edge' && l.target === bHost && Date.parse(String(l.time)) >= from,
    ).length;
    const result = record({
      scenario: 'sigterm',
      fault: `SIGTERM to one of two origins (drain: readiness fails ${SHUTDOWN_DELAY_MS} ms, edge checks every ${HEALTH_CHECK_MS} ms)`,
      passed: false,
      ...summarise(outcomes, from, to),
      checkouts: checkoutSummary(buyers, outcomes, done),
      audit,
      ordersLost: audit.lost,
      stockDrift: audit.stockDrift,
      notes: [
        `edge took it out ${Math.round(takenOutMs)} ms after SIGTERM`,
        `${servedByB} requests answered by it after SIGTERM`,
        `it exited ${exit.code === null ? exit.signal : `with ${exit.code}`} after ${Math.round(exit.ms)} ms`,
      ],
    });

    assert.equal(exit.code, 0, 'the origin drains and exits cleanly');
    assert.ok(exit.ms >= SHUTDOWN_DELAY_MS && exit.ms < SHUTDOWN_DELAY_MS + 10_000);
    assert.ok(
      takenOutMs < SHUTDOWN_DELAY_MS,
      `the edge stops sending to it before it closes its listener (${takenOutMs} ms)`,
    );
    assert.deepEqual(result.errorsTotal, {}, 'no request failed, in flight or after');
    assert.equal(checkoutSummary(buyers, outcomes, done).answers['201'], buyers.length);
    assert.equal(audit.lost + audit.duplicates + audit.partial + audit.stockDrift, 0);
    result.passed = true;
  });

  it('when an origin is killed (SIGKILL) in the middle of checkouts, then retries with the same key give exactly one order each and stock stays exact', async () => {
    const works = await stack.makeWorks(6, 20);
    // One buyer in ten pays with a card that stays pending: those holds must expire.
    const buyers = await stack.makeBuyers(70, works, (i) => (i % 10 === 9 ? PENDS : PAYS));
    await warm(stack);
    const load = startLoad({ baseUrl: stack.edgeUrl, ratePerS: 20, mix: readMix(stack) });
    await sleep(1_000);
    // The window starts with the rush: the attempts the kill cuts off started before it.
    const from = Date.now();
    // A rush (a drop going live): every buyer at once. The kill comes with the first answer:
    // the checkouts queue on the works' stock rows, so A then has some committed, some
    // mid-transaction and some waiting.
    const checkouts = startCheckouts({
      baseUrl: stack.edgeUrl,
      buyers,
      ratePerS: 10_000,
      deadline: Date.now() + 70_000,
      outcomes: load.outcomes,
    });
    let killedAt = 0;
    let to = 0;
    let inFlightAtKill = 0;
    let done: CheckoutResult[] = [];
    try {
      const waitUntil = Date.now() + 5_000;
      while (checkouts.answered() === 0 && Date.now() < waitUntil) await sleep(1);
      inFlightAtKill = checkouts.inFlight();
      killedAt = Date.now();
      await stack.a.kill();
      done = await checkouts.done;
      to = Date.now();
    } finally {
      await load.stop();
      if (done.length === 0) done = await checkouts.done;
      await stack.a.start();
    }

    const outcomes = load.outcomes;
    const audit = await stack.audit(works, done);
    const summary = checkoutSummary(buyers, outcomes, done);
    const pendingAnswers = done.filter(
      (r) => r.status === 201 && r.orderStatus === 'pending_payment',
    );
    const interrupted = outcomes.filter(
      (o) => o.name === 'checkout' && (o.status === 0 || o.status === 502),
    ).length;
    const inUse = outcomes.filter((o) => o.code === 'IDEMPOTENCY_KEY_IN_USE').length;
    const aHost = new URL(stack.a.url).host;
    const rerouted = stack
      .edgeLog()
      .filter(
        (l) =>
          l.msg === 'edge' &&
          String(l.decision).includes(`retried: ${aHost}`) &&
          Date.parse(String(l.time)) >= killedAt,
      ).length;
    const swept = await stack.sweepAhead(HOLD_MS + 60_000);
    const afterSweep = await stack.audit(works, done);
    const result = record({
      scenario: 'sigkill',
      fault: 'SIGKILL to one of two origins during checkouts with Idempotency-Keys',
      passed: false,
      ...summarise(outcomes, from, to),
      checkouts: summary,
      audit,
      ordersLost: audit.lost,
      stockDrift: audit.stockDrift,
      notes: [
        `kill -9 ${killedAt - from} ms into a rush of ${buyers.length} checkouts (${inFlightAtKill} in flight): ${interrupted} attempts cut off (502), ${rerouted} requests refused by the dead origin resent by the edge to the other, ${inUse} retries told IDEMPOTENCY_KEY_IN_USE until the dead attempt's lease ran out`,
        `${summary.buyers} keys: ${Object.entries(summary.answers)
          .map(([k, n]) => `${n} × ${k}`)
          .join(', ')}; duplicates ${audit.duplicates}, partial ${audit.partial}`,
        `held after the run ${audit.held} units (${audit.pending} pending payments); after the sweep at the hold's expiry ${afterSweep.held} (${swept.expired} expired)`,
      ],
    });

    assert.ok(interrupted > 0, 'the kill cut off checkouts in flight (else nothing was tested)');
    assert.equal(summary.gaveUp, 0, 'every key got a final answer');
    assert.equal(audit.duplicates, 0, 'exactly one order per key');
    assert.equal(audit.lost, 0, 'every 201 has its order');
    assert.equal(audit.unanswered, 0, 'no order without a final answer to its key');
    assert.equal(audit.partial, 0);
    assert.equal(audit.stockDrift, 0, 'on hand = initial − sold, held = pending units');
    assert.equal(
      audit.pending,
      pendingAnswers.length,
      'the only pending orders are 3-D Secure ones',
    );
    assert.ok((summary.answers['201'] ?? 0) > 0);
    assert.equal(
      Object.keys(summary.answers).every((k) => k === '201' || k === '409 OUT_OF_STOCK'),
      true,
      'final answers are paid, pending or out of stock',
    );
    assert.equal(swept.expired, audit.pending, 'the sweeper releases every expired hold');
    assert.equal(afterSweep.held, 0, 'no hold outlives its expiry');
    assert.equal(afterSweep.stockDrift, 0);
    result.passed = true;
  });
});
