import type { Redis } from 'ioredis';
import type { Logger } from '../logging.ts';

/** What travels on `<namespace>:cache:invalidate`. */
export interface BusMessage {
  /** Instance id of the sender, which has already applied the message to its own L1. */
  from: string;
  keys?: string[];
  tags?: string[];
  /** Drop the whole L1 (sent after invalidations were lost while Redis was away). */
  clear?: boolean;
}

/** Parses a bus message; undefined for anything malformed (ignored, never thrown). */
export function parseBusMessage(raw: string): BusMessage | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { from, keys, tags, clear } = data as Record<string, unknown>;
  if (typeof from !== 'string') return undefined;
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  return { from, keys: strings(keys), tags: strings(tags), clear: clear === true };
}

export interface BusSubscription {
  /** Resolves once subscribed; while disconnected, waits for the next subscription. */
  ready(): Promise<void>;
  close(): void;
}

const SUBSCRIBE_TIMEOUT_MS = 2_000;
const RESUBSCRIBE_RETRY_MS = 1_000;

/**
 * Keeps a dedicated connection subscribed to the invalidation channel (a
 * connection in subscriber mode cannot run other commands, hence a second one).
 *
 * After every (re)connection it subscribes again itself and only then calls
 * `onSubscribed`. ioredis would also resubscribe on its own (`autoResubscribe`,
 * on by default), and a second SUBSCRIBE to the same channel is a no-op in
 * Redis; doing it here as well means the bus never depends on how the caller
 * configured the client, and tells us when the subscription is live again.
 * The cache clears its L1 in `onSubscribed`: messages published while we were
 * disconnected are lost (pub/sub does not queue), so anything in L1 may be
 * stale. Until then, the short L1 TTL bounds how stale it can be.
 */
export function subscribeBus(options: {
  subscriber: Redis;
  channel: string;
  logger: Logger;
  onMessage: (raw: string) => void;
  onSubscribed: () => void;
}): BusSubscription {
  const { subscriber, channel, logger, onMessage, onSubscribed } = options;
  let subscribed = false;
  let closed = false;
  let waiters: Array<() => void> = [];
  let retry: NodeJS.Timeout | undefined;

  const settle = () => {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve();
  };

  const subscribe = async () => {
    clearTimeout(retry);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        subscriber.subscribe(channel),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no SUBSCRIBE answer within ${SUBSCRIBE_TIMEOUT_MS} ms`)),
            SUBSCRIBE_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (err) {
      if (closed) return;
      logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'cache bus: subscribe failed; retrying',
      );
      // If the connection drops instead, the next 'ready' subscribes again.
      if (subscriber.status === 'ready') {
        retry = setTimeout(() => void subscribe(), RESUBSCRIBE_RETRY_MS);
        retry.unref();
      }
      return;
    } finally {
      clearTimeout(timer);
    }
    if (closed || subscriber.status !== 'ready') return;
    onSubscribed();
    subscribed = true;
    settle();
  };

  const onReady = () => void subscribe();
  const onClose = () => {
    subscribed = false;
  };
  const onChannelMessage = (from: string, raw: string) => {
    if (from === channel) onMessage(raw);
  };
  // createRedis logs connection errors; this listener only keeps a bare
  // client from printing "Unhandled error event" while Redis is away.
  const onError = () => {};

  subscriber.on('ready', onReady);
  subscriber.on('close', onClose);
  subscriber.on('message', onChannelMessage);
  subscriber.on('error', onError);
  if (subscriber.status === 'ready') void subscribe();

  return {
    ready() {
      if (subscribed || closed) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    close() {
      closed = true;
      subscribed = false;
      clearTimeout(retry);
      subscriber.off('ready', onReady);
      subscriber.off('close', onClose);
      subscriber.off('message', onChannelMessage);
      settle();
      // The subscriber is ours (made by createSubscriber): no graceful QUIT
      // needed for a connection that only listens.
      subscriber.disconnect();
    },
  };
}
