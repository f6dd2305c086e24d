import type { Shop } from '../catalog/catalog.ts';

/*
 * Branding: what makes the same pages a gallery, a bookstore, a watch shop or
 * an accessories shop. Defaults per shop kind; the name, tagline and accent
 * can be overridden by configuration (SHOP_NAME, SHOP_TAGLINE, SHOP_ACCENT in
 * astro.config.ts). Which product attributes show, and what makers are called,
 * come from the export's shop record (the shop's own data).
 */

export interface Branding {
  name: string;
  tagline: string;
  /** CSS colour of links, buttons and focus rings (contrast ≥ 4.5:1 on white). */
  accent: string;
  /** What a collection is called here: "Gallery", "Shelf", "Collection". */
  collectionNoun: string;
  collectionNounPlural: string;
  /** What one product is called in running text: "work", "book", "watch", "product". */
  productNoun: string;
  productNounPlural: string;
  /** What a maker is called: "artist", "author", "watchmaker", "brand". */
  makerNoun: string;
  makerNounPlural: string;
  /** Product attribute keys a product page shows, in order, with their labels. */
  attributes: { key: string; label: string }[];
  currency: string;
  locale: string;
}

type Kind = NonNullable<Shop['kind']>;

const KIND_DEFAULTS: Record<
  Kind | 'other',
  Pick<
    Branding,
    | 'tagline'
    | 'accent'
    | 'collectionNoun'
    | 'collectionNounPlural'
    | 'productNoun'
    | 'productNounPlural'
  >
> = {
  gallery: {
    tagline: 'Original and digital works by independent artists',
    accent: '#8a3416',
    collectionNoun: 'Gallery',
    collectionNounPlural: 'Galleries',
    productNoun: 'work',
    productNounPlural: 'works',
  },
  bookstore: {
    tagline: 'Books chosen by people who read them',
    accent: '#1d5c46',
    collectionNoun: 'Shelf',
    collectionNounPlural: 'Shelves',
    productNoun: 'book',
    productNounPlural: 'books',
  },
  watches: {
    tagline: 'Mechanical watches from independent makers',
    accent: '#1f4e79',
    collectionNoun: 'Collection',
    collectionNounPlural: 'Collections',
    productNoun: 'watch',
    productNounPlural: 'watches',
  },
  accessories: {
    tagline: 'Cases, cables and chargers that last',
    accent: '#6b3fa0',
    collectionNoun: 'Collection',
    collectionNounPlural: 'Collections',
    productNoun: 'product',
    productNounPlural: 'products',
  },
  other: {
    tagline: 'An independent shop',
    accent: '#333333',
    collectionNoun: 'Collection',
    collectionNounPlural: 'Collections',
    productNoun: 'product',
    productNounPlural: 'products',
  },
};

/** Abbreviations shoppers read in capitals. */
const ACRONYMS = new Set(['isbn', 'ean', 'sku', 'usb', 'gtin']);
/** A trailing unit in a key ("caseDiameterMm") becomes "(mm)" in the label. */
const UNITS = new Map([
  ['mm', 'mm'],
  ['cm', 'cm'],
  ['m', 'm'],
  ['g', 'g'],
  ['kg', 'kg'],
  ['ml', 'ml'],
  ['mah', 'mAh'],
  ['w', 'W'],
]);

/** "edition_size" → "Edition size", "caseDiameterMm" → "Case diameter (mm)", "isbn" → "ISBN". */
export function attributeLabel(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  const last = words.at(-1);
  const unit = words.length > 1 && last ? UNITS.get(last) : undefined;
  if (unit) words.pop();
  const label = words.map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w)).join(' ');
  const sentence = label.charAt(0).toUpperCase() + label.slice(1);
  return unit ? `${sentence} (${unit})` : sentence;
}

const plural = (noun: string) => (noun.endsWith('s') ? noun : `${noun}s`);

export function brandingOf(
  shop: Shop,
  overrides: {
    name?: string | undefined;
    tagline?: string | undefined;
    accent?: string | undefined;
  } = {},
): Branding {
  const defaults = KIND_DEFAULTS[shop.kind ?? 'other'];
  return {
    ...defaults,
    name: overrides.name || shop.name,
    tagline: overrides.tagline || defaults.tagline,
    accent: overrides.accent || defaults.accent,
    makerNoun: shop.makerNoun,
    makerNounPlural: plural(shop.makerNoun),
    attributes: shop.attributeKeys.map((key) => ({ key, label: attributeLabel(key) })),
    currency: shop.currency,
    locale: 'en-GB',
  };
}
