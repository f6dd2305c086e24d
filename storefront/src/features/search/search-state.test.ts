import assert from 'node:assert/strict';
import { priceBandOf } from '../catalog/price-band.ts';
import {
  excerptRuns,
  orderedValues,
  pagefindQueryOf,
  paramsOf,
  resultSummary,
  type SearchState,
  stateFromParams,
} from './search-state.ts';

const none = { category: [], artist: [], price: [] };
const state = (over: Partial<SearchState> = {}): SearchState => ({
  q: '',
  filters: { ...none },
  sort: '',
  ...over,
});

describe('search state', () => {
  it('when the header form lands with ?q=, then the words are read trimmed and nothing else is set', () => {
    assert.deepEqual(
      stateFromParams(new URLSearchParams('q=%20blue+harbour%20')),
      state({ q: 'blue harbour' }),
    );
  });

  it('when a URL names filters and a sort, then they are read, repeated values once and empty ones dropped', () => {
    const read = stateFromParams(
      new URLSearchParams(
        'category=Painting&category=Collage&category=Painting&artist=&price=Under+%E2%82%AC50&sort=price-desc',
      ),
    );
    assert.deepEqual(read.filters, {
      category: ['Painting', 'Collage'],
      artist: [],
      price: ['Under €50'],
    });
    assert.equal(read.sort, 'price-desc');
  });

  it('when a URL carries an unknown sort, then the best-match order is used', () => {
    assert.equal(stateFromParams(new URLSearchParams('q=x&sort=rating')).sort, '');
  });

  it('when a state is written to the URL and read back, then it is the same state and empty parts are left out', () => {
    const s = state({
      q: 'blue',
      filters: { ...none, artist: ['Ana Lee', 'Bo Kim'] },
      sort: 'price-asc',
    });
    const params = paramsOf(s);
    assert.equal(params.toString(), 'q=blue&artist=Ana+Lee&artist=Bo+Kim&sort=price-asc');
    assert.deepEqual(stateFromParams(params), s);
    assert.equal(paramsOf(state()).toString(), '');
  });
});

describe('search query', () => {
  it('when there are no words, filters or sort, then nothing is searched', () => {
    assert.equal(pagefindQueryOf(state()), null);
  });

  it('when words are typed, then they are the term and no filter or sort is sent', () => {
    assert.deepEqual(pagefindQueryOf(state({ q: 'blue' })), {
      term: 'blue',
      options: { filters: {} },
    });
  });

  it('when values of one filter are ticked, then a product matches any of them, and every filter must match', () => {
    const query = pagefindQueryOf(
      state({ filters: { category: ['Painting', 'Collage'], artist: [], price: ['Under €50'] } }),
    );
    assert.deepEqual(query, {
      term: null,
      options: {
        filters: { category: { any: ['Painting', 'Collage'] }, price: { any: ['Under €50'] } },
      },
    });
  });

  it('when a price sort is chosen without words, then the whole shop is listed in that order', () => {
    assert.deepEqual(pagefindQueryOf(state({ sort: 'price-desc' })), {
      term: null,
      options: { filters: {}, sort: { price: 'desc' } },
    });
    assert.deepEqual(pagefindQueryOf(state({ q: 'blue', sort: 'price-asc' }))?.options.sort, {
      price: 'asc',
    });
  });
});

describe('search display', () => {
  it('when price bands are listed, then they go from cheap to dear, whatever order the index gives', () => {
    const order = [500, 8_000, 30_000, 300_000].map((a) => priceBandOf(a, 'EUR').label);
    const fromIndex = [...order].sort();
    assert.deepEqual(orderedValues('price', [...fromIndex, 'Odd band'], order), [
      ...order,
      'Odd band',
    ]);
  });

  it('when names are listed, then they are in alphabetical order, ignoring case and accents', () => {
    assert.deepEqual(orderedValues('artist', ['émile Zola', 'Bo Kim', 'ana Lee', 'Eve'], []), [
      'ana Lee',
      'Bo Kim',
      'émile Zola',
      'Eve',
    ]);
  });

  it('when results are counted, then the sentence names the words and says when filters apply', () => {
    assert.equal(resultSummary(1, state({ q: 'blue' })), '1 result for “blue”');
    assert.equal(resultSummary(0, state({ q: 'blue' })), '0 results for “blue”');
    assert.equal(
      resultSummary(1234, state({ filters: { ...none, price: ['Under €50'] } })),
      '1,234 results with the filters you chose',
    );
  });

  it('when an excerpt holds page text that looks like HTML, then it stays text and only the marks highlight', () => {
    assert.deepEqual(
      excerptRuns('A <mark>blue</mark> sea <img src=x onerror=alert(1)> <mark>Blue</mark>.'),
      [
        { text: 'A ', mark: false },
        { text: 'blue', mark: true },
        { text: ' sea <img src=x onerror=alert(1)> ', mark: false },
        { text: 'Blue', mark: true },
        { text: '.', mark: false },
      ],
    );
  });
});
