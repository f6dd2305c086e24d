import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findK6, LOAD_TESTS, type Scenario } from './config.ts';

/*
 * One k6 run of a scenario: the JSON summary (handleSummary) and the web
 * dashboard's HTML report go into the run's folder under results/. k6's
 * usage report is off (nothing leaves the machine), and so are its REST API
 * and the dashboard's own server, so runs side by side do not fight over ports.
 */

/** k6's exit code when thresholds were crossed. */
export const THRESHOLDS_FAILED = 99;

export interface K6Run {
  child: ChildProcess;
  done: Promise<number>;
}

/** A folder for one run: results/<scenario>-<timestamp>. */
export function resultsDir(scenario: Scenario | 'serve'): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  const dir = join(LOAD_TESTS, 'results', `${scenario}-${stamp}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function startK6(
  scenario: Scenario,
  dir: string,
  env: Record<string, string>,
  extraArgs: string[] = [],
): K6Run {
  const child = spawn(
    findK6(),
    [
      'run',
      '--address',
      '',
      // Without a terminal (CI) the progress bar is a line a second: the summary is enough.
      ...(process.stdout.isTTY ? [] : ['--quiet']),
      ...extraArgs,
      join(LOAD_TESTS, 'scenarios', `${scenario}.js`),
    ],
    {
      cwd: LOAD_TESTS,
      stdio: 'inherit',
      env: {
        ...process.env,
        ...env,
        RESULTS_DIR: dir,
        K6_NO_USAGE_REPORT: 'true',
        K6_WEB_DASHBOARD: 'true',
        K6_WEB_DASHBOARD_PORT: '-1',
        K6_WEB_DASHBOARD_EXPORT: join(dir, 'report.html'),
      },
    },
  );
  const done = once(child, 'exit').then(([code, signal]) =>
    typeof code === 'number' ? code : signal ? 128 : 1,
  );
  return { child, done };
}

/** The report handleSummary wrote, or null when k6 did not get that far. */
export function readReport(dir: string): Record<string, unknown> | null {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, 'utf8')) as { report: Record<string, unknown> }).report;
}

/**
 * The run's verdict: thresholds decide, except for stress, whose thresholds
 * are meant to break at some step; it passes when a step held.
 */
export function verdict(scenario: Scenario, code: number, dir: string): number {
  if (scenario !== 'stress' || code !== THRESHOLDS_FAILED) return code;
  const report = readReport(dir);
  return report?.highest ? 0 : code;
}
