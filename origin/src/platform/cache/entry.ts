/**
 * What both tiers hold for one key. Times are epoch milliseconds from
 * `Date.now()`, not `performance.now()`, because L2 entries are read by other
 * processes (clocks kept within milliseconds by NTP, which is far below any TTL).
 */
export interface StoredEntry {
  /** The value, serialised once with `JSON.stringify` and parsed on every read. */
  readonly json: string;
  /** Fresh until then; after it a read refreshes (L1: from L2; L2: from the loader). */
  readonly freshUntil: number;
  /** Usable as a stale fallback until then (fresh time + grace); the tiers drop it after. */
  readonly graceUntil: number;
  /** Tags the value was stored with, so any process that holds it can index it. */
  readonly tags: readonly string[];
}

/** An L1 entry: a stored entry plus this process's fail-safe backoff. */
export interface LocalEntry extends StoredEntry {
  /**
   * Set after the loader failed and the stale value was served: until then,
   * readers get the stale value without calling the loader again.
   */
  readonly retryAt?: number;
}

/**
 * The L2 payload: a one-line JSON header (times and tags), a newline, then the
 * value's JSON as it is. The value is never JSON-encoded twice, and L1 can keep
 * the very same string. `JSON.stringify` never emits a raw newline, so the first
 * newline always ends the header.
 */
export function encodeEntry(entry: StoredEntry): string {
  const header: { f: number; g: number; t?: readonly string[] } = {
    f: entry.freshUntil,
    g: entry.graceUntil,
  };
  if (entry.tags.length > 0) header.t = entry.tags;
  return `${JSON.stringify(header)}\n${entry.json}`;
}

/** Reads an L2 payload; undefined when it is not one of ours (treated as a miss). */
export function decodeEntry(raw: string): StoredEntry | undefined {
  const newline = raw.indexOf('\n');
  if (newline < 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(raw.slice(0, newline));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null) return undefined;
  const { f, g, t } = header as { f?: unknown; g?: unknown; t?: unknown };
  if (typeof f !== 'number' || typeof g !== 'number') return undefined;
  const tags = Array.isArray(t) ? t.filter((tag): tag is string => typeof tag === 'string') : [];
  return { json: raw.slice(newline + 1), freshUntil: f, graceUntil: g, tags };
}
