import assert from 'node:assert/strict';
import { brandingOf } from '../shop/shop.ts';
import { parseCatalog } from './catalog.ts';
import {
  attributeRows,
  categoryTrail,
  collectionsOf,
  coverOf,
  excerpt,
  initialOf,
  listingPaths,
  makersAlphabetically,
  moreByMaker,
  PAGE_SIZE,
  paragraphs,
  productsByIds,
} from './listing.ts';
import { artist, category, collection, exportText, product } from './testing.ts';

describe('catalogue pages: what they list', () => {
  it('when a category is nested, then its trail runs from the top category down to it', () => {
    const catalog = parseCatalog(
      exportText({
        categories: [category(1, null, 'Art'), category(2, 1, 'Painting'), category(3, 2, 'Oil')],
      }),
    );
    assert.deepEqual(
      categoryTrail(catalog, 3).map((c) => c.name),
      ['Art', 'Painting', 'Oil'],
    );
    assert.deepEqual(categoryTrail(catalog, null), []);
    assert.deepEqual(categoryTrail(catalog, 99), []);
  });

  it('when makers are listed, then they come alphabetically whatever their accents or case, filed under plain initials', () => {
    const sorted = makersAlphabetically([
      artist(1, 'Søren Weiss'),
      artist(2, 'ada Lind'),
      artist(3, 'Émile Roux'),
      artist(4, 'Bea Holm'),
      artist(5, 'Øystein Berg'),
    ]).map((a) => a.name);
    assert.deepEqual(sorted, ['ada Lind', 'Bea Holm', 'Émile Roux', 'Øystein Berg', 'Søren Weiss']);
    assert.deepEqual(['Émile', 'Øystein', 'ada', '3 Hands'].map(initialOf), ['E', 'O', 'A', '#']);
  });

  it('when a maker has other products, then up to four others are suggested, never the product itself', () => {
    const products = Array.from({ length: 7 }, (_, i) => product(i + 1));
    products.push(product(8, { artistId: null }));
    const catalog = parseCatalog(exportText({ products }));
    const more = moreByMaker(catalog, products[6] ?? product(7));
    assert.deepEqual(
      more.map((p) => p.id),
      [6, 5, 4, 3],
    );
    assert.deepEqual(moreByMaker(catalog, product(8, { artistId: null })), []);
  });

  it('when a product is in collections, then they come in the shop’s order and the cover is the first product’s picture', () => {
    const catalog = parseCatalog(
      exportText({
        products: [
          product(1, {
            collections: [
              { id: 7, position: 0 },
              { id: 6, position: 1 },
            ],
          }),
          product(2, { images: [] }),
        ],
        collections: [collection(6, [2, 1], 0), collection(7, [1], 1), collection(8, [], 2)],
      }),
    );
    assert.deepEqual(
      collectionsOf(catalog, catalog.productById.get(1) ?? product(1)).map((c) => c.id),
      [6, 7],
    );
    const six = catalog.collectionById.get(6);
    const eight = catalog.collectionById.get(8);
    assert.ok(six && eight);
    assert.equal(
      coverOf(catalog, six)?.url,
      '/media/products/work-1-1.svg',
      'skips a product without pictures',
    );
    assert.equal(coverOf(catalog, eight), undefined);
  });

  it('when the home lists ids, then they resolve in order, unknown ones skipped, cut at the limit', () => {
    const catalog = parseCatalog(exportText({ products: [product(1), product(2), product(3)] }));
    assert.deepEqual(
      productsByIds(catalog, [3, 99, 1, 2], 2).map((p) => p.id),
      [3, 1],
    );
  });

  it('when a listing is long, then its later pages live under its path', () => {
    assert.deepEqual(listingPaths('/categories/oil/', 0), ['/categories/oil/']);
    assert.deepEqual(listingPaths('/categories/oil/', PAGE_SIZE), ['/categories/oil/']);
    assert.deepEqual(listingPaths('/categories/oil/', PAGE_SIZE * 2 + 1), [
      '/categories/oil/',
      '/categories/oil/2/',
      '/categories/oil/3/',
    ]);
  });

  it('when attributes are shown, then they follow the shop’s order and labels, and unset ones are left out', () => {
    const branding = brandingOf({
      type: 'shop',
      formatVersion: 1,
      kind: 'watches',
      name: 'Tick',
      currency: 'CHF',
      makerNoun: 'watchmaker',
      attributeKeys: ['movement', 'caseDiameterMm', 'strap', 'limited'],
    });
    const rows = attributeRows(
      product(1, {
        attributes: { limited: true, caseDiameterMm: 39, movement: 'Automatic', colour: 'Red' },
      }),
      branding.attributes,
    );
    assert.deepEqual(rows, [
      { label: 'Movement', value: 'Automatic' },
      { label: 'Case diameter (mm)', value: '39' },
      { label: 'Limited', value: 'Yes' },
    ]);
  });

  it('when a description has blank lines, then it becomes paragraphs; a summary is cut at a word with an ellipsis', () => {
    assert.deepEqual(paragraphs('One\nline.\n\n  Two.  \n\n\n'), ['One line.', 'Two.']);
    assert.equal(excerpt('Short.'), 'Short.');
    const long = excerpt('word '.repeat(100), 30);
    assert.ok(long.length <= 30, long);
    assert.match(long, /^(word )*word…$/);
  });
});
