/*
 * `npm run load:<scenario>`: k6 against BASE_URL (default the local edge on
 * :8080, as `npm start` runs it). Arguments after the scenario go to `k6 run`.
 * For the whole local stack started for the run, see local.ts.
 */
import { RunnerError, scenarioOf } from './config.ts';
import { resultsDir, startK6, verdict } from './k6.ts';

async function main(): Promise<number> {
  const scenario = scenarioOf(process.argv[2]);
  const dir = resultsDir(scenario);
  const k6 = startK6(scenario, dir, {}, process.argv.slice(3));
  const code = verdict(scenario, await k6.done, dir);
  console.log(`results: ${dir} (summary.json, report.html)`);
  return code;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (!(err instanceof RunnerError)) throw err;
  console.error(err.message);
  process.exitCode = 2;
}
