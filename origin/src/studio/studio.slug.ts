/** Longest base slug; room is left for a `-<n>` suffix within the column's 120 characters. */
const MAX_BASE = 100;

/**
 * A URL slug from a title: accents folded (Café → cafe), anything else that
 * is not a-z or 0-9 becomes a single dash. A title with no Latin letters or
 * digits at all gives `work`, made unique by the suffix like any other.
 */
export function slugify(title: string): string {
  const base = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_BASE)
    .replace(/^-+|-+$/g, '');
  return base || 'work';
}

/** `base` when free, else `base-2`, `base-3`… the first not in `taken`. */
export function firstFreeSlug(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate)) return candidate;
  }
}
