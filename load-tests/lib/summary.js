import { config } from './config.js';
import { highestHeld, JOURNEYS, LATENCY_MS, latencyFlat, readStep } from './model.js';

/*
 * handleSummary: one JSON report (RESULTS_DIR/summary.json) that the runner
 * and the README table read, and a short table on stdout instead of k6's
 * long default. Sub-metrics exist in k6's summary only where a threshold
 * names them, so the scenarios add report-only thresholds (`count>=0`) for
 * the per-journey and per-step figures; they are left out of the verdict.
 */

const REPORT_ONLY = /(>=0)$/;
const ms = (v) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0));

function trend(m) {
  if (!m) return null;
  const v = m.values;
  return { p50: v.med, p90: v['p(90)'], p95: v['p(95)'], p99: v['p(99)'], max: v.max };
}

function thresholdList(metrics) {
  const list = [];
  for (const [metric, m] of Object.entries(metrics)) {
    for (const [expression, t] of Object.entries(m.thresholds ?? {})) {
      if (!REPORT_ONLY.test(expression)) list.push({ metric, expression, ok: t.ok });
    }
  }
  return list;
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) =>
          String(cell)
            .padStart(c === 0 ? 0 : widths[c])
            .padEnd(c === 0 ? widths[c] : 0),
        )
        .join('  '),
    )
    .join('\n');
}

function perStep(metrics, step) {
  return step.rates.map((rate, i) => {
    const seconds = step.ms / 1000;
    const requests = metrics[`http_reqs{step:${i}}`]?.values.count ?? 0;
    return {
      step: i,
      plannedVisitsPerSecond: rate,
      visits: metrics[`visits{step:${i}}`]?.values.count ?? 0,
      requestsPerSecond: requests / seconds,
      p95: metrics[`http_req_duration{step:${i}}`]?.values['p(95)'],
    };
  });
}

/** Every check with failures, from the root group and its sub-groups. */
function failedChecks(group, out = []) {
  for (const c of group?.checks ?? []) {
    if (c.fails > 0) out.push({ name: c.name, passes: c.passes, fails: c.fails });
  }
  for (const g of group?.groups ?? []) failedChecks(g, out);
  return out;
}

export function buildReport(name, def, data) {
  const m = data.metrics;
  const count = (metric) => m[metric]?.values.count ?? 0;
  const durationS = data.state.testRunDurationMs / 1000;
  const journeyNames = [...JOURNEYS, 'flash'].filter((j) => m[`visits{journey:${j}}`]);
  const report = {
    scenario: name,
    finishedAt: new Date().toISOString(),
    durationS,
    baseUrl: config.baseUrl,
    mix: config.mix,
    totals: {
      visits: count('visits'),
      requests: count('http_reqs'),
      requestsPerSecond: m.http_reqs?.values.rate ?? 0,
      droppedVisits: count('dropped_iterations'),
      failedRate: m.http_req_failed?.values.rate ?? 0,
      checksRate: m.checks?.values.rate ?? 1,
      ordersPlaced: count('orders_placed'),
      outOfStock: count('out_of_stock'),
      soldOutSeen: count('sold_out_seen'),
      latency: trend(m.http_req_duration),
    },
    journeys: Object.fromEntries(
      journeyNames.map((j) => [
        j,
        {
          visits: count(`visits{journey:${j}}`),
          requests: count(`http_reqs{journey:${j}}`),
          latency: trend(m[`http_req_duration{journey:${j}}`]),
          objective: LATENCY_MS[j],
        },
      ]),
    ),
    thresholds: thresholdList(m),
    failedChecks: failedChecks(data.root_group),
  };
  report.ok = report.thresholds.every((t) => t.ok);
  if (def.facts) report.peakDay = def.facts;
  if (def.stress) {
    const { rates, stepSeconds } = def.stress;
    const shopper = JOURNEYS.filter((j) => config.mix[j] > 0);
    report.steps = rates.map((rate, i) => readStep(m, i, rate, stepSeconds, shopper));
    report.highest = highestHeld(report.steps);
  } else if (def.step) {
    report.steps = perStep(m, def.step);
  }
  if (def.soak) report.soak = latencyFlat(report.steps.map((s) => ({ p95: s.p95 })));
  if (def.flash) {
    report.flash = {
      items: data.setup_data?.flash?.map((f) => ({ id: f.id, slug: f.slug, stock: f.stock })),
      stock: (data.setup_data?.flash ?? []).reduce((n, f) => n + f.stock, 0),
      sold: count('flash_sold'),
      oversold: count('oversold'),
      mismatches: count('flash_mismatches'),
    };
  }
  return report;
}

