import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';

/*
 * The app origin as an ALB target group, for the local edge: requests go to
 * the targets round-robin, and a periodic health check (GET /readyz, like the
 * target group's) takes a target out while it fails, e.g. while an origin
 * drains after SIGTERM. When every target fails, all of them get traffic
 * again (the ALB "fails open"), so a single origin behaves as it always did.
 */

export interface HealthCheckOptions {
  /** Milliseconds between checks of each target; 0 turns checks off. */
  intervalMs: number;
  /** Path that answers 2xx when the target may take traffic (default /readyz). */
  path?: string;
  /** How long one check may take before it counts as failed (default: the interval, at most 2 s). */
  timeoutMs?: number;
}

export interface TargetGroup {
  /**
   * The targets to try for one request: the round-robin pick first, then the
   * next healthy target, if any, for a retry that is known to be safe.
   */
  pick(): URL[];
  /** Targets currently in service (all of them when none is healthy). */
  inService(): URL[];
  /** Stops the health checks. */
  close(): void;
}

interface Target {
  url: URL;
  healthy: boolean;
  checking: boolean;
}

export function createTargetGroup(
  urls: readonly URL[],
  options: { healthCheck?: HealthCheckOptions; logger: Logger },
): TargetGroup {
  if (urls.length === 0) throw new Error('a target group needs at least one target');
  const targets: Target[] = urls.map((url) => ({ url, healthy: true, checking: false }));
  const path = options.healthCheck?.path ?? '/readyz';
  const intervalMs = options.healthCheck?.intervalMs ?? 0;
  const timeoutMs = options.healthCheck?.timeoutMs ?? Math.min(Math.max(intervalMs, 100), 2_000);
  let next = 0;

  const inService = () => {
    const healthy = targets.filter((t) => t.healthy);
    return healthy.length > 0 ? healthy : targets;
  };

  const mark = (target: Target, healthy: boolean, reason: string) => {
    if (target.healthy === healthy) return;
    target.healthy = healthy;
    options.logger.warn(
      { target: target.url.host, reason },
      healthy
        ? 'origin target healthy: back in service'
        : 'origin target unhealthy: out of service',
    );
  };

  const check = (target: Target) => {
    if (target.checking) return;
    target.checking = true;
    const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const settle = (healthy: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      target.checking = false;
      mark(target, healthy, reason);
    };
    // A new connection per check, as the ALB's checker makes.
    const req = send(
      {
        protocol: target.url.protocol,
        hostname: target.url.hostname,
        port: target.url.port,
        path: `${target.url.pathname.replace(/\/$/, '')}${path}`,
        method: 'GET',
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        settle(status >= 200 && status < 300, `${path} answered ${status}`);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => settle(false, err.code ?? err.message));
    req.end();
  };

  let timer: NodeJS.Timeout | undefined;
  // One target has nowhere else to send its traffic: checking it would change nothing.
  if (targets.length > 1 && intervalMs > 0) {
    timer = setInterval(() => {
      for (const target of targets) check(target);
    }, intervalMs);
    timer.unref();
  }

  return {
    pick() {
      const pool = inService();
      const index = next % pool.length;
      next = (next + 1) % Number.MAX_SAFE_INTEGER;
      const picked = [pool[index] as Target];
      if (pool.length > 1) picked.push(pool[(index + 1) % pool.length] as Target);
      return picked.map((t) => t.url);
    },
    inService: () => inService().map((t) => t.url),
    close() {
      clearInterval(timer);
    },
  };
}
