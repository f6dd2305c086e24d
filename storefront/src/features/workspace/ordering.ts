/*
 * Curated orders (a gallery's works, a work's images, sibling categories)
 * edited without JavaScript: every button posts the whole new order, which
 * the API stores in one step. These compute those orders.
 */

/** `ids` with `id` moved one place earlier (-1) or later (+1); unchanged at either end. */
export function moved(ids: readonly number[], id: number, by: -1 | 1): number[] {
  const next = [...ids];
  const from = next.indexOf(id);
  const to = from + by;
  if (from < 0 || to < 0 || to >= next.length) return next;
  [next[from], next[to]] = [next[to] as number, next[from] as number];
  return next;
}

/** `ids` without `id`. */
export function without(ids: readonly number[], id: number): number[] {
  return ids.filter((x) => x !== id);
}

/** `ids` with `id` added last (once). */
export function withAdded(ids: readonly number[], id: number): number[] {
  return ids.includes(id) ? [...ids] : [...ids, id];
}

/** Ids as a form field carries them: "12,5,9". */
export function idList(ids: readonly number[]): string {
  return ids.join(',');
}

/** A posted id list; null when it is not one (tampered or truncated), [] when empty. */
export function parseIdList(text: string): number[] | null {
  if (text.trim() === '') return [];
  const parts = text.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^[1-9]\d{0,14}$/.test(p))) return null;
  const ids = parts.map(Number);
  return new Set(ids).size === ids.length ? ids : null;
}

/** Whether two orders are the same (the page's view of the list is still current). */
export function sameOrder(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Tree rows: each parent followed by its children, siblings by position
 * (ties keep the given order). A parent missing from the list would hide its
 * children, so they show at the top instead.
 */
export function treeOrder<T extends { slug: string; parentSlug: string | null; position?: number }>(
  items: readonly T[],
): { item: T; depth: number; siblings: T[] }[] {
  const byParent = new Map<string | null, T[]>();
  const slugs = new Set(items.map((i) => i.slug));
  for (const item of items) {
    const parent = item.parentSlug !== null && slugs.has(item.parentSlug) ? item.parentSlug : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), item]);
  }
  for (const list of byParent.values()) list.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const rows: { item: T; depth: number; siblings: T[] }[] = [];
  const walk = (parent: string | null, depth: number) => {
    const siblings = byParent.get(parent) ?? [];
    for (const item of siblings) {
      rows.push({ item, depth, siblings });
      walk(item.slug, depth + 1);
    }
  };
  walk(null, 0);
  return rows;
}
