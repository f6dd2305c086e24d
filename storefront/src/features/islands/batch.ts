/*
 * Many elements on a page want data about their product; the page should
 * ask once. Elements `add` their key as they connect (all the page's
 * elements connect in one go when the script defines them, and more when a
 * "show more" appends cards), and one scheduled flush sends them together,
 * in chunks the API accepts.
 */

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

export interface BatcherOptions<K> {
  /** Most keys per call of `run`. */
  max: number;
  /** Calls `flush` later (idle callback, animation frame, microtask); once per batch. */
  schedule(flush: () => void): void;
  /** Loads one chunk of keys, each key once. */
  run(keys: K[]): void;
}

export interface Batcher<K> {
  add(key: K): void;
}

export function createBatcher<K>(options: BatcherOptions<K>): Batcher<K> {
  const pending = new Set<K>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const keys = [...pending];
    pending.clear();
    for (const part of chunk(keys, options.max)) options.run(part);
  };
  return {
    add(key) {
      pending.add(key);
      if (scheduled) return;
      scheduled = true;
      options.schedule(flush);
    },
  };
}
