/*
 * What the search page shows, as plain data: read from and written to the
 * URL (so the header's `/search/?q=…`, a shared link or a reload land on the
 * same results) and turned into a Pagefind query. No DOM here: the page's
 * script (search.client.ts) and the tests share it.
 */

/** The filters the product pages carry (`data-pagefind-filter`), in the order the page shows them. */
export const FILTER_KEYS = ['category', 'artist', 'price'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export const SORT_ORDERS = ['', 'price-asc', 'price-desc'] as const;
/** '' is Pagefind's relevance order. */
export type SortOrder = (typeof SORT_ORDERS)[number];

export interface SearchState {
  /** The words typed, trimmed. */
  q: string;
  /** Chosen values per filter: a page matches any chosen value of a filter, and every filter. */
  filters: Record<FilterKey, string[]>;
  sort: SortOrder;
}

/** How many results a page of results holds ("Show more" adds as many again). */
export const PAGE_SIZE = 12;

/** The state a URL describes; unknown parameters and sort orders are ignored. */
export function stateFromParams(params: URLSearchParams): SearchState {
  const sort = params.get('sort') ?? '';
  const unique = (values: string[]) => [...new Set(values.filter((v) => v !== ''))];
  return {
    q: (params.get('q') ?? '').trim(),
    filters: {
      category: unique(params.getAll('category')),
      artist: unique(params.getAll('artist')),
      price: unique(params.getAll('price')),
    },
    sort: (SORT_ORDERS as readonly string[]).includes(sort) ? (sort as SortOrder) : '',
  };
}

/** The query string for a state, without empty parameters: `q`, then filters, then sort. */
export function paramsOf(state: SearchState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  for (const key of FILTER_KEYS) for (const value of state.filters[key]) params.append(key, value);
  if (state.sort) params.set('sort', state.sort);
  return params;
}

export function hasFilters(state: SearchState): boolean {
  return FILTER_KEYS.some((key) => state.filters[key].length > 0);
}

/** The arguments of Pagefind's `search(term, options)`. */
export interface PagefindQuery {
  /** null searches by filters (or sort) alone: every product that passes them. */
  term: string | null;
  options: {
    filters: Partial<Record<FilterKey, { any: string[] }>>;
    sort?: { price: 'asc' | 'desc' };
  };
}

/**
 * The Pagefind query for a state, or null when there is nothing to search for
 * (no words, no filter, no sort): the page then asks for words instead of
 * listing the whole shop.
 */
export function pagefindQueryOf(state: SearchState): PagefindQuery | null {
  if (!state.q && !hasFilters(state) && !state.sort) return null;
  const filters: PagefindQuery['options']['filters'] = {};
  for (const key of FILTER_KEYS) {
    if (state.filters[key].length > 0) filters[key] = { any: state.filters[key] };
  }
  return {
    term: state.q || null,
    options: {
      filters,
      ...(state.sort ? { sort: { price: state.sort === 'price-asc' ? 'asc' : 'desc' } } : {}),
    },
  };
}

/**
 * A filter's values in the order a shopper expects: price bands from cheap
 * to dear (`priceOrder`, the bands' labels in that order; a label it lacks goes
 * last), names alphabetically.
 */
export function orderedValues(key: FilterKey, values: string[], priceOrder: string[]): string[] {
  if (key === 'price') {
    const rank = (label: string) => {
      const i = priceOrder.indexOf(label);
      return i === -1 ? priceOrder.length : i;
    };
    return [...values].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }
  return [...values].sort(new Intl.Collator('en', { sensitivity: 'base' }).compare);
}

/** The sentence the live region announces after a search. */
export function resultSummary(count: number, state: SearchState): string {
  const results = count === 1 ? '1 result' : `${count.toLocaleString('en-GB')} results`;
  const filtered = hasFilters(state) ? ' with the filters you chose' : '';
  return state.q ? `${results} for “${state.q}”${filtered}` : `${results}${filtered}`;
}

/**
 * An excerpt Pagefind marked up, as text runs to show plainly or highlighted.
 * Pagefind wraps matches in <mark> but leaves the page text itself unescaped,
 * so it is split here and never inserted as HTML.
 */
export function excerptRuns(excerpt: string): { text: string; mark: boolean }[] {
  const runs: { text: string; mark: boolean }[] = [];
  let mark = false;
  for (const part of excerpt.split(/(<\/?mark>)/)) {
    if (part === '<mark>') mark = true;
    else if (part === '</mark>') mark = false;
    else if (part !== '') runs.push({ text: part, mark });
  }
  return runs;
}
