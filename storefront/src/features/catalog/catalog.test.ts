import assert from 'node:assert/strict';
import { CatalogError, formatPrice, parseCatalog } from './catalog.ts';
import { artist, category, collection, exportText, product } from './testing.ts';

describe('catalog: parsing the export', () => {
  it('when a record breaks the contract, then the error names its line and what is wrong', () => {
    const lines = exportText({ products: [product(1), product(2)] }).split('\n');
    const at = lines.findIndex((l) => l.includes('"id":2,') && l.includes('"product"'));
    lines[at] = (lines[at] ?? '').replace(
      '"price":{"amountMinor":10002',
      '"price":{"amountMinor":-5',
    );
    assert.throws(
      () => parseCatalog(lines.join('\n'), 'test.ndjson'),
      (err: unknown) =>
        err instanceof CatalogError && err.message.startsWith(`test.ndjson:${at + 1}: `),
    );
  });

  it('when a line is not JSON, then the error names that line', () => {
    const lines = exportText().split('\n');
    lines.splice(2, 0, '{"type":"category",');
    assert.throws(() => parseCatalog(lines.join('\n'), 'x'), /^CatalogError: x:3: not JSON$/);
  });

  it('when the export has no end record, then it is refused as cut short', () => {
    assert.throws(
      () => parseCatalog(exportText({}, { end: false })),
      (err: unknown) => err instanceof CatalogError && /cut short/.test(err.message),
    );
  });

  it('when a record follows the end record, then it is refused', () => {
    const text = `${exportText()}${JSON.stringify(category(9, null))}\n`;
    assert.throws(() => parseCatalog(text), /after the end record/);
  });

  it('when the export is a delta (removed records), then it is refused: a build needs a full export', () => {
    const text = exportText().replace(
      /\n(\{"type":"end")/,
      `\n${JSON.stringify({ type: 'removed', entity: 'product', id: 7 })}\n$1`,
    );
    assert.throws(() => parseCatalog(text), /delta export/);
  });

  it('when parsed, then every record is indexed by id and the cursor kept', () => {
    const catalog = parseCatalog(
      exportText({
        artists: [artist(1), artist(2)],
        products: [product(1), product(2, { artistId: 2 }), product(3)],
        collections: [collection(5, [3, 1])],
      }),
    );
    assert.equal(catalog.cursor, '42');
    assert.equal(catalog.shop.name, 'Test Gallery');
    assert.deepEqual([...catalog.productById.keys()], [1, 2, 3]);
    assert.equal(catalog.artistById.get(2)?.name, 'Artist 2');
    assert.equal(catalog.collectionById.get(5)?.title, 'Collection 5');
    assert.deepEqual(
      catalog.productsOfCollection(5).map((p) => p.id),
      [3, 1],
      'curated order, not id order',
    );
    assert.deepEqual(
      catalog.productsOfArtist(1).map((p) => p.id),
      [3, 1],
      'newest first',
    );
    assert.deepEqual(catalog.productsOfArtist(99), []);
  });

  it('when categories nest, then a category lists its own products and all its descendants’, and children come in display order', () => {
    const catalog = parseCatalog(
      exportText({
        categories: [
          category(1, null, 'Art'),
          category(2, 1, 'Painting', 1),
          category(3, 2, 'Oil', 0),
          category(4, 1, 'Prints', 0),
          category(5, null, 'Books', 1),
        ],
        products: [
          product(1, { categoryId: 3 }),
          product(2, { categoryId: 2 }),
          product(3, { categoryId: 4 }),
          product(4, { categoryId: 5 }),
          product(5, { categoryId: null }),
        ],
      }),
    );
    const ids = (categoryId: number) => catalog.productsOfCategory(categoryId).map((p) => p.id);
    assert.deepEqual(ids(1), [3, 2, 1]);
    assert.deepEqual(ids(2), [2, 1]);
    assert.deepEqual(ids(3), [1]);
    assert.deepEqual(ids(5), [4]);
    assert.deepEqual(
      catalog.childrenOf(1).map((c) => c.name),
      ['Prints', 'Painting'],
    );
    assert.deepEqual(
      catalog.childrenOf(null).map((c) => c.name),
      ['Art', 'Books'],
    );
  });
});

describe('catalog: prices', () => {
  it('when formatted, then minor units become the currency’s amount', () => {
    assert.equal(formatPrice(179_000, 'EUR'), '€1,790.00');
    assert.equal(formatPrice(2_500, 'GBP'), '£25.00');
  });

  it('when currencies and locales alternate, then each price keeps its own (formatters are reused per pair)', () => {
    const twice = () => [
      formatPrice(179_000, 'EUR', 'de-DE'),
      formatPrice(179_000, 'EUR'),
      formatPrice(2_500, 'USD', 'en-US'),
      formatPrice(2_500, 'GBP'),
    ];
    const expected = ['1.790,00\u00a0€', '€1,790.00', '$25.00', '£25.00'];
    assert.deepEqual(twice(), expected);
    assert.deepEqual(twice(), expected);
  });
});
