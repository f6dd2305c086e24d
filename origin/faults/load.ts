import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * A small open-model load generator: requests start at a fixed arrival rate
 * whatever the answers do (a slow or failing server does not slow the
 * shoppers down), and every request's outcome is kept: what it was, when it
 * started, how long it took, the status and the error code (the API's
 * `error.code`, the edge's own error page, or the network error).
 */

export interface Outcome {
  /** What the request was, e.g. `read:detail`, `session:me`, `checkout`. */
  name: string;
  /** Date.now() when it was sent. */
  start: number;
  ms: number;
  /** HTTP status; 0 when no answer came (network error, timeout). */
  status: number;
  /** '' on success; else the API's error code, `CLOUDFRONT_<status>`, `HTTP_<status>` or the network error. */
  code: string;
  ok: boolean;
}

export interface Request {
  path: string;
  init?: RequestInit;
}

export interface Mix {
  name: string;
  /** Share of the arrivals, relative to the other entries. */
  weight: number;
  /** The i-th request of this kind. */
  make(i: number): Request;
  /** Statuses that count as success (default [200]). */
  ok?: number[];
}

const TIMEOUT_MS = 10_000;

/** Sends one request and describes its outcome; never throws. */
export async function send(
  baseUrl: string,
  name: string,
  request: Request,
  okStatuses: readonly number[] = [200],
): Promise<Outcome & { headers: Headers | null; body: unknown }> {
  const start = Date.now();
  const began = performance.now();
  try {
    const res = await fetch(`${baseUrl}${request.path}`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      ...request.init,
    });
    const text = await res.text();
    const ms = performance.now() - began;
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
    }
    const ok = okStatuses.includes(res.status);
    let code = '';
    if (!ok || res.status >= 400) {
      const apiCode = (body as { error?: { code?: unknown } } | null)?.error?.code;
      code =
        typeof apiCode === 'string'
          ? apiCode
          : res.headers.get('x-cache') === 'Error from cloudfront'
            ? `CLOUDFRONT_${res.status}`
            : `HTTP_${res.status}`;
    }
    return { name, start, ms, status: res.status, code, ok, headers: res.headers, body };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string }; message?: string };
    const code =
      e.name === 'TimeoutError' ? 'CLIENT_TIMEOUT' : (e.cause?.code ?? e.name ?? 'ERROR');
    return {
      name,
      start,
      ms: performance.now() - began,
      status: 0,
      code,
      ok: false,
      headers: null,
      body: null,
    };
  }
}

export interface Load {
  outcomes: Outcome[];
  inFlight(): number;
  /** Stops new arrivals and waits for the requests in flight. */
  stop(): Promise<Outcome[]>;
}

/** Starts `ratePerS` requests a second, spread over `mix` by weight, until stop(). */
export function startLoad(options: {
  baseUrl: string;
  ratePerS: number;
  mix: Mix[];
  /** Above this many requests in flight an arrival is dropped and counted as CLIENT_OVERLOAD. */
  maxInFlight?: number;
}): Load {
  const { baseUrl, ratePerS, mix } = options;
  const maxInFlight = options.maxInFlight ?? 256;
  // A fixed rotation that gives each entry its weight's share, interleaved.
  const total = mix.reduce((sum, m) => sum + m.weight, 0);
  const rotation: Mix[] = [];
  const credit = mix.map(() => 0);
  for (let slot = 0; slot < total; slot++) {
    mix.forEach((m, i) => {
      credit[i] = (credit[i] ?? 0) + m.weight;
    });
    let best = 0;
    credit.forEach((c, i) => {
      if (c > (credit[best] ?? 0)) best = i;
    });
    credit[best] = (credit[best] ?? 0) - total;
    rotation.push(mix[best] as Mix);
  }
  const counts = new Map<string, number>();
  const outcomes: Outcome[] = [];
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  let sent = 0;

  const launch = () => {
    const m = rotation[sent % rotation.length] as Mix;
    sent++;
    const i = counts.get(m.name) ?? 0;
    counts.set(m.name, i + 1);
    if (pending.size >= maxInFlight) {
      outcomes.push({
        name: m.name,
        start: Date.now(),
        ms: 0,
        status: 0,
        code: 'CLIENT_OVERLOAD',
        ok: false,
      });
      return;
    }
    const p = send(baseUrl, m.name, m.make(i), m.ok).then(({ headers: _h, body: _b, ...o }) => {
      outcomes.push(o);
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) * ratePerS) / 1000);
    while (sent < due) launch();
  }, 5);

  return {
    outcomes,
    inFlight: () => pending.size,
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      return outcomes;
    },
  };
}

