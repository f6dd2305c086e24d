import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/*
 * Child processes for the benchmarks: run a Node script to the end, and watch
 * how much memory a process and everything it started hold at their peak.
 */

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export class CommandError extends Error {
  override name = 'CommandError';
}

/** Runs `node <script> ...args` to its end; throws a CommandError with its output when it fails. */
export async function runNode(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    throw new CommandError(`${script} ${args.join(' ')} exited with ${code}:\n${output.trim()}`);
  }
  return output;
}

/** Process ids of `pid` and every process below it (Linux /proc; empty elsewhere). */
function treeOf(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i++) {
    const current = found[i] as number;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue;
    }
    // A child belongs to the thread that forked it: read every thread's list.
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8');
        for (const id of children.split(' ')) if (id.trim()) found.push(Number(id));
      } catch {
        // the thread or process ended meanwhile
      }
    }
  }
  return found;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Resident bytes and CPU ticks (user + system, all threads) of one process; null once it ended. */
function usageOf(pid: number): { rss: number; ticks: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is the first, utime the 12th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const kb = status.match(/^VmRSS:\s+(\d+) kB/m)?.[1];
    return {
      rss: kb === undefined ? 0 : Number(kb) * 1024,
      ticks: Number(fields[11] ?? 0) + Number(fields[12] ?? 0),
    };
  } catch {
    return null;
  }
}

export interface TreeUsage {
  /** Highest resident memory of the tree at one sample, in bytes (0 without /proc). */
  peakRssBytes: number;
  /** CPU time of every process of the tree, in seconds, to the last sample (0 without /proc). */
  cpuSeconds: number;
}

export interface TreeWatch {
  /** Usage since the previous mark (or the start); then starts over. */
  mark(): TreeUsage;
  /** As mark(), and stops sampling. */
  stop(): TreeUsage;
}

/**
 * Samples a process and its descendants (Pagefind's binary, for one) every
 * `everyMs`. Resident memory can miss a spike shorter than that, and CPU
 * time misses what a process spends after the last sample before it ends.
 * CPU time shows what a build costs whatever else the machine runs, which
 * wall time on a shared machine does not.
 */
export function watchTree(child: ChildProcess, everyMs = 100): TreeWatch {
  let peak = 0;
  const ticks = new Map<number, number>();
  let ticksAtMark = 0;
  const totalTicks = () => [...ticks.values()].reduce((a, b) => a + b, 0);
  const sample = () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    let rss = 0;
    for (const pid of treeOf(child.pid)) {
      const usage = usageOf(pid);
      if (!usage) continue;
      rss += usage.rss;
      ticks.set(pid, usage.ticks);
    }
    peak = Math.max(peak, rss);
  };
  const timer = setInterval(sample, everyMs);
  const mark = (): TreeUsage => {
    sample();
    const total = totalTicks();
    const usage = { peakRssBytes: peak, cpuSeconds: (total - ticksAtMark) / TICKS_PER_SECOND };
    peak = 0;
    ticksAtMark = total;
    return usage;
  };
  return {
    mark,
    stop() {
      clearInterval(timer);
      return mark();
    },
  };
}
