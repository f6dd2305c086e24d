import assert from 'node:assert/strict';
import type { Shop } from '../catalog/catalog.ts';
import { attributeLabel, brandingOf } from './shop.ts';

const shop = (kind: Shop['kind'], extra: Partial<Shop> = {}): Shop => ({
  type: 'shop',
  formatVersion: 1,
  kind,
  name: 'A Shop',
  currency: 'EUR',
  makerNoun: 'maker',
  attributeKeys: [],
  ...extra,
});

describe('shop branding', () => {
  it('when built for each kind, then the words and colours are that kind’s', () => {
    const words = (kind: Shop['kind']) => {
      const b = brandingOf(shop(kind));
      return [b.collectionNoun, b.collectionNounPlural, b.productNounPlural];
    };
    assert.deepEqual(words('gallery'), ['Gallery', 'Galleries', 'works']);
    assert.deepEqual(words('bookstore'), ['Shelf', 'Shelves', 'books']);
    assert.deepEqual(words('watches'), ['Collection', 'Collections', 'watches']);
    assert.deepEqual(words('accessories'), ['Collection', 'Collections', 'products']);
    assert.deepEqual(words(null), ['Collection', 'Collections', 'products']);
    const accents = new Set(
      (['gallery', 'bookstore', 'watches', 'accessories'] as const).map(
        (k) => brandingOf(shop(k)).accent,
      ),
    );
    assert.equal(accents.size, 4, 'each kind has its own accent');
  });

  it('when any kind’s accent colours text on white or white on it, then the contrast is at least 4.5:1', () => {
    const luminance = (hex: string) => {
      const [r = 0, g = 0, b = 0] = [1, 3, 5].map((i) => {
        const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const kind of ['gallery', 'bookstore', 'watches', 'accessories', null] as const) {
      const { accent } = brandingOf(shop(kind));
      const ratio = 1.05 / (luminance(accent) + 0.05);
      assert.ok(ratio >= 4.5, `${kind}: ${accent} on white is ${ratio.toFixed(2)}:1`);
    }
  });

  it('when the export names the makers and attributes, then branding follows the shop’s data', () => {
    const b = brandingOf(
      shop('watches', {
        name: 'Tick',
        currency: 'CHF',
        makerNoun: 'watchmaker',
        attributeKeys: ['movement', 'caseDiameterMm'],
      }),
    );
    assert.equal(b.name, 'Tick');
    assert.equal(b.currency, 'CHF');
    assert.equal(b.makerNoun, 'watchmaker');
    assert.equal(b.makerNounPlural, 'watchmakers');
    assert.deepEqual(b.attributes, [
      { key: 'movement', label: 'Movement' },
      { key: 'caseDiameterMm', label: 'Case diameter (mm)' },
    ]);
  });

  it('when configuration overrides name, tagline or accent, then they win; empty values do not', () => {
    const b = brandingOf(shop('gallery'), { name: 'Lumen', tagline: '', accent: '#123456' });
    assert.equal(b.name, 'Lumen');
    assert.equal(b.tagline, brandingOf(shop('gallery')).tagline);
    assert.equal(b.accent, '#123456');
  });

  it('when attribute keys are snake, kebab or camel case, then labels read as words', () => {
    assert.equal(attributeLabel('edition_size'), 'Edition size');
    assert.equal(attributeLabel('water-resistance-m'), 'Water resistance (m)');
    assert.equal(attributeLabel('waterResistanceM'), 'Water resistance (m)');
    assert.equal(attributeLabel('isbn'), 'ISBN');
    assert.equal(attributeLabel('m'), 'M', 'a lone unit stays a word');
  });
});