export interface Buyer {
  userId: number;
  /** The Cookie header: the session cookie. */
  cookie: string;
  csrf: string;
  /** Test card number: 4242… pays, 4000 0000 0000 3220 stays pending (3-D Secure). */
  card: string;
}

export interface CheckoutResult {
  userId: number;
  key: string;
  attempts: number;
  /** The final answer's status, or 0 when the buyer gave up at the deadline. */
  status: number;
  code: string;
  orderId: string | null;
  orderStatus: string | null;
  gaveUp: boolean;
}

/** Answers worth another try with the same key: nothing final was decided. */
const RETRYABLE = new Set(['IDEMPOTENCY_KEY_IN_USE']);
const retryable = (o: Outcome) =>
  o.status === 0 || o.status >= 500 || (o.status === 409 && RETRYABLE.has(o.code));

/**
 * Shoppers checking out at a fixed arrival rate, one Idempotency-Key each,
 * as the checkout page does: a failed or interrupted attempt is retried with
 * the same key and body (after Retry-After, else a short backoff) until a
 * final answer or the deadline.
 */
export function startCheckouts(options: {
  baseUrl: string;
  buyers: Buyer[];
  ratePerS: number;
  /** Date.now() after which a buyer stops retrying. */
  deadline: number;
  /** Every attempt's outcome goes here too. */
  outcomes: Outcome[];
}): { inFlight(): number; answered(): number; done: Promise<CheckoutResult[]> } {
  const { baseUrl, buyers, ratePerS, deadline, outcomes } = options;
  let inFlight = 0;
  let answered = 0;

  const shop = async (buyer: Buyer): Promise<CheckoutResult> => {
    const key = randomUUID();
    const body = JSON.stringify({
      payment: { type: 'card', number: buyer.card, expMonth: 12, expYear: 2040, cvc: '123' },
      shippingAddress: {
        name: 'Fault Suite',
        line1: '1 Road',
        city: 'Town',
        postalCode: '1000',
        country: 'NL',
      },
    });
    const request: Request = {
      path: '/api/v1/checkout',
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie: buyer.cookie,
          'x-csrf-token': buyer.csrf,
          'idempotency-key': key,
        },
        body,
      },
    };
    let attempts = 0;
    for (;;) {
      attempts++;
      inFlight++;
      const { headers, body: answer, ...outcome } = await send(baseUrl, 'checkout', request, [201]);
      inFlight--;
      answered++;
      // Sold out is a right answer, not a failure: the shop refused to oversell.
      if (outcome.status === 409 && outcome.code === 'OUT_OF_STOCK') outcome.ok = true;
      outcomes.push(outcome);
      if (!retryable(outcome)) {
        const order = (answer as { order?: { id?: string; status?: string } } | null)?.order;
        return {
          userId: buyer.userId,
          key,
          attempts,
          status: outcome.status,
          code: outcome.code,
          orderId: order?.id ?? null,
          orderStatus: order?.status ?? null,
          gaveUp: false,
        };
      }
      const after = Number(headers?.get('retry-after') ?? Number.NaN);
      const wait = Number.isFinite(after) ? after * 1000 : Math.min(250 * attempts, 1_000);
      if (Date.now() + wait > deadline) {
        return {
          userId: buyer.userId,
          key,
          attempts,
          status: 0,
          code: outcome.code,
          orderId: null,
          orderStatus: null,
          gaveUp: true,
        };
      }
      await sleep(wait);
    }
  };

  const done = Promise.all(
    buyers.map(async (buyer, i) => {
      await sleep((i * 1000) / ratePerS);
      return shop(buyer);
    }),
  );
  return { inFlight: () => inFlight, answered: () => answered, done };
}

/** The outcomes that started within [from, to]. */
export const within = (outcomes: Outcome[], from: number, to: number) =>
  outcomes.filter((o) => o.start >= from && o.start <= to);

/** Failed outcomes counted by `<status> <code>`, e.g. `503 DATABASE_UNAVAILABLE`, `0 ECONNRESET`. */
export function errorsByKind(outcomes: Outcome[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.ok) continue;
    const kind = `${o.name} ${o.status} ${o.code}`;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
