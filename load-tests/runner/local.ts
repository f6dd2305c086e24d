/*
 * `npm run load:local -- <scenario> [k6 arguments]`: starts the whole local
 * stack fresh (stack.ts), runs the scenario through the edge while sampling
 * the origin's /metrics and the processes' CPU and memory, writes
 * results/<scenario>-<time>/ (summary.json, report.html, resources.json,
 * the origin's and the edge's logs, gzipped) and tears everything down.
 *
 * `npm run load:local -- serve` starts the stack alone and prints the
 * environment to point `npm run load:<scenario>` at it.
 *
 * Exit code: k6's (a crossed threshold is 99); for stress, 0 when some step
 * held; for soak, also non-zero when the origin's memory grew.
 */
import { createReadStream, createWriteStream, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { loadLocalStackConfig, RunnerError, scenarioOf } from './config.ts';
import { readReport, resultsDir, startK6, verdict } from './k6.ts';
import { type ResourceSummary, startSampler } from './sampler.ts';
import { startLocalStack } from './stack.ts';

const log = (message: string) => console.log(`load:local: ${message}`);

function describe(summary: ResourceSummary, soak: boolean): string {
  const lines = [
    `machine: busy ${summary.machine.busyAvgPct.toFixed(0)} % on average (max ${summary.machine.busyMaxPct.toFixed(0)} %), load average ${summary.machine.load1Start.toFixed(2)} at the start, max ${summary.machine.load1Max.toFixed(2)}`,
  ];
  for (const [name, p] of Object.entries(summary.processes)) {
    lines.push(
      `${name}: CPU ${p.cpuAvgPct.toFixed(0)} % of a core on average, max ${p.cpuMaxPct.toFixed(0)} %; RSS ${p.rssStartMB.toFixed(0)} → ${p.rssEndMB.toFixed(0)} MB (max ${p.rssMaxMB.toFixed(0)})`,
    );
  }
  if (summary.origin) {
    lines.push(
      `origin /metrics: resident memory ${summary.origin.rssStartMB.toFixed(0)} → ${summary.origin.rssEndMB.toFixed(0)} MB (max ${summary.origin.rssMaxMB.toFixed(0)}), event-loop lag p99 max ${summary.origin.eventLoopLagP99MaxMs.toFixed(1)} ms`,
    );
  }
  if (soak && summary.memory) {
    const m = summary.memory;
    lines.push(
      `origin memory after warm-up ${m.earlyMB.toFixed(0)} MB, at the end ${m.lateMB.toFixed(0)} MB (${m.growthPct >= 0 ? '+' : ''}${m.growthPct.toFixed(1)} %): ${m.flat ? 'flat' : 'GROWING'}`,
    );
  }
  return lines.map((l) => `  ${l}`).join('\n');
}

/** `load:local -- serve`: the stack alone, until Ctrl-C, for running scenarios against it by hand. */
async function serve(): Promise<number> {
  const config = loadLocalStackConfig();
  const dir = resultsDir('serve');
  const stack = await startLocalStack(config, dir, log);
  const exports = Object.entries(stack.k6Env)
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  console.log(
    `\n  The shop is open on ${stack.baseUrl}. In another terminal:\n\n    ${exports} npm run load:smoke\n\n  Ctrl-C stops it and removes its data.\n`,
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await stack.stop();
  return 0;
}

async function main(): Promise<number> {
  if (process.argv[2] === 'serve') return serve();
  const scenario = scenarioOf(process.argv[2]);
  const config = loadLocalStackConfig();
  const dir = resultsDir(scenario);
  log(`starting the local stack for ${scenario} (results in ${dir})`);
  const stack = await startLocalStack(config, dir, log);
  let stopping = false;
  const interrupt = () => {
    if (stopping) return;
    stopping = true;
    log('interrupted: stopping the stack');
    void stack.stop().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const sampler = startSampler({
      metricsUrl: `${stack.originUrl}/metrics`,
      pids: stack.pids,
      intervalMs: config.sampleMs,
    });
    const k6 = startK6(scenario, dir, stack.k6Env, process.argv.slice(3));
    if (k6.child.pid) sampler.watch('k6', k6.child.pid);
    let code = verdict(scenario, await k6.done, dir);
    const resources = await sampler.stop();
    writeFileSync(join(dir, 'resources.json'), JSON.stringify(resources, null, 2));
    console.log(
      `\nresources during the run (2 cores shared by k6, edge, origin, PostgreSQL, Redis):\n${describe(resources.summary, scenario === 'soak')}`,
    );
    if (scenario === 'soak') {
      const soak = readReport(dir)?.soak as { flat?: boolean } | undefined;
      if (soak?.flat === false || resources.summary.memory?.flat === false) {
        console.error("soak: latency or the origin's memory did not stay flat");
        if (code === 0) code = 1;
      }
    }
    log(`results: ${dir}`);
    return code;
  } finally {
    if (!stopping) {
      await stack.stop();
      await compressLogs(dir);
    }
  }
}

/** A stress run logs a line per request in both servers: hundreds of MB, a tenth gzipped. */
async function compressLogs(dir: string): Promise<void> {
  for (const name of ['origin.log', 'edge.log']) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    await pipeline(createReadStream(file), createGzip(), createWriteStream(`${file}.gz`));
    rmSync(file);
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  if (!(err instanceof RunnerError)) throw err;
  console.error(`load:local: ${err.message}`);
  process.exitCode = 2;
}
