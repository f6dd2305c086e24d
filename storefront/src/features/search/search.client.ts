/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import {
  excerptRuns,
  FILTER_KEYS,
  type FilterKey,
  hasFilters,
  orderedValues,
  PAGE_SIZE,
  type PagefindQuery,
  pagefindQueryOf,
  paramsOf,
  resultSummary,
  type SearchState,
  stateFromParams,
} from './search-state.ts';

/*
 * The search page in the browser: Pagefind's small JS API (its runtime and
 * WebAssembly core, fetched from /pagefind/ only on this page) under the
 * page's own markup. Every control is a field of one GET form, so the URL,
 * the form and the results always agree.
 */

/** The part of Pagefind's browser API this page uses (pagefind.js ships no types). */
interface Pagefind {
  options(options: { excerptLength?: number }): Promise<void>;
  filters(): Promise<FilterCounts>;
  search(
    term: string | null,
    options: PagefindQuery['options'],
  ): Promise<{ results: PagefindResult[]; totalFilters: FilterCounts }>;
}
type FilterCounts = Partial<Record<string, Record<string, number>>>;
interface PagefindResult {
  data(): Promise<{
    url: string;
    excerpt: string;
    meta: Partial<Record<string, string>>;
    filters: Partial<Record<string, string[]>>;
  }>;
}

// A variable, and @vite-ignore, so the bundler leaves the import to the browser:
// the file exists only after the build has indexed the pages.
const PAGEFIND_URL = '/pagefind/pagefind.js';
const TYPING_PAUSE_MS = 250;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = byId<HTMLFormElement>('search-form');
const input = byId<HTMLInputElement>('search-q');
const ui = byId<HTMLDivElement>('search-ui');
const filtersBox = byId<HTMLDetailsElement>('search-filters');
const clearButton = byId<HTMLButtonElement>('search-clear');
const status = byId<HTMLParagraphElement>('search-status');
const list = byId<HTMLOListElement>('search-results');
const shownLine = byId<HTMLParagraphElement>('search-shown');
const moreButton = byId<HTMLButtonElement>('search-more');
const empty = byId<HTMLDivElement>('search-empty');
const failure = byId<HTMLDivElement>('search-error');
const priceOrder = JSON.parse(form.dataset.priceOrder ?? '[]') as string[];
const pageTitle = document.title;

/** Loaded once the page starts; until then typing just fills the box. */
let pagefind: Pagefind | undefined;
/** Filter counts of the whole index, shown while nothing is searched. */
let wholeShop: FilterCounts = {};
let results: PagefindResult[] = [];
let shown = 0;
/** Bumped by every search, so an answer that arrives after a newer search is dropped. */
let generation = 0;

function stateFromForm(): SearchState {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string') params.append(name, value);
  }
  return stateFromParams(params);
}

function fieldsetOf(key: FilterKey): HTMLFieldSetElement {
  return form.querySelector(`fieldset[data-filter="${key}"]`) as HTMLFieldSetElement;
}

/** One checkbox per value in the index; values the URL names but the index lacks are dropped. */
function renderFilters(counts: FilterCounts, state: SearchState): void {
  for (const key of FILTER_KEYS) {
    const fieldset = fieldsetOf(key);
    const values = orderedValues(key, Object.keys(counts[key] ?? {}), priceOrder);
    const options = values.map((value, i) => {
      const id = `search-${key}-${i}`;
      const option = document.createElement('div');
      option.className = 'search-option';
      const box = Object.assign(document.createElement('input'), {
        type: 'checkbox',
        id,
        name: key,
        value,
        checked: state.filters[key].includes(value),
      });
      const label = Object.assign(document.createElement('label'), { htmlFor: id });
      const count = Object.assign(document.createElement('span'), { className: 'search-count' });
      label.append(value, ' ', count);
      option.append(box, label);
      return option;
    });
    fieldset.querySelector('.search-options')?.replaceChildren(...options);
  }
  wholeShop = counts;
  updateCounts(counts);
}

/**
 * Counts beside each value: how many results it has for the words typed,
 * whatever else is ticked. Values with none are put away unless ticked, so a
 * long list of makers shrinks to the ones that matter.
 */
function updateCounts(counts: FilterCounts): void {
  for (const box of form.querySelectorAll<HTMLInputElement>('.search-option input')) {
    const n = counts[box.name]?.[box.value] ?? 0;
    const option = box.parentElement as HTMLElement;
    option.hidden = n === 0 && !box.checked;
    const count = option.querySelector('.search-count');
    if (count) count.textContent = `(${n})`;
  }
  for (const key of FILTER_KEYS) {
    const fieldset = fieldsetOf(key);
    fieldset.hidden = !fieldset.querySelector('.search-option:not([hidden])');
  }
}

