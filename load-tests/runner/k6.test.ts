import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioOf } from './config.ts';
import { THRESHOLDS_FAILED, verdict } from './k6.ts';

describe('a run’s verdict', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'k6-verdict-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const report = (body: Record<string, unknown>) =>
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ report: body }));

  it('when a threshold broke in any scenario but stress, then the run fails', () => {
    report({ highest: { visitsPerSecond: 10 } });
    assert.equal(verdict('smoke', THRESHOLDS_FAILED, dir), THRESHOLDS_FAILED);
    assert.equal(verdict('flash-sale', THRESHOLDS_FAILED, dir), THRESHOLDS_FAILED);
    assert.equal(verdict('smoke', 0, dir), 0);
  });

  it('when stress broke thresholds above a step that held, then it passes; with no step held, it fails', () => {
    report({ highest: { visitsPerSecond: 140 } });
    assert.equal(verdict('stress', THRESHOLDS_FAILED, dir), 0);
    report({ highest: null });
    assert.equal(verdict('stress', THRESHOLDS_FAILED, dir), THRESHOLDS_FAILED);
  });

  it('when k6 itself failed (a script error), then stress fails too', () => {
    report({ highest: { visitsPerSecond: 140 } });
    assert.equal(verdict('stress', 107, dir), 107);
  });

  it('when the scenario is unknown, then the error lists the scenarios', () => {
    assert.equal(scenarioOf('soak'), 'soak');
    assert.throws(() => scenarioOf('spike'), /smoke, peak-day, flash-sale, stress, soak/);
  });
});