/** "3 latency thresholds; only 4410 of 4800 visits started" (summary.json keeps the full list). */
function brokenInShort(broken) {
  const latency = broken.filter((b) => /p\(9\d\)/.test(b)).length;
  const other = broken.filter((b) => !/p\(9\d\)/.test(b));
  const parts = latency > 0 ? [`${latency} latency threshold${latency > 1 ? 's' : ''}`] : [];
  return [...parts, ...other].join('; ') || '-';
}

export function renderText(report) {
  const t = report.totals;
  const lines = [
    '',
    `${report.scenario} against ${report.baseUrl}: ${t.visits} visits, ${t.requests} requests in ${report.durationS.toFixed(0)} s (${t.requestsPerSecond.toFixed(1)} req/s); failed ${(t.failedRate * 100).toFixed(3)} %, checks ${(t.checksRate * 100).toFixed(3)} %, dropped visits ${t.droppedVisits}`,
    `orders placed ${t.ordersPlaced}, out-of-stock answers ${t.outOfStock}${t.soldOutSeen ? `, left on seeing sold out ${t.soldOutSeen}` : ''}`,
    '',
  ];
  const rows = [
    ['journey', 'visits', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'objective p95/p99'],
  ];
  for (const [j, r] of Object.entries(report.journeys)) {
    const l = r.latency ?? {};
    rows.push([
      j,
      r.visits,
      r.requests,
      ms(l.p50),
      ms(l.p95),
      ms(l.p99),
      ms(l.max),
      `${r.objective.p95}/${r.objective.p99}`,
    ]);
  }
  lines.push(table(rows), '');
  if (report.steps && report.highest !== undefined) {
    const srows = [['step', 'visits/s', 'req/s', 'held', 'broken']];
    for (const s of report.steps) {
      srows.push([
        s.step,
        s.visitsPerSecond,
        s.requestsPerSecond.toFixed(0),
        s.held ? 'yes' : 'no',
        brokenInShort(s.broken),
      ]);
    }
    lines.push(table(srows), '');
    lines.push(
      report.highest
        ? `highest rate that held every threshold: ${report.highest.visitsPerSecond} visits/s, ${report.highest.requestsPerSecond.toFixed(0)} req/s; p95/p99 ms there: ${Object.entries(
            report.highest.journeys,
          )
            .map(([j, l]) => `${j} ${ms(l.p95)}/${ms(l.p99)}`)
            .join(', ')}`
        : 'no step held every threshold',
      '',
    );
  } else if (report.steps) {
    const srows = [['step', 'planned visits/s', 'visits', 'req/s', 'p95 ms']];
    for (const s of report.steps) {
      srows.push([
        s.step,
        s.plannedVisitsPerSecond.toFixed(2),
        s.visits,
        s.requestsPerSecond.toFixed(1),
        ms(s.p95),
      ]);
    }
    lines.push(table(srows), '');
  }
  if (report.soak) {
    lines.push(
      `latency over the soak: p95 ${ms(report.soak.first)} ms in the first window, ${ms(report.soak.last)} ms in the last: ${report.soak.flat ? 'flat' : 'NOT flat'}`,
      '',
    );
  }
  if (report.flash) {
    const f = report.flash;
    lines.push(
      `flash sale: ${f.sold} sold of ${f.stock} in stock, ${f.oversold} oversold, ${f.mismatches} mismatches`,
      '',
    );
  }
  if (report.failedChecks.length > 0) {
    lines.push(
      'failed checks:',
      ...report.failedChecks.map((c) => `  ${c.name}: ${c.fails} of ${c.passes + c.fails}`),
      '',
    );
  }
  const broken = report.thresholds.filter((x) => !x.ok);
  if (report.highest !== undefined) {
    // Stress thresholds are meant to break at some step: the table above says which.
    lines.push(
      `thresholds: ${broken.length} of ${report.thresholds.length} broken (per step, above)`,
      '',
    );
    return lines.join('\n');
  }
  lines.push(
    broken.length === 0
      ? `thresholds: all ${report.thresholds.length} held`
      : `thresholds: ${broken.length} of ${report.thresholds.length} broken:\n${broken.map((b) => `  ${b.metric} ${b.expression}`).join('\n')}`,
    '',
  );
  return lines.join('\n');
}

/** The handleSummary of a scenario. */
export function summaryFor(name, def) {
  return (data) => {
    const report = buildReport(name, def, data);
    const { catalog: _catalog, ...setupData } = data.setup_data ?? {};
    return {
      stdout: renderText(report),
      [`${config.resultsDir}/summary.json`]: JSON.stringify(
        { report, setup: setupData, metrics: data.metrics },
        null,
        2,
      ),
    };
  };
}
