import { readFileSync } from 'node:fs';

/*
 * What the machine does during a run: every few seconds the origin's own
 * /metrics (resident memory, CPU seconds, heap, event-loop lag), and from
 * /proc the CPU and memory of the origin, the edge and k6, the machine's busy
 * share and its load average. PostgreSQL and Redis are shared with other
 * users of the machine, so they are seen only through the machine's figures.
 */

/** Linux counts CPU time in clock ticks of 1/100 s (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface ProcessSample {
  /** CPU in the interval, in % of one core. */
  cpuPct: number;
  rssMB: number;
}

export interface Sample {
  /** Seconds since sampling started. */
  t: number;
  /** Machine: busy share of all cores in the interval (%), and the 1-minute load average. */
  machineBusyPct: number;
  load1: number;
  processes: Record<string, ProcessSample>;
  /** From the origin's /metrics. */
  origin?: { rssMB: number; heapUsedMB: number; eventLoopLagP99Ms: number };
}

export interface ResourceSummary {
  samples: number;
  machine: {
    busyAvgPct: number;
    busyMaxPct: number;
    load1Start: number;
    load1Max: number;
    load1End: number;
  };
  processes: Record<
    string,
    { cpuAvgPct: number; cpuMaxPct: number; rssStartMB: number; rssMaxMB: number; rssEndMB: number }
  >;
  origin?: { rssStartMB: number; rssMaxMB: number; rssEndMB: number; eventLoopLagP99MaxMs: number };
  /** Memory after warm-up against memory at the end (soak). */
  memory?: MemoryTrend;
}

export interface MemoryTrend {
  /** Median RSS in the second sixth of the run (after warm-up) and in the last sixth, MB. */
  earlyMB: number;
  lateMB: number;
  growthPct: number;
  flat: boolean;
}

/** Prometheus text → the value of an unlabelled sample. */
export function metricValue(text: string, name: string): number | undefined {
  const match = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm'));
  return match ? Number(match[1]) : undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Memory is flat when the median of the last sixth of the samples is at most
 * 15 % above that of the second sixth (the first is warm-up: caches filling,
 * JIT), which a leak of any size shows over a long soak.
 */
export function memoryTrend(rssMB: number[], allowedGrowthPct = 15): MemoryTrend | undefined {
  if (rssMB.length < 12) return undefined;
  const sixth = Math.floor(rssMB.length / 6);
  const earlyMB = median(rssMB.slice(sixth, 2 * sixth));
  const lateMB = median(rssMB.slice(rssMB.length - sixth));
  const growthPct = ((lateMB - earlyMB) / earlyMB) * 100;
  return { earlyMB, lateMB, growthPct, flat: growthPct <= allowedGrowthPct };
}

function procTicks(pid: number): { ticks: number; rssMB: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { ticks, rssMB: (Number(fields[21]) * PAGE_BYTES) / 1e6 };
  } catch {
    return null;
  }
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

export interface Sampler {
  /** Adds a process to watch (k6 once it has started). */
  watch(name: string, pid: number): void;
  stop(): Promise<{ series: Sample[]; summary: ResourceSummary }>;
}

export function startSampler(options: {
  metricsUrl: string;
  pids: Record<string, number>;
  intervalMs: number;
}): Sampler {
  const pids = new Map(Object.entries(options.pids));
  const series: Sample[] = [];
  const started = performance.now();
  let lastAt = started;
  let lastMachine = machineTicks();
  const lastTicks = new Map<string, number>();
  for (const [name, pid] of pids) lastTicks.set(name, procTicks(pid)?.ticks ?? 0);

  async function sample(): Promise<void> {
    const now = performance.now();
    const seconds = (now - lastAt) / 1000;
    lastAt = now;
    const machine = machineTicks();
    const busyPct =
      ((machine.busy - lastMachine.busy) / Math.max(1, machine.total - lastMachine.total)) * 100;
    lastMachine = machine;
    const processes: Record<string, ProcessSample> = {};
    for (const [name, pid] of pids) {
      const p = procTicks(pid);
      if (!p) continue;
      const before = lastTicks.get(name) ?? p.ticks;
      lastTicks.set(name, p.ticks);
      processes[name] = {
        cpuPct: ((p.ticks - before) / TICKS_PER_SECOND / seconds) * 100,
        rssMB: p.rssMB,
      };
    }
    const entry: Sample = {
      t: (now - started) / 1000,
      machineBusyPct: busyPct,
      load1: load1(),
      processes,
    };
    try {
      const text = await (await fetch(options.metricsUrl)).text();
      entry.origin = {
        rssMB: (metricValue(text, 'process_resident_memory_bytes') ?? 0) / 1e6,
        heapUsedMB: (metricValue(text, 'nodejs_heap_size_used_bytes') ?? 0) / 1e6,
        eventLoopLagP99Ms: (metricValue(text, 'nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000,
      };
    } catch {
      // The origin may be gone at the very end; the /proc figures still count.
    }
    series.push(entry);
  }

  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(sample);
  }, options.intervalMs);

  return {
    watch(name, pid) {
      pids.set(name, pid);
      lastTicks.set(name, procTicks(pid)?.ticks ?? 0);
    },
    async stop() {
      clearInterval(timer);
      await pending;
      return { series, summary: summarise(series) };
    },
  };
}

export function summarise(series: Sample[]): ResourceSummary {
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : 0);
  const names = new Set(series.flatMap((s) => Object.keys(s.processes)));
  const processes: ResourceSummary['processes'] = {};
  for (const name of names) {
    const points = series.flatMap((s) => (s.processes[name] ? [s.processes[name]] : []));
    processes[name] = {
      cpuAvgPct: avg(points.map((p) => p.cpuPct)),
      cpuMaxPct: max(points.map((p) => p.cpuPct)),
      rssStartMB: points[0]?.rssMB ?? 0,
      rssMaxMB: max(points.map((p) => p.rssMB)),
      rssEndMB: points[points.length - 1]?.rssMB ?? 0,
    };
  }
  const loads = series.map((s) => s.load1);
  const summary: ResourceSummary = {
    samples: series.length,
    machine: {
      busyAvgPct: avg(series.map((s) => s.machineBusyPct)),
      busyMaxPct: max(series.map((s) => s.machineBusyPct)),
      load1Start: loads[0] ?? 0,
      load1Max: max(loads),
      load1End: loads[loads.length - 1] ?? 0,
    },
    processes,
  };
  const origin = series.flatMap((s) => (s.origin ? [s.origin] : []));
  if (origin.length > 0) {
    summary.origin = {
      rssStartMB: origin[0]?.rssMB ?? 0,
      rssMaxMB: max(origin.map((o) => o.rssMB)),
      rssEndMB: origin[origin.length - 1]?.rssMB ?? 0,
      eventLoopLagP99MaxMs: max(origin.map((o) => o.eventLoopLagP99Ms)),
    };
    const trend = memoryTrend(origin.map((o) => o.rssMB));
    if (trend) summary.memory = trend;
  }
  return summary;
}
