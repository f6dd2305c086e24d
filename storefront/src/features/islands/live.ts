import { api } from './api.ts';
import { createBatcher } from './batch.ts';
import { availabilityPath, MAX_AVAILABILITY_IDS, type ProductAvailability } from './stock.ts';

/*
 * Live stock and price for the page, shared by every element that shows or
 * depends on them (price, availability, add to cart): each product is asked
 * for once, all of them in one GET /api/v1/availability per flush (more
 * than 100: one per 100), once the page is idle. The answers are asked for
 * again when the shopper comes back to a tab after REFRESH_AFTER_MS.
 */

/** Coming back to the tab after this long refreshes what the page shows. */
const REFRESH_AFTER_MS = 60_000;

type Listener = (item: ProductAvailability) => void;

const listeners = new Map<number, Set<Listener>>();
const known = new Map<number, ProductAvailability>();
/** Ids fetched or on their way, so a product on the page twice is asked for once. */
const asked = new Set<number>();
let loadedAt = 0;
let watchingReturns = false;

/** Idle time after the page's own work; Safari has no requestIdleCallback. */
function whenIdle(callback: () => void): void {
  if ('requestIdleCallback' in window) requestIdleCallback(callback, { timeout: 2000 });
  else setTimeout(callback, 200);
}

const batcher = createBatcher<number>({
  max: MAX_AVAILABILITY_IDS,
  schedule: whenIdle,
  run: (ids) => void load(ids),
});

async function load(ids: number[]): Promise<void> {
  try {
    const answer = await api.get<{ items: ProductAvailability[] }>(availabilityPath(ids));
    loadedAt = Date.now();
    for (const item of answer.items) publish(item);
  } catch {
    // The printed price stays and the form still posts: live data is a bonus. Retried on return.
    for (const id of ids) asked.delete(id);
  }
}

function ask(id: number): void {
  asked.add(id);
  batcher.add(id);
}

/** Tells every element of the product; also used when an add to cart learns it sold out. */
export function publish(item: ProductAvailability): void {
  known.set(item.id, item);
  for (const listener of listeners.get(item.id) ?? []) listener(item);
}

export function knownAvailability(id: number): ProductAvailability | undefined {
  return known.get(id);
}

function refreshWhenBack(): void {
  const refresh = () => {
    if (Date.now() - loadedAt < REFRESH_AFTER_MS) return;
    for (const id of listeners.keys()) ask(id);
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refresh();
  });
  // Back/forward cache: the page comes back as it was left, maybe hours ago.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) refresh();
  });
}

/** Calls `listener` with the product's live data, now if known and on every update; returns the unsubscribe. */
export function watchAvailability(id: number, listener: Listener): () => void {
  if (!watchingReturns) {
    watchingReturns = true;
    refreshWhenBack();
  }
  let set = listeners.get(id);
  if (!set) {
    set = new Set();
    listeners.set(id, set);
  }
  set.add(listener);
  const current = known.get(id);
  if (current) listener(current);
  else if (!asked.has(id)) ask(id);
  return () => {
    set.delete(listener);
    if (set.size === 0) listeners.delete(id);
  };
}
