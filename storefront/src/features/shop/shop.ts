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
  Pick<Branding, 'tagline' | 'accent' | 'collectionNoun' | 'collectionNounPlural'>
> = {
  gallery: {
    tagline: 'Original and digital works by independent artists',
    accent: '#8a3416',
    collectionNoun: 'Gallery',
    collectionNounPlural: 'Galleries',
  },
  bookstore: {
    tagline: 'Books chosen by people who read them',
    accent: '#1d5c46',
    collectionNoun: 'Shelf',
    collectionNounPlural: 'Shelves',
  },
  watches: {
    tagline: 'Mechanical watches from independent makers',
    accent: '#1f4e79',
    collectionNoun: 'Collection',
    collectionNounPlural: 'Collections',
  },
  accessories: {
    tagline: 'Cases, cables and chargers that last',
    accent: '#6b3fa0',
    collectionNoun: 'Collection',
    collectionNounPlural: 'Collections',
  },
  other: {
    tagline: 'An independent shop',
    accent: '#333333',
    collectionNoun: 'Collection',
    collectionNounPlural: 'Collections',
  },
};

/** "edition_size" → "Edition size". */
export function attributeLabel(key: string): string {
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
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