function renderResult(data: Awaited<ReturnType<PagefindResult['data']>>): HTMLLIElement {
  const item = Object.assign(document.createElement('li'), { className: 'card search-result' });
  const link = Object.assign(document.createElement('a'), { href: data.url });
  const media = Object.assign(document.createElement('div'), { className: 'card-media' });
  if (data.meta.image) {
    // The title beside it names the link, so the picture is decorative here.
    media.append(
      Object.assign(document.createElement('img'), {
        src: data.meta.image,
        alt: '',
        width: 400,
        height: 500,
        loading: 'lazy',
        decoding: 'async',
      }),
    );
  }
  const title = Object.assign(document.createElement('h3'), {
    className: 'card-title',
    textContent: data.meta.title ?? data.url,
  });
  link.append(media, title);
  item.append(link);
  // The maker, then the price band: what a shopper scans a list of works by.
  for (const text of [data.filters.artist?.[0], data.filters.price?.[0]]) {
    if (text) {
      item.append(
        Object.assign(document.createElement('p'), { className: 'card-meta', textContent: text }),
      );
    }
  }
  const excerpt = Object.assign(document.createElement('p'), { className: 'search-excerpt' });
  for (const run of excerptRuns(data.excerpt)) {
    excerpt.append(
      run.mark
        ? Object.assign(document.createElement('mark'), { textContent: run.text })
        : run.text,
    );
  }
  item.append(excerpt);
  return item;
}

async function showMore(moveFocus: boolean): Promise<void> {
  const mine = generation;
  const batch = results.slice(shown, shown + PAGE_SIZE);
  const data = await Promise.all(batch.map((r) => r.data()));
  if (mine !== generation) return;
  const items = data.map(renderResult);
  list.append(...items);
  shown += items.length;
  moreButton.hidden = shown >= results.length;
  shownLine.hidden = results.length <= PAGE_SIZE;
  shownLine.textContent = `Showing ${shown} of ${results.length}`;
  // Keyboard and screen reader users continue at the first new result, not back at the button.
  if (moveFocus) items[0]?.querySelector('a')?.focus();
}

function showFailure(): void {
  ui.hidden = true;
  failure.hidden = false;
}

async function run(engine: Pagefind, state: SearchState): Promise<void> {
  const mine = ++generation;
  const query = paramsOf(state).toString();
  history.replaceState(null, '', query ? `?${query}` : location.pathname);
  document.title = state.q ? `“${state.q}” · ${pageTitle}` : pageTitle;
  clearButton.hidden = !hasFilters(state);
  const pagefindQuery = pagefindQueryOf(state);
  const found = pagefindQuery
    ? await engine.search(pagefindQuery.term, pagefindQuery.options)
    : null;
  if (mine !== generation) return;
  results = found?.results ?? [];
  shown = 0;
  list.replaceChildren();
  moreButton.hidden = true;
  shownLine.hidden = true;
  // Without words Pagefind's totalFilters are all zero; the whole shop's counts are the same thing.
  updateCounts(found && pagefindQuery?.term ? found.totalFilters : wholeShop);
  empty.hidden = !found || results.length > 0;
  (empty.querySelector('[data-when-filtered]') as HTMLElement).hidden = !hasFilters(state);
  list.setAttribute('aria-busy', 'true');
  await showMore(false);
  list.removeAttribute('aria-busy');
  if (mine !== generation) return;
  status.textContent = found
    ? resultSummary(results.length, state)
    : 'Type what you are looking for, or choose a filter.';
}

/** Runs a search; a failure (the index unreachable mid-visit) replaces the page's search with a notice. */
function search(): void {
  if (pagefind) run(pagefind, stateFromForm()).catch(showFailure);
}

let typingTimer: ReturnType<typeof setTimeout> | undefined;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(typingTimer);
  search();
});
input.addEventListener('input', () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(search, TYPING_PAUSE_MS);
});
form.addEventListener('change', (event) => {
  // The text box's change (on leaving it) is already covered by typing and submitting.
  if (event.target !== input) search();
});
clearButton.addEventListener('click', () => {
  for (const box of form.querySelectorAll<HTMLInputElement>('.search-option input')) {
    box.checked = false;
  }
  search();
  input.focus();
});
moreButton.addEventListener('click', () => {
  showMore(true).catch(showFailure);
});

async function start(): Promise<void> {
  const state = stateFromParams(new URLSearchParams(location.search));
  input.value = state.q;
  byId<HTMLSelectElement>('search-sort').value = state.sort;
  // On a phone the filters would push the results below the fold: start them folded.
  if (matchMedia('(max-width: 47.99rem)').matches) filtersBox.open = false;
  ui.hidden = false;
  try {
    const engine = (await import(/* @vite-ignore */ PAGEFIND_URL)) as Pagefind;
    await engine.options({ excerptLength: 18 });
    renderFilters(await engine.filters(), state);
    pagefind = engine;
  } catch {
    showFailure();
    return;
  }
  search();
}

void start();
