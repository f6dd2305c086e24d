/**
 * Builds and signs webhooks of the built-in test processor, for tests and for
 * developers who want to play the processor by hand. As a command it prints a
 * curl line that delivers one event to a running origin:
 *
 *   PAYMENTS_WEBHOOK_SECRET=<the origin's secret> node src/payments/test-webhook.ts \
 *     --type charge.succeeded --order <order uuid> --ref <test_ch_… from the payment> \
 *     [--code card_declined] [--url http://localhost:3000/api/v1/payments/webhooks/test]
 *
 * The scheme is Stripe's: header `vitrine-signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<raw body>")>`, accepted within five minutes.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { WebhookEvent } from './payments.types.ts';

/** Request header that carries the test processor's signature. */
export const TEST_WEBHOOK_SIGNATURE_HEADER = 'vitrine-signature';

/** How far (seconds) a signature's timestamp may be from now; Stripe's default. */
export const TEST_WEBHOOK_TOLERANCE_S = 300;

/** HMAC-SHA256 over `<timestamp>.<raw body>`: the `v1` signature, as bytes. */
export function testWebhookDigest(
  secret: string,
  timestampS: number | string,
  rawBody: string | Buffer,
): Buffer {
  return createHmac('sha256', secret).update(`${timestampS}.`).update(rawBody).digest();
}

/** The signature header value for a raw body: `t=<unix seconds>,v1=<hex>`. */
export function signTestWebhook(
  rawBody: string | Buffer,
  options: {
    /** The signing secret (config `payments.webhookSecret`). */
    secret: string;
    /** Unix time in seconds the signature claims. */
    timestampS: number;
  },
): string {
  const digest = testWebhookDigest(options.secret, options.timestampS, rawBody);
  return `t=${options.timestampS},v1=${digest.toString('hex')}`;
}

export interface TestWebhookInput {
  /** One of the order events, or any other string to try how unknown types are handled. */
  type: WebhookEvent['type'] | (string & {});
  orderId: string;
  providerRef: string;
  /** For `charge.failed`: the decline code. */
  code?: string;
  /** Event id; a fresh `evt_…` when omitted. Reuse one to test replays. */
  id?: string;
}

/** A webhook as the processor would send it: the exact body bytes and its headers. */
export interface SignedTestWebhook {
  /** Send exactly these bytes: the signature covers them, not the parsed JSON. */
  body: string;
  headers: { 'content-type': 'application/json'; 'vitrine-signature': string };
}

/** Builds a test-processor event and signs it. */
export function buildTestWebhook(
  event: TestWebhookInput,
  options: {
    /** The signing secret (config `payments.webhookSecret`). */
    secret: string;
    /** Signing time in epoch milliseconds; the injected clock in tests. Default: now. */
    now?: number;
  },
): SignedTestWebhook {
  const body = JSON.stringify({
    id: event.id ?? `evt_${randomBytes(12).toString('hex')}`,
    type: event.type,
    data: {
      orderId: event.orderId,
      providerRef: event.providerRef,
      ...(event.code !== undefined ? { code: event.code } : {}),
    },
  });
  const timestampS = Math.floor((options.now ?? Date.now()) / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      [TEST_WEBHOOK_SIGNATURE_HEADER]: signTestWebhook(body, {
        secret: options.secret,
        timestampS,
      }),
    },
  };
}

/** Where the origin takes test-processor webhooks unless `--url` says otherwise. */
const DEFAULT_WEBHOOK_PATH = '/api/v1/payments/webhooks/test';

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      type: { type: 'string' },
      order: { type: 'string' },
      ref: { type: 'string' },
      code: { type: 'string' },
      url: { type: 'string' },
    },
  });
  if (!values.type || !values.order || !values.ref) {
    process.stderr.write(
      'usage: node src/payments/test-webhook.ts --type charge.succeeded|charge.failed|charge.refunded --order <order id> --ref <test_ch_…> [--code <decline code>] [--url <webhook URL>]\n',
    );
    return 2;
  }
  // Loaded here, not at the top: the provider imports this file and needs no config.
  const { loadConfig } = await import('../config.ts');
  const config = loadConfig();
  // Without PAYMENTS_WEBHOOK_SECRET each load makes a random secret: two loads
  // that disagree mean the running origin could never accept this signature.
  if (loadConfig().payments.webhookSecret !== config.payments.webhookSecret) {
    process.stderr.write(
      'PAYMENTS_WEBHOOK_SECRET is not set: set it to the running origin’s value (in .env or the environment).\n',
    );
    return 2;
  }
  const webhook = buildTestWebhook(
    { type: values.type, orderId: values.order, providerRef: values.ref, code: values.code },
    { secret: config.payments.webhookSecret },
  );
  const url = values.url ?? `${config.publicBaseUrl}${DEFAULT_WEBHOOK_PATH}`;
  const headers = Object.entries(webhook.headers)
    .map(([name, value]) => `-H ${shellQuote(`${name}: ${value}`)}`)
    .join(' ');
  // Valid for TEST_WEBHOOK_TOLERANCE_S seconds from now.
  process.stdout.write(
    `curl -sS -X POST ${headers} --data-binary ${shellQuote(webhook.body)} ${shellQuote(url)}\n`,
  );
  return 0;
}

if (import.meta.main) process.exitCode = await main();
