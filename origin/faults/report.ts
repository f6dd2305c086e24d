import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Audit } from './stack.ts';

/** One scenario's figures: a row of the table and an entry of results.json. */
export interface ScenarioResult {
  scenario: string;
  /** What was done to the stack, e.g. "Redis stopped for 20 s". */
  fault: string;
  passed: boolean;
  /** The fault window: from injection to recovery (ms since the epoch) and its length. */
  window: { from: number; to: number; ms: number };
  /** Requests sent (started) during the window, and in the whole run of the scenario. */
  requests: {
    during: number;
    total: number;
    /** During the window, per kind of request: count, failures, latency p50 and p99 (ms). */
    byName: Record<string, { count: number; failed: number; p50: number; p99: number }>;
  };
  /** Failed requests during the window by `<name> <status> <code>` (status 0: no answer). */
  errorsDuring: Record<string, number>;
  /** Failed requests over the whole scenario, same keys. */
  errorsTotal: Record<string, number>;
  /** Catalogue reads during the window: p50 and p99 in ms. */
  readLatencyDuring: { p50: number; p99: number };
  checkouts: {
    buyers: number;
    attempts: number;
    /** Final answers by `<status> <code>` (201 has no code). */
    answers: Record<string, number>;
    gaveUp: number;
  } | null;
  audit: Audit | null;
  ordersLost: number | null;
  stockDrift: number | null;
  /** Scenario-specific figures (invalidation latency, drain time, ...). */
  notes: string[];
  /** 1, 5 and 15 minute load averages at the end: the machine is shared, figures are noisy. */
  loadAverage: number[];
}

export function finish(result: Omit<ScenarioResult, 'loadAverage'>): ScenarioResult {
  return { ...result, loadAverage: loadavg().map((n) => Math.round(n * 100) / 100) };
}

const kinds = (errors: Record<string, number>) => {
  const entries = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '0' : entries.map(([kind, n]) => `${n} × ${kind}`).join('; ');
};

export function row(r: ScenarioResult): string {
  const errors = Object.values(r.errorsDuring).reduce((sum, n) => sum + n, 0);
  return `| ${r.fault} | ${r.requests.during} | ${errors === 0 ? '0' : `${errors}: ${kinds(r.errorsDuring)}`} | ${r.ordersLost ?? 'n/a'} | ${r.stockDrift ?? 'n/a'} | ${r.notes.join('; ')} |`;
}

export const HEADER =
  '| fault injected | requests during it | errors during it (by kind) | orders lost | stock drift | notes |\n| --- | --- | --- | --- | --- | --- |';

export function table(results: ScenarioResult[]): string {
  return [HEADER, ...results.map(row)].join('\n');
}

/** Writes results.json and results.md (the table) into `dir`. */
export function writeResults(
  dir: string,
  results: ScenarioResult[],
  meta: Record<string, unknown>,
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'results.json'),
    `${JSON.stringify({ ...meta, scenarios: results }, null, 2)}\n`,
  );
  const md = `${table(results)}\n`;
  writeFileSync(join(dir, 'results.md'), md);
  return md;
}
