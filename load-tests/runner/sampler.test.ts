import assert from 'node:assert/strict';
import { memoryTrend, metricValue, summarise } from './sampler.ts';

describe('the resource sampler', () => {
  it('when /metrics is read, then unlabelled samples are found by name', () => {
    const text = [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      'process_resident_memory_bytes 123456789',
      'process_resident_memory_bytes_total 1',
      'nodejs_eventloop_lag_p99_seconds 0.0123',
    ].join('\n');
    assert.equal(metricValue(text, 'process_resident_memory_bytes'), 123456789);
    assert.equal(metricValue(text, 'nodejs_eventloop_lag_p99_seconds'), 0.0123);
    assert.equal(metricValue(text, 'process_cpu_seconds_total'), undefined);
  });

  it('when memory levels off after warm-up, then it is flat; when it keeps climbing, then not', () => {
    const warm = [200, 260, 300, 300, 302, 301, 303, 302, 300, 304, 303, 302];
    assert.equal(memoryTrend(warm)?.flat, true);
    const leak = Array.from({ length: 60 }, (_, i) => 300 + i * 5);
    const trend = memoryTrend(leak);
    assert.equal(trend?.flat, false);
    assert.ok((trend?.growthPct ?? 0) > 50);
    assert.equal(memoryTrend([300, 300]), undefined);
  });

  it('when samples are summarised, then CPU is averaged per process and memory kept from start to end', () => {
    const summary = summarise([
      { t: 2, machineBusyPct: 50, load1: 1, processes: { origin: { cpuPct: 40, rssMB: 300 } } },
      { t: 4, machineBusyPct: 70, load1: 2, processes: { origin: { cpuPct: 80, rssMB: 320 } } },
    ]);
    assert.deepEqual(summary.processes.origin, {
      cpuAvgPct: 60,
      cpuMaxPct: 80,
      rssStartMB: 300,
      rssMaxMB: 320,
      rssEndMB: 320,
    });
    assert.equal(summary.machine.busyAvgPct, 60);
    assert.equal(summary.machine.load1Max, 2);
  });
});
