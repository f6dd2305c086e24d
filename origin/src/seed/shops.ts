import type { SHOPS } from '../config.ts';
import type { ProductKind } from '../platform/db/models.ts';
import {
  type ArtworkSpec,
  article,
  type Colour,
  describeComposition,
  MOTIFS,
  type Motif,
  PALETTES,
  type Palette,
  varyPalette,
  WALLS,
} from './art.ts';
import type { AccessoryObject, StrapKind, WatchStyle } from './illustrations.ts';
import type { ImageSpec } from './images.ts';
import type { Random } from './random.ts';

/*
 * One definition per kind of shop: its name and currency, its categories and
 * curated collection themes, how its makers (artists, authors, watchmakers,
 * brands) are named, and how a product is drawn up: title, description,
 * price, attributes, stock and pictures. The generic assembly into rows lives
 * in catalog.ts; everything here is pure and driven by the Random it is given.
 *
 * Definitions are shared constants: they must not keep state between calls
 * (uniqueness is tracked by the catalogue through `ProductContext.unique`).
 */

export type Shop = (typeof SHOPS)[number];
export type AttributeValue = string | number | boolean;

/** A maker as the product generator sees it. */
export interface Maker {
  name: string;
  /** The maker's visual signature: most of their work uses these. */
  palettes: readonly Palette[];
  motifs: readonly Motif[];
}

/** One way a shop sells things, e.g. an original painting or a paperback. */
export interface Offer {
  id: string;
  /** Share of the catalogue, relative to the other offers. */
  weight: number;
  kind: ProductKind;
  /** Names of the categories this offer is listed in. */
  categories: readonly string[];
}

export interface ProductContext {
  random: Random;
  /** Stable per product; seeds its pictures. */
  seed: string;
  offer: Offer;
  category: string;
  maker: Maker;
  /**
   * A value not yet used in this catalogue under `kind` (e.g. 'title'): tries
   * `make` a few times, then falls back to `fallback(candidate, n)`.
   */
  unique(
    kind: string,
    make: () => string,
    fallback?: (candidate: string, n: number) => string,
  ): string;
}

/** What a shop decides about one product; catalog.ts turns it into rows. */
export interface ProductDraft {
  title: string;
  description: string;
  priceMinor: number;
  attributes: Record<string, AttributeValue>;
  /** Units in stock, or null when the product is not stock-tracked (unlimited download). */
  stock: number | null;
  /** 1–3 pictures, the main one first; each carries its alt text as `label`. */
  images: ImageSpec[];
  /** Facts collection themes select on, e.g. 'motif:grid', 'small', 'gold'. */
  tags: string[];
}

/** What a collection theme may look at when choosing products. */
export interface ThemeCandidate {
  tags: ReadonlySet<string>;
  priceMinor: number;
  kind: ProductKind;
  createdAt: Date;
  offer: string;
}

export interface CollectionTheme {
  title: string;
  description: string;
  /** Products that fit; when fewer than 8 do, any published product may appear. */
  accepts?: (product: ThemeCandidate) => boolean;
}

export interface ShopDefinition {
  shop: Shop;
  /** Display name of the shop. */
  name: string;
  /** ISO 4217 code; every price is in its minor unit. */
  currency: string;
  /** What the `artists` table holds for this shop. */
  makerNoun: string;
  categories: readonly string[];
  offers: readonly Offer[];
  collectionThemes: readonly CollectionTheme[];
  makerName(random: Random): string;
  makerBio(random: Random, maker: Maker): string;
  product(context: ProductContext): ProductDraft;
}

/** The instant the seeded catalogue is "as of": every timestamp is at or before it. */
export const SEED_EPOCH = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------
// Shared helpers and word lists.

const cap = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
const lcFirst = (sentence: string) => sentence.charAt(0).toLowerCase() + sentence.slice(1);
const titleCase = (words: string) => words.split(' ').map(cap).join(' ');

/** A price in minor units between min and max (major units), rounded to `step` minor units. */
function price(random: Random, minMajor: number, maxMajor: number, step: number): number {
  const raw = random.int(minMajor * 100, maxMajor * 100);
  return Math.max(step, Math.round(raw / step) * step);
}

/** A retail price ending in .99 (e.g. 16.99), between whole amounts min and max. */
const price99 = (random: Random, minMajor: number, maxMajor: number) =>
  random.int(minMajor, maxMajor) * 100 - 1;

/** "a" or "an" before a word, by its first letter (good enough for our word lists). */

const FIRST_NAMES = [
  'Mara',
  'Jonas',
  'Elin',
  'Tomás',
  'Aiko',
  'Noor',
  'Felix',
  'Inès',
  'Luca',
  'Sanne',
  'Priya',
  'Mateo',
  'Ada',
  'Kofi',
  'Lena',
  'Oskar',
  'Yara',
  'Ilse',
  'Rafael',
  'Chiara',
  'Hugo',
  'Mei',
  'Nils',
  'Zofia',
  'Amara',
  'Théo',
  'Ingrid',
  'Dario',
  'Saskia',
  'Emil',
  'Leila',
  'Bruno',
  'Freya',
  'Caspar',
  'Anouk',
  'Malik',
  'Signe',
  'Paloma',
  'Viktor',
  'Hana',
  'Ruben',
  'Elif',
  'Tove',
  'Jules',
  'Maren',
  'Idris',
  'Clara',
  'Arjun',
  'Liv',
  'Søren',
  'Beatriz',
  'Aurelio',
  'Greta',
  'Kenji',
  'Esme',
  'Tariq',
  'Wren',
  'Matilde',
  'Anton',
  'Selin',
];
const LAST_NAMES = [
  'Lind',
  'Okafor',
  'Varga',
  'Moreau',
  'Halvorsen',
  'Castellano',
  'Nakamura',
  'Brandt',
  'Kowalski',
  'Duarte',
  'Haddad',
  'Fischer',
  'Lindqvist',
  'Rossi',
  'Novak',
  'Osei',
  'Bergström',
  'Marchetti',
  'Sato',
  'Vidal',
  'Keller',
  'Andersen',
  'Ferreira',
  'Dubois',
  'Ivanova',
  'Mendes',
  'Larsen',
  'Petrov',
  'Jansen',
  'Costa',
  'Eriksen',
  'Romano',
  'Weiss',
  'Kaplan',
  'Aalto',
  'Quinn',
  'Farah',
  'Holm',
  'Sørensen',
  'Wolff',
  'Abbasi',
  'Lemaire',
  'Strand',
  'Navarro',
  'Hoffmann',
  'Ricci',
  'Bauer',
  'Molina',
  'Engel',
  'Horvat',
  'Yilmaz',
  'Mensah',
  'Ekström',
  'Pajari',
  'Ruiz',
  'Lange',
  'Falk',
  'Soto',
  'Vogel',
  'Achterberg',
];
const personName = (random: Random) => `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;

const CITIES = [
  'Lisbon',
  'Rotterdam',
  'Oslo',
  'Marseille',
  'Glasgow',
  'Leipzig',
  'Valencia',
  'Copenhagen',
  'Montréal',
  'Kyoto',
  'Accra',
  'Mexico City',
  'Melbourne',
  'Tbilisi',
  'Porto',
  'Ghent',
  'Bergen',
  'Trieste',
  'Bristol',
  'Helsinki',
];
const PLACES = [
  'Lisbon',
  'Arles',
  'Kyoto',
  'Porto',
  'Tangier',
  'Bergen',
  'Trieste',
  'Oaxaca',
  'Naxos',
  'Ghent',
  'Marfa',
  'Hydra',
  'Sintra',
  'Lofoten',
  'Valparaíso',
  'Zanzibar',
  'Galway',
  'Palermo',
  'Tromsø',
  'Essaouira',
];

// ---------------------------------------------------------------------------
// Gallery: original paintings, editioned prints and digital works.

const ADJECTIVES = [
  'quiet',
  'distant',
  'golden',
  'silent',
  'hidden',
  'slow',
  'late',
  'early',
  'pale',
  'burning',
  'still',
  'northern',
  'southern',
  'broken',
  'open',
  'folded',
  'bright',
  'low',
  'soft',
  'sudden',
  'lost',
  'small',
  'second',
  'long',
  'empty',
  'wild',
  'tender',
  'restless',
  'hollow',
  'velvet',
  'salt',
  'amber',
  'winter',
  'summer',
  'morning',
  'evening',
  'inner',
  'outer',
  'floating',
  'borrowed',
];
const NOUNS = [
  'harbour',
  'garden',
  'horizon',
  'field',
  'window',
  'tide',
  'orchard',
  'threshold',
  'meridian',
  'current',
  'echo',
  'interval',
  'season',
  'shore',
  'passage',
  'orbit',
  'rhythm',
  'signal',
  'chorus',
  'lantern',
  'mirror',
  'valley',
  'archive',
  'island',
  'weather',
  'stairwell',
  'courtyard',
  'ember',
  'monument',
  'reverie',
  'canopy',
  'delta',
  'lagoon',
  'atlas',
  'pavilion',
  'fragment',
  'map',
  'vessel',
  'coast',
  'procession',
];
const TIMES = [
  'Late Afternoon',
  'First Light',
  'Blue Hour',
  'Low Tide',
  'After Rain',
  'Midsummer',
  'Early Spring',
  'Dusk',
  'Noon',
];

const MOTIF_PRACTICE: Record<Motif, string> = {
  circles: 'overlapping discs of colour',
  stripes: 'rhythmic bands of colour',
  grid: 'modular grids and repeated forms',
  waves: 'layered, wave-like forms',
  polygons: 'angular, collage-like shapes',
  arcs: 'concentric arcs borrowed from architecture',
  fields: 'soft, luminous fields of colour',
  lines: 'fluid, gestural line',
  horizon: 'quiet, almost empty landscapes',
};

interface GalleryCategory {
  motifs: readonly Motif[];
  media: readonly string[];
}
const GALLERY_CATEGORIES: Record<string, GalleryCategory> = {
  Painting: {
    motifs: ['circles', 'fields', 'polygons', 'stripes', 'arcs', 'waves'],
    media: ['Oil on canvas', 'Acrylic on canvas', 'Oil on linen', 'Gouache on panel'],
  },
  'Works on Paper': {
    motifs: ['lines', 'circles', 'waves', 'fields'],
    media: [
      'Watercolour on paper',
      'Ink on paper',
      'Charcoal and pastel on paper',
      'Gouache on paper',
    ],
  },
  Photography: {
    motifs: ['horizon'],
    media: ['Archival pigment print', 'C-type print', 'Silver gelatin print'],
  },
  Printmaking: {
    motifs: ['stripes', 'grid', 'arcs', 'polygons', 'circles'],
    media: ['Screenprint', 'Risograph', 'Linocut', 'Etching', 'Lithograph'],
  },
  'Mixed Media': {
    motifs: ['polygons', 'grid', 'fields', 'circles'],
    media: ['Mixed media on board', 'Acrylic and collage on panel', 'Oil and wax on wood'],
  },
  Collage: {
    motifs: ['polygons', 'grid', 'stripes'],
    media: ['Paper collage on card', 'Cut paper and gouache'],
  },
  'Digital Art': {
    motifs: ['circles', 'waves', 'polygons', 'arcs', 'stripes', 'horizon'],
    media: ['Digital painting', 'Vector artwork'],
  },
  Generative: {
    motifs: ['grid', 'lines', 'waves', 'circles', 'arcs'],
    media: ['Generative code, rendered as SVG', 'Algorithmic drawing'],
  },
};
const GALLERY_DIGITAL_MEDIA: Record<string, readonly string[]> = {
  Photography: ['Digital photograph'],
};

const EDITION_SIZES = [10, 15, 20, 25, 30, 40, 50, 75, 100];

/** Picks a motif the maker likes when the category allows it. */
function makerMotif(random: Random, maker: Maker, allowed: readonly Motif[]): Motif {
  const liked = maker.motifs.filter((m) => allowed.includes(m));
  return liked.length > 0 && random.chance(0.75) ? random.pick(liked) : random.pick(allowed);
}
const makerPalette = (random: Random, maker: Maker) =>
  varyPalette(random, random.chance(0.8) ? random.pick(maker.palettes) : random.pick(PALETTES));

const gallery: ShopDefinition = {
  shop: 'gallery',
  name: 'Galerie Lumen',
  currency: 'EUR',
  makerNoun: 'artist',
  categories: Object.keys(GALLERY_CATEGORIES),
  offers: [
    {
      id: 'original',
      weight: 35,
      kind: 'physical',
      categories: ['Painting', 'Works on Paper', 'Mixed Media', 'Collage'],
    },
    {
      id: 'print',
      weight: 30,
      kind: 'physical',
      categories: ['Printmaking', 'Photography', 'Works on Paper'],
    },
    {
      id: 'digital-open',
      weight: 20,
      kind: 'digital',
      categories: ['Digital Art', 'Generative', 'Photography'],
    },
    {
      id: 'digital-limited',
      weight: 15,
      kind: 'digital',
      categories: ['Digital Art', 'Generative'],
    },
  ],
  collectionThemes: [
    {
      title: 'Quiet Geometry',
      description: 'Grids, stripes and hard edges: works that find calm in order.',
      accepts: (p) => ['grid', 'polygons', 'stripes'].some((m) => p.tags.has(`motif:${m}`)),
    },
    {
      title: 'Colour Field',
      description: 'Large, breathing areas of colour to stand in front of for a long time.',
      accepts: (p) => ['fields', 'stripes', 'arcs'].some((m) => p.tags.has(`motif:${m}`)),
    },
    {
      title: 'Under €500',
      description: 'Signed editions and small originals to start a collection with.',
      accepts: (p) => p.priceMinor < 50_000,
    },
    {
      title: 'Collectors’ Picks',
      description: 'Major original works chosen by our curators.',
      accepts: (p) => p.offer === 'original' && p.priceMinor >= 150_000,
    },
    {
      title: 'Works on Paper',
      description:
        'Drawings, watercolours and prints: the most intimate part of an artist’s practice.',
      accepts: (p) => p.tags.has('category:works-on-paper') || p.tags.has('category:printmaking'),
    },
    {
      title: 'Landscapes & Horizons',
      description: 'Photographs and paintings of open country, coast and sky.',
      accepts: (p) => p.tags.has('motif:horizon'),
    },
    {
      title: 'New This Season',
      description: 'Works added to the gallery in the last three months.',
      accepts: (p) => p.createdAt.getTime() >= SEED_EPOCH - 90 * DAY_MS,
    },
    {
      title: 'Blue Hour',
      description: 'Cool palettes of navy, teal and ultramarine.',
      accepts: (p) =>
        ['midnight', 'lagoon', 'ultramarine', 'riviera', 'nordic'].some((name) =>
          p.tags.has(`palette:${name}`),
        ),
    },
    {
      title: 'Editions',
      description: 'Signed, numbered prints and limited digital editions.',
      accepts: (p) => p.offer === 'print' || p.offer === 'digital-limited',
    },
    {
      title: 'Digital Natives',
      description: 'Works made on and for screens, delivered as high-resolution files.',
      accepts: (p) => p.kind === 'digital',
    },
    {
      title: 'Small Works',
      description: 'Originals under 50 cm, for the wall that has only a little room left.',
      accepts: (p) => p.tags.has('small'),
    },
  ],
  makerName: personName,
  makerBio(random, maker) {
    const practice = maker.motifs.map((m) => MOTIF_PRACTICE[m]);
    const palette = maker.palettes[0];
    return [
      `${maker.name} (b. ${random.int(1958, 2000)}) lives and works in ${random.pick(CITIES)}.`,
      `Their work moves between ${practice.slice(0, -1).join(', ') || 'painting'} and ${practice.at(-1) ?? 'drawing'}` +
        (palette
          ? `, often in ${palette.inks[0]?.name} and ${palette.inks[1]?.name} against ${palette.background.name}.`
          : '.'),
      random.pick([
        `Recent exhibitions include solo shows in ${random.pick(CITIES)} and ${random.pick(CITIES)}.`,
        `A graduate of the academy in ${random.pick(CITIES)}, they have shown widely across Europe.`,
        `Their work is held in private collections in ${random.int(8, 30)} countries.`,
        'They work slowly, finishing only a handful of pieces each year.',
      ]),
    ].join(' ');
  },
  product(ctx) {
    const { random, offer, category, maker } = ctx;
    const spec = GALLERY_CATEGORIES[category] ?? { motifs: MOTIFS, media: ['Mixed media'] };
    const motif = makerMotif(random, maker, spec.motifs);
    const palette = makerPalette(random, maker);
    const lead = palette.inks[0]?.name ?? palette.background.name;
    const accent = palette.inks[1]?.name ?? lead;
    const title = ctx.unique('title', () =>
      random.weighted<() => string>([
        [() => titleCase(`${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`), 6],
        [() => `Study in ${titleCase(lead)}`, 1],
        [() => `Composition in ${titleCase(lead)} and ${titleCase(accent)}`, 1],
        [() => `${cap(random.pick(NOUNS))} and ${cap(random.pick(NOUNS))}`, 2],
        [() => `Untitled (${cap(random.pick(NOUNS))})`, 1],
        [() => `${cap(random.pick(NOUNS))} No. ${random.int(2, 60)}`, 2],
        [() => `${random.pick(PLACES)}, ${random.pick(TIMES)}`, 2],
        [() => `Study for ${titleCase(`${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`)}`, 1],
      ])(),
    );

    const digital = offer.kind === 'digital';
    const medium = random.pick(
      (digital ? GALLERY_DIGITAL_MEDIA[category] : undefined) ?? spec.media,
    );
    const year = random.int(2012, 2025);
    const orientation = random.weighted([
      ['portrait', 45],
      ['landscape', 35],
      ['square', 20],
    ] as const);
    const ratio = orientation === 'square' ? 1 : random.pick([0.75, 0.8, 2 / 3, 0.7]);
    let longSide: number;
    if (digital) longSide = random.pick([4000, 5000, 6000, 8000]);
    else if (offer.id === 'original' && (category === 'Painting' || category === 'Mixed Media'))
      longSide = random.int(6, 32) * 5;
    else longSide = random.int(5, 20) * 5;
    const shortSide = Math.round((longSide * ratio) / (digital ? 100 : 5)) * (digital ? 100 : 5);
    const [w, h] = orientation === 'landscape' ? [longSide, shortSide] : [shortSide, longSide];
    const dimensions = digital ? `${w} × ${h} px` : `${w} × ${h} cm`;

    let stock: number | null;
    let edition: string;
    let priceMinor: number;
    let offerLine: string;
    if (offer.id === 'original') {
      stock = 1;
      edition = '1/1';
      priceMinor = price(random, 350 + longSide * 8, 900 + longSide * 30, 1_000);
      offerLine = `A unique original (${dimensions}), signed on the reverse and sold with a certificate of authenticity.`;
    } else if (offer.id === 'print') {
      const size = random.pick(EDITION_SIZES.filter((n) => n <= 75));
      stock = random.int(5, Math.min(50, size));
      edition = `Edition of ${size}`;
      priceMinor = price(random, 45, 450, 500);
      offerLine = `Printed in an edition of ${size} (${dimensions}) on ${random.pick(['cotton rag paper', 'Hahnemühle Photo Rag', 'heavyweight archival paper', 'Japanese kozo paper'])}, each signed and numbered.`;
    } else if (offer.id === 'digital-limited') {
      const size = random.pick(EDITION_SIZES);
      stock = random.int(1, size);
      edition = `Edition of ${size}`;
      priceMinor = price(random, 25, 250, 500);
      offerLine = `A limited digital edition of ${size}, delivered as a ${dimensions} file with a signed certificate.`;
    } else {
      stock = null;
      edition = 'Open edition';
      priceMinor = price(random, 9, 69, 100);
      offerLine = `An open-edition digital work, delivered as a high-resolution ${dimensions} file for screens and home printing.`;
    }

    const describe = describeComposition(motif, palette);
    const description = [
      `${maker.name} made ${title} in ${year}: ${lcFirst(describe)}, in ${medium.toLowerCase()}.`,
      offerLine,
      digital
        ? 'The download link arrives by email as soon as payment is confirmed.'
        : random.pick([
            'Ships within five working days, professionally packed and insured.',
            'Ships framed in natural oak, ready to hang.',
            'Ships unframed, flat-packed between archival boards.',
          ]),
      random.pick([
        `Part of an ongoing series exploring ${MOTIF_PRACTICE[motif]}.`,
        `The ${lead} carries the whole composition; the ${accent} keeps it from settling.`,
        'Best seen in daylight, where the layers of colour shift through the day.',
        '',
      ]),
    ]
      .filter(Boolean)
      .join(' ');

    const canvasWidth = Math.round((1200 * w) / Math.max(w, h));
    const canvasHeight = Math.round((1200 * h) / Math.max(w, h));
    const base = {
      kind: 'artwork',
      seed: `${ctx.seed}:art`,
      motif,
      palette,
      canvasWidth,
      canvasHeight,
      mounted: category === 'Works on Paper' || category === 'Printmaking',
    } as const;
    const images: ArtworkSpec[] = [
      { ...base, view: 'full', label: `${describe}, by ${maker.name}` },
    ];
    const extra = random.weighted([
      [0, 2],
      [1, 4],
      [2, 4],
    ] as const);
    if (extra >= 1)
      images.push({
        ...base,
        view: 'detail',
        label: `Detail of ${title} by ${maker.name}, showing the ${lead} and ${accent} at close range`,
      });
    if (extra >= 2 && !digital) {
      const wall = random.pick(WALLS);
      images.push({
        ...base,
        view: 'room',
        wall,
        label: `${title} by ${maker.name}, framed on ${article(wall.name)} wall above a wooden bench`,
      });
    }

    const tags = [`motif:${motif}`, `palette:${palette.name}`];
    if (offer.id === 'original' && longSide <= 50) tags.push('small');
    return {
      title,
      description,
      priceMinor,
      attributes: { medium, dimensions, year, edition },
      stock,
      images,
      tags,
    };
  },
};

// ---------------------------------------------------------------------------
// Bookstore: hardbacks, paperbacks and eBooks.

const PUBLISHERS = [
  'Harbour & Finch',
  'Lantern Press',
  'Greywell Books',
  'Marigold House',
  'Northgate Editions',
  'Quill & Ember',
  'Saltmarsh Publishing',
  'Fernleaf Press',
  'Tidewater Books',
  'Oxbow & Vale',
];
const LANGUAGES = [
  ['English', 80, '1'],
  ['French', 6, '2'],
  ['German', 6, '3'],
  ['Spanish', 4, '84'],
  ['Italian', 4, '88'],
] as const;
const REVIEWERS = [
  'The Northern Review',
  'The Sunday Ledger',
  'Literary Quarterly',
  'The Evening Standard-Bearer',
  'Bookish Monthly',
  'The Coastal Times',
];
const PRAISE = [
  'Impossible to put down.',
  'A quiet masterpiece.',
  'Funny, furious and tender.',
  'The book of the year.',
  'Wise, generous and beautifully made.',
  'Haunting.',
  'Utterly transporting.',
];
const THINGS = [
  'Salt',
  'Lighthouse',
  'Orchard',
  'Cartographer',
  'Glass',
  'River',
  'Winter',
  'Archive',
  'Tide',
  'Lantern',
  'Garden',
  'Island',
  'Harbour',
  'Clockmaker',
  'Weather',
  'Silence',
  'Bees',
  'Ferry',
  'Stone',
  'Map',
];

const BOOK_TITLES: Record<string, readonly ((r: Random) => string)[]> = {
  Fiction: [
    (r) => `The ${r.pick(THINGS)} of ${r.pick(PLACES)}`,
    (r) => `A ${cap(r.pick(ADJECTIVES))} ${r.pick(THINGS)}`,
    (r) => `The ${r.pick(THINGS)}keeper’s ${r.pick(['Daughter', 'Son', 'Wife', 'Apprentice'])}`,
    (r) => `${cap(r.pick(ADJECTIVES))} ${cap(r.pick(NOUNS))}`,
  ],
  'Crime & Thrillers': [
    (r) => `Death at ${r.pick(PLACES)}`,
    (r) => `The ${r.pick(PLACES)} Murders`,
    (r) => `${cap(r.pick(ADJECTIVES))} Water`,
    (r) =>
      `The ${r.pick(['Last', 'Second', 'Silent', 'Drowned'])} ${r.pick(['Witness', 'Alibi', 'Confession', 'Verdict'])}`,
  ],
  'Science Fiction & Fantasy': [
    (r) => `The ${cap(r.pick(ADJECTIVES))} Stars`,
    (r) => `${cap(r.pick(NOUNS))} of the ${r.pick(['Ninth', 'Drowned', 'Hollow', 'Last'])} Moon`,
    (r) =>
      `A ${r.pick(['Crown', 'Song', 'City', 'Map'])} of ${r.pick(['Ash', 'Salt', 'Glass', 'Starlight'])}`,
  ],
  History: [
    (r) => `${r.pick(PLACES)}: A History`,
    (r) => `The Rise and Fall of ${r.pick(PLACES)}`,
    (r) => `Empires of ${r.pick(['Salt', 'Spice', 'Silk', 'Ice', 'Coal'])}`,
  ],
  'Biography & Memoir': [
    (r) => `${personName(r)}: A Life`,
    (r) => `The ${r.pick(['Years', 'Summers', 'Letters', 'Notebooks'])} of ${personName(r)}`,
    (r) => `What the ${r.pick(THINGS)} Knew`,
  ],
  Poetry: [
    (r) => `${r.pick(THINGS)} and Other Poems`,
    (r) => `${cap(r.pick(ADJECTIVES))} ${cap(r.pick(NOUNS))}s`,
    (r) => `Songs for ${r.pick(TIMES)}`,
  ],
  Travel: [
    (r) => `Walking to ${r.pick(PLACES)}`,
    (r) => `A Year in ${r.pick(PLACES)}`,
    (r) => `Slow Roads to ${r.pick(PLACES)}`,
  ],
  'Art & Design': [
    (r) => `On ${cap(r.pick(NOUNS))}s`,
    (r) => `The Art of the ${cap(r.pick(NOUNS))}`,
    (r) => `${cap(r.pick(MOTIFS))}: A Visual History`,
  ],
  Philosophy: [
    (r) => `On ${r.pick(['Attention', 'Patience', 'Solitude', 'Hope', 'Doubt', 'Time'])}`,
    (r) =>
      `The ${r.pick(['Ethics', 'Politics', 'Poetics'])} of ${r.pick(['Repair', 'Walking', 'Gardens', 'Waiting', 'Care'])}`,
  ],
  'Food & Drink': [
    (r) => `The ${r.pick(PLACES)} Kitchen`,
    (r) =>
      `${r.pick(['Bread', 'Salt', 'Olive', 'Citrus', 'Fire'])} & ${r.pick(['Honey', 'Smoke', 'Herbs', 'Butter', 'Spice'])}`,
  ],
};

const BOOK_HOOKS: Record<string, (r: Random) => string> = {
  Fiction: (r) =>
    `When ${personName(r)} returns to ${r.pick(PLACES)} after twenty years, ${r.pick(['an old letter', 'a locked room', 'a missing sister', 'a half-finished map'])} changes everything.`,
  'Crime & Thrillers': (r) =>
    `A body on the shore at ${r.pick(PLACES)}, a detective with nothing left to lose, and a town that keeps its secrets.`,
  'Science Fiction & Fantasy': (r) =>
    `Aboard a generation ship bound for a world no one has seen, ${r.pick(FIRST_NAMES)} discovers the voyage was never meant to end.`,
  History: (r) =>
    `A vivid history of ${r.pick(PLACES)}, told through the lives of the people who built it, traded in it and fought over it.`,
  'Biography & Memoir': (r) =>
    `Drawn from letters and interviews never published before, the remarkable life of a ${r.pick(['composer', 'cartographer', 'botanist', 'chess champion', 'photographer'])} who refused to be forgotten.`,
  Poetry: (r) =>
    `A luminous collection of poems about ${r.pick(['the sea', 'grief', 'cities at night', 'gardens', 'migration', 'light'])}.`,
  Travel: (r) =>
    `On foot, by ferry and by night train, a journey through ${r.pick(PLACES)} and the places in between.`,
  'Art & Design': (r) =>
    `An illustrated guide to ${r.pick(['modernist posters', 'the colour blue', 'Japanese woodblock prints', 'Bauhaus weaving', 'brutalist housing'])}, with more than 200 images.`,
  Philosophy: (r) =>
    `A lucid, provocative essay on ${r.pick(['how we pay attention', 'why we wait', 'what we owe to strangers', 'living with uncertainty'])}.`,
  'Food & Drink': (r) => `Eighty recipes from the markets and home kitchens of ${r.pick(PLACES)}.`,
};

/** Check digit of an ISBN-13 from its first 12 digits (weights 1, 3, 1, 3, …). */
export function isbn13CheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

/** True for 13 digits starting 978/979 whose last digit is the right check digit. */
export function isValidIsbn13(isbn: string): boolean {
  return /^97[89]\d{10}$/.test(isbn) && isbn13CheckDigit(isbn.slice(0, 12)) === Number(isbn[12]);
}

function makeIsbn(random: Random, group: string): string {
  let digits = `978${group}`;
  while (digits.length < 12) digits += String(random.int(0, 9));
  return digits + String(isbn13CheckDigit(digits));
}

const BOOK_CATEGORIES = Object.keys(BOOK_TITLES);

const bookstore: ShopDefinition = {
  shop: 'bookstore',
  name: 'Marginalia Books',
  currency: 'GBP',
  makerNoun: 'author',
  categories: BOOK_CATEGORIES,
  offers: [
    { id: 'hardback', weight: 25, kind: 'physical', categories: BOOK_CATEGORIES },
    { id: 'paperback', weight: 50, kind: 'physical', categories: BOOK_CATEGORIES },
    { id: 'ebook', weight: 25, kind: 'digital', categories: BOOK_CATEGORIES },
  ],
  collectionThemes: [
    { title: 'Staff Picks', description: 'The books our booksellers press into customers’ hands.' },
    {
      title: 'Summer Reading',
      description: 'Novels to lose an afternoon in.',
      accepts: (p) =>
        ['fiction', 'crime-and-thrillers', 'science-fiction-and-fantasy'].some((c) =>
          p.tags.has(`category:${c}`),
        ),
    },
    {
      title: 'Crime Corner',
      description: 'Murder, mystery and moral ambiguity.',
      accepts: (p) => p.tags.has('category:crime-and-thrillers'),
    },
    {
      title: 'Read the World',
      description: 'Fiction and non-fiction in French, German, Spanish and Italian.',
      accepts: (p) => p.tags.has('translated'),
    },
    {
      title: 'Great Lives',
      description: 'Biographies and memoirs worth the time.',
      accepts: (p) => p.tags.has('category:biography-and-memoir'),
    },
    {
      title: 'New in Paperback',
      description: 'Last year’s hardbacks, now in paperback.',
      accepts: (p) => p.offer === 'paperback',
    },
    {
      title: 'eBook Bargains',
      description: 'Digital editions under £7, delivered instantly.',
      accepts: (p) => p.kind === 'digital' && p.priceMinor < 700,
    },
    {
      title: 'Armchair Travel',
      description: 'Journeys on foot, by train and by imagination.',
      accepts: (p) => p.tags.has('category:travel'),
    },
    {
      title: 'The Poetry Shelf',
      description: 'New and collected poems.',
      accepts: (p) => p.tags.has('category:poetry'),
    },
    {
      title: 'Beautiful Hardbacks',
      description: 'Editions to keep, give and reread.',
      accepts: (p) => p.offer === 'hardback',
    },
  ],
  makerName: (random) =>
    random.chance(0.15)
      ? `${random.pick(FIRST_NAMES).charAt(0)}. ${random.pick(FIRST_NAMES).charAt(0)}. ${random.pick(LAST_NAMES)}`
      : personName(random),
  makerBio: (random, maker) =>
    [
      `${maker.name} was born in ${random.pick(CITIES)} and now lives in ${random.pick(CITIES)}.`,
      random.pick([
        `Their ${random.pick(['debut', 'second book', 'third novel'])} was shortlisted for the ${random.pick(['Marlowe', 'Hawthorn', 'Northern Lights', 'Salt Road'])} Prize.`,
        `Before writing full-time they worked as a ${random.pick(['ferry pilot', 'translator', 'archivist', 'sound engineer', 'teacher'])}.`,
        `Their books have been translated into ${random.int(5, 30)} languages.`,
      ]),
    ].join(' '),
  product(ctx) {
    const { random, offer, category, maker } = ctx;
    const titles = BOOK_TITLES[category] ?? BOOK_TITLES.Fiction ?? [() => 'Untitled'];
    const title = ctx.unique(
      'title',
      () => random.pick(titles)(random),
      (candidate, n) => `${candidate}, Volume ${n}`,
    );
    const [language, , group] = random.weighted(LANGUAGES.map((l) => [l, l[1]] as const));
    const isbn = ctx.unique(
      'isbn',
      () => makeIsbn(random, group),
      () => {
        throw new Error('ran out of ISBNs');
      },
    );
    const publisher = random.pick(PUBLISHERS);
    const pages = category === 'Poetry' ? random.int(48, 160) : random.int(160, 640);
    const format =
      offer.id === 'hardback'
        ? 'Hardback'
        : offer.id === 'paperback'
          ? 'Paperback'
          : 'eBook (EPUB)';
    const priceMinor =
      offer.id === 'hardback'
        ? price99(random, 17, 30)
        : offer.id === 'paperback'
          ? price99(random, 8, 15)
          : price99(random, 4, 12);
    const stock =
      offer.kind === 'digital' ? null : random.int(2, offer.id === 'hardback' ? 30 : 60);
    const hook = (BOOK_HOOKS[category] ?? ((r: Random) => r.pick(PRAISE)))(random);
    const quote = `“${random.pick(PRAISE)}” — ${random.pick(REVIEWERS)}`;
    const translated = language !== 'English';
    const description = [
      hook,
      quote,
      `${format}, ${pages} pages, published by ${publisher}${translated ? ` (in ${language})` : ''}.`,
      offer.kind === 'digital'
        ? 'Download in EPUB format; reads on any e-reader or app.'
        : 'Dispatched within two working days.',
    ].join(' ');

    const motif = makerMotif(random, maker, [
      'circles',
      'waves',
      'polygons',
      'arcs',
      'stripes',
      'lines',
      'horizon',
      'grid',
    ]);
    const palette = makerPalette(random, maker);
    const base = {
      kind: 'book',
      seed: `${ctx.seed}:cover`,
      motif,
      palette,
      title,
      author: maker.name,
      publisher,
      isbn,
      blurb: `${hook} ${quote}`,
    } as const;
    const images: ImageSpec[] = [
      {
        ...base,
        side: 'front',
        label: `Front cover of ${title} by ${maker.name}: ${lcFirst(describeComposition(motif, palette))}`,
      },
    ];
    if (offer.kind === 'physical' && random.chance(0.6)) {
      images.push({
        ...base,
        side: 'back',
        label: `Back cover of ${title} with the blurb, a review quote and the ISBN barcode`,
      });
    }
    const tags = translated ? ['translated'] : [];
    return {
      title,
      description,
      priceMinor,
      attributes: { isbn, pages, publisher, language, format },
      stock,
      images,
      tags,
    };
  },
};

// ---------------------------------------------------------------------------
// Watches: new, limited and pre-owned mechanical watches.

const WATCH_SURNAMES = [
  'Aubert',
  'Berthoud',
  'Cuendet',
  'Droz-Ferrand',
  'Ecuyer',
  'Gagnebin',
  'Huguenin',
  'Matthey',
  'Nicolet',
  'Vuilleumier',
  'Aubry',
  'Vautier',
  'Kessler',
  'Marchand',
  'Rochat',
  'Girardet',
  'Lenoir',
  'Perrin',
  'Sauter',
  'Morand',
  'Nordvik',
  'Halden',
  'Falkner',
  'Weston',
  'Ashby',
  'Calloway',
  'Lindholm',
  'Brisset',
  'Voclain',
  'Corvel',
  'Amsler',
  'Bovet-Ruy',
  'Châtelain',
  'Imhof',
  'Jeanrenaud',
  'Ketterer',
  'Montandon',
  'Othenin',
  'Robert-Nicoud',
  'Tschudin',
];
const WATCH_HOUSE = [
  'Horlogerie',
  'Uhren',
  'Watch Co.',
  '& Fils',
  'Frères',
  'Chronométrie',
  'Ateliers',
  'Manufacture',
];
const SYLLABLES_A = [
  'Ar',
  'Bel',
  'Cor',
  'Dal',
  'Ev',
  'Fen',
  'Gra',
  'Hal',
  'Ix',
  'Jor',
  'Kel',
  'Lum',
  'Mor',
  'Nox',
  'Or',
  'Pra',
  'Ril',
  'Sol',
  'Tor',
  'Vel',
  'Wen',
  'Zer',
  'Cal',
];
const SYLLABLES_B = ['ano', 'ex', 'ion', 'is', 'o', 'ora', 'um', 'en', 'ys', 'ette'];
const WATCH_BRAND_SUFFIX = [
  'Watches',
  'Watch Co.',
  'Horology',
  'Instruments',
  'Time',
  'Chronometers',
  'Genève',
];
/** "Kessler Uhren" → "Kessler", "Maison Aubry" → "Aubry": the name printed on a dial. */
function shortBrand(name: string): string {
  let short = name.replace(/^Maison /, '');
  for (const suffix of [...WATCH_HOUSE, ...WATCH_BRAND_SUFFIX]) {
    if (short.endsWith(` ${suffix}`)) short = short.slice(0, -suffix.length - 1);
  }
  return short;
}
const WATCH_MODELS = [
  'Meridian',
  'Abyss',
  'Aero',
  'Sentinel',
  'Voyager',
  'Regatta',
  'Atlas',
  'Solstice',
  'Tidal',
  'Vanguard',
  'Heritage',
  'Polaris',
  'Cirrus',
  'Fathom',
  'Eclipse',
  'Ranger',
  'Lumen',
  'Equinox',
  'Monarch',
  'Pioneer',
];

interface WatchCategory {
  style: WatchStyle;
  diameters: [number, number];
  waterResistance: readonly number[];
  dialText: string;
}
const WATCH_CATEGORIES: Record<string, WatchCategory> = {
  Dress: { style: 'dress', diameters: [34, 40], waterResistance: [30, 50], dialText: 'AUTOMATIC' },
  Dive: {
    style: 'dive',
    diameters: [39, 44],
    waterResistance: [200, 300, 500],
    dialText: '300 M · DIVER',
  },
  Chronograph: {
    style: 'chronograph',
    diameters: [38, 43],
    waterResistance: [50, 100],
    dialText: 'CHRONOGRAPH',
  },
  Pilot: { style: 'pilot', diameters: [38, 45], waterResistance: [50, 100], dialText: 'FLIEGER' },
  Field: { style: 'field', diameters: [36, 40], waterResistance: [100, 150], dialText: 'FIELD' },
  'GMT & Travel': {
    style: 'gmt',
    diameters: [39, 42],
    waterResistance: [100, 200],
    dialText: 'GMT · AUTOMATIC',
  },
  'Pre-owned': {
    style: 'dress',
    diameters: [34, 40],
    waterResistance: [30, 50, 100],
    dialText: 'AUTOMATIC',
  },
};
const DIALS: readonly Colour[] = [
  { name: 'black', hex: '#17191c' },
  { name: 'silver', hex: '#d7d9dc' },
  { name: 'blue sunburst', hex: '#1f3f76' },
  { name: 'forest green', hex: '#1f4d3a' },
  { name: 'salmon', hex: '#e9a98f' },
  { name: 'cream', hex: '#efe6cf' },
  { name: 'slate grey', hex: '#5b6470' },
  { name: 'white enamel', hex: '#f7f5ef' },
  { name: 'burgundy', hex: '#5e1a2b' },
];
const METALS: readonly (readonly [Colour, number])[] = [
  [{ name: 'Stainless steel', hex: '#c9ccd0' }, 60],
  [{ name: 'Titanium', hex: '#9da2a8' }, 12],
  [{ name: 'Bronze', hex: '#a57a47' }, 8],
  [{ name: '18k yellow gold', hex: '#d9b35a' }, 8],
  [{ name: '18k rose gold', hex: '#d99a7c' }, 6],
  [{ name: 'Black ceramic', hex: '#2a2a2c' }, 6],
];
const STRAPS: readonly (readonly [StrapKind, string, Colour])[] = [
  ['leather', 'Brown calfskin strap', { name: 'brown', hex: '#6b4226' }],
  ['leather', 'Black alligator-grain leather strap', { name: 'black', hex: '#1e1e1e' }],
  ['leather', 'Tan suede strap', { name: 'tan', hex: '#b08055' }],
  ['bracelet', 'Steel three-link bracelet', { name: 'steel', hex: '#b7bbc0' }],
  ['rubber', 'Black FKM rubber strap', { name: 'black', hex: '#222324' }],
  ['rubber', 'Navy FKM rubber strap', { name: 'navy', hex: '#1d2a44' }],
  ['nato', 'Olive NATO strap', { name: 'olive', hex: '#5b6236' }],
  ['nato', 'Navy and red NATO strap', { name: 'navy', hex: '#1d2a44' }],
];
const WATCH_ACCENTS: readonly Colour[] = [
  { name: 'red', hex: '#c8102e' },
  { name: 'orange', hex: '#f07c1b' },
  { name: 'yellow', hex: '#e8b70e' },
  { name: 'steel', hex: '#b7bbc0' },
];

const watches: ShopDefinition = {
  shop: 'watches',
  name: 'Tempus & Co.',
  currency: 'CHF',
  makerNoun: 'watchmaker',
  categories: Object.keys(WATCH_CATEGORIES),
  offers: [
    {
      id: 'new',
      weight: 70,
      kind: 'physical',
      categories: ['Dress', 'Dive', 'Chronograph', 'Pilot', 'Field', 'GMT & Travel'],
    },
    {
      id: 'limited',
      weight: 15,
      kind: 'physical',
      categories: ['Dress', 'Dive', 'Chronograph', 'GMT & Travel'],
    },
    { id: 'pre-owned', weight: 15, kind: 'physical', categories: ['Pre-owned'] },
  ],
  collectionThemes: [
    {
      title: 'The Dress Edit',
      description: 'Slim, quiet watches for shirt cuffs.',
      accepts: (p) => p.tags.has('style:dress'),
    },
    {
      title: 'Tool Watches',
      description: 'Divers, pilots and field watches built to be used.',
      accepts: (p) => ['dive', 'pilot', 'field'].some((s) => p.tags.has(`style:${s}`)),
    },
    {
      title: 'Under CHF 2,000',
      description: 'Serious mechanical watches at a sensible price.',
      accepts: (p) => p.priceMinor < 200_000,
    },
    {
      title: 'The Gold Standard',
      description: 'Yellow and rose gold cases.',
      accepts: (p) => p.tags.has('gold'),
    },
    {
      title: 'Limited Editions',
      description: 'Numbered series, most under a hundred pieces.',
      accepts: (p) => p.offer === 'limited',
    },
    {
      title: 'Chronographs',
      description: 'Stopwatches for the wrist, from racing to regattas.',
      accepts: (p) => p.tags.has('style:chronograph'),
    },
    {
      title: 'Pre-owned Treasures',
      description: 'Serviced, checked and guaranteed for two years.',
      accepts: (p) => p.offer === 'pre-owned',
    },
    {
      title: 'Travellers’ Watches',
      description: 'A second time zone at a glance.',
      accepts: (p) => p.tags.has('style:gmt'),
    },
    {
      title: 'New Arrivals',
      description: 'Just in from the workshops.',
      accepts: (p) => p.createdAt.getTime() >= SEED_EPOCH - 90 * DAY_MS,
    },
    {
      title: 'Small Wrists',
      description: 'Cases of 38 mm and under.',
      accepts: (p) => p.tags.has('small'),
    },
  ],
  makerName: (random) =>
    random.weighted<() => string>([
      [() => `${random.pick(WATCH_SURNAMES)} ${random.pick(WATCH_HOUSE)}`, 3],
      [() => `Maison ${random.pick(WATCH_SURNAMES)}`, 1],
      [
        () =>
          `${random.pick(SYLLABLES_A)}${random.pick(SYLLABLES_B)} ${random.pick(WATCH_BRAND_SUFFIX)}`,
        3,
      ],
    ])(),
  makerBio: (random, maker) =>
    [
      `${maker.name} has made watches in ${random.pick(['the Vallée de Joux', 'Le Locle', 'La Chaux-de-Fonds', 'Glashütte', 'Biel', 'Geneva', 'Schaffhausen'])} since ${random.int(1865, 2018)}.`,
      random.pick([
        'Every movement is assembled and regulated by a single watchmaker.',
        'The workshop still finishes its bridges by hand.',
        'Known for robust tool watches and uncluttered dials.',
        'A small independent house producing a few hundred pieces a year.',
      ]),
    ].join(' '),
  product(ctx) {
    const { random, offer, category, maker } = ctx;
    const spec = WATCH_CATEGORIES[category] ?? {
      style: 'dress',
      diameters: [36, 40],
      waterResistance: [50],
      dialText: 'AUTOMATIC',
    };
    const style: WatchStyle =
      offer.id === 'pre-owned'
        ? random.pick(['dress', 'dive', 'chronograph', 'pilot', 'field'] as const)
        : spec.style;
    const diameter = random.int(spec.diameters[0], spec.diameters[1]);
    const metal = random.weighted(
      METALS.filter(([m]) => style !== 'dive' || !m.name.startsWith('18k')),
    );
    const [strapKind, strapName, strapColour] = random.pick(
      STRAPS.filter(([k]) =>
        style === 'dive' ? k !== 'leather' : style === 'dress' ? k === 'leather' : true,
      ),
    );
    const dial = random.pick(DIALS);
    const accent = random.pick(WATCH_ACCENTS);
    const styleWord: Record<WatchStyle, string> = {
      dress: 'Automatic',
      dive: 'Diver',
      chronograph: 'Chronograph',
      pilot: 'Pilot',
      field: 'Field',
      gmt: 'GMT',
    };
    const brand = shortBrand(maker.name);
    const title = ctx.unique(
      'title',
      () => `${brand} ${random.pick(WATCH_MODELS)} ${diameter} ${styleWord[style]}`,
      (candidate, n) => `${candidate} Ref. ${1000 + n}`,
    );
    const movement =
      style === 'chronograph'
        ? 'Automatic chronograph'
        : random.weighted([
            ['Automatic', 7],
            ['Manual-wind', 2],
            ['Quartz', 1],
          ] as const);
    const waterResistanceM = random.pick(spec.waterResistance);
    const gold = metal.name.includes('gold');
    const year = random.int(1965, 2019);
    let stock: number;
    let priceMinor =
      price(random, 900, 6_500, 5_000) * (gold ? 4 : 1) + (style === 'chronograph' ? 150_000 : 0);
    let offerLine: string;
    let limitedTo = 0;
    if (offer.id === 'limited') {
      limitedTo = random.pick([50, 88, 99, 150, 250, 500]);
      stock = random.int(1, 3);
      priceMinor = Math.round((priceMinor * 1.4) / 5_000) * 5_000;
      offerLine = `Limited to ${limitedTo} pieces, each numbered on the caseback.`;
    } else if (offer.id === 'pre-owned') {
      stock = 1;
      priceMinor = Math.round((priceMinor * 0.7) / 5_000) * 5_000;
      offerLine = `Pre-owned (${year}), fully serviced and in excellent condition with light signs of wear; two-year warranty.`;
    } else {
      stock = random.int(1, 12);
      offerLine = 'Delivered new with box, papers and a five-year warranty.';
    }
    const description = [
      `The ${title} pairs a ${diameter} mm ${metal.name.toLowerCase()} case with ${article(dial.name)} dial and ${article(lcFirst(strapName))}.`,
      `${movement} movement${movement === 'Quartz' ? ' with a battery life of about four years' : ` with a ${random.int(38, 80)}-hour power reserve`}; water resistant to ${waterResistanceM} m.`,
      offerLine,
    ].join(' ');

    const displayBack = movement !== 'Quartz' && random.chance(0.6);
    const engraving = [
      metal.name.toUpperCase(),
      `WATER RESISTANT ${waterResistanceM} M`,
      limitedTo
        ? `No. ${String(random.int(1, limitedTo)).padStart(3, '0')}/${limitedTo}`
        : `No. ${random.int(100_000, 999_999)}`,
    ];
    const base = {
      kind: 'watch',
      seed: `${ctx.seed}:watch`,
      brand,
      dialText: movement === 'Quartz' ? 'QUARTZ' : spec.dialText,
      style,
      dial,
      metal,
      strap: { kind: strapKind, colour: strapColour },
      accent,
      diameterMm: diameter,
      displayBack,
      engraving,
    } as const;
    const images: ImageSpec[] = [
      {
        ...base,
        view: 'front',
        label: `${title}: ${dial.name} dial in a ${diameter} mm ${metal.name.toLowerCase()} case on ${article(lcFirst(strapName))}`,
      },
    ];
    const extra = random.weighted([
      [0, 2],
      [1, 4],
      [2, 4],
    ] as const);
    if (extra >= 1)
      images.push({
        ...base,
        view: 'caseback',
        label: `Caseback of the ${title}${displayBack ? ', showing the movement through a sapphire window' : ', engraved with its serial number'}`,
      });
    if (extra >= 2)
      images.push({
        ...base,
        view: 'detail',
        label: `Close-up of the ${dial.name} dial and hands of the ${title}`,
      });

    const tags = [`style:${style}`];
    if (gold) tags.push('gold');
    if (diameter <= 38) tags.push('small');
    return {
      title,
      description,
      priceMinor,
      attributes: {
        movement,
        caseDiameterMm: diameter,
        waterResistanceM,
        caseMaterial: metal.name,
        strap: strapName,
      },
      stock,
      images,
      tags,
    };
  },
};

// ---------------------------------------------------------------------------
// Accessories: everyday tech and carry goods, plus printable 3D files.

const BRAND_WORDS = [
  'North',
  'Field',
  'Harbor',
  'Common',
  'Atlas',
  'Pine',
  'Copper',
  'Lumen',
  'Canvas',
  'Orbit',
  'Summit',
  'Ember',
  'Tandem',
  'Drift',
  'Kettle',
  'Marlow',
  'Fable',
  'Slate',
  'Juniper',
  'Rook',
  'Tide',
  'Aspen',
  'Quarry',
  'Loom',
  'Cobble',
  'Meadow',
  'Ferro',
  'Basalt',
  'Wren',
  'Hollis',
];
const BRAND_SUFFIX = [
  'Supply',
  'Goods',
  'Co.',
  'Works',
  'Studio',
  'Outfitters',
  'Labs',
  'Leather',
  'Objects',
  'Trading',
];
/** Endings for one-word brands: "Pinecraft", "Atlasfold". */
const BRAND_COMPOUND = ['craft', 'works', 'line', 'form', 'made', 'fold', 'wood', 'kit'];
const COLOURS: readonly Colour[] = [
  { name: 'Midnight', hex: '#1f2937' },
  { name: 'Sand', hex: '#d6c6a5' },
  { name: 'Sage', hex: '#9caf88' },
  { name: 'Terracotta', hex: '#c8643b' },
  { name: 'Ocean blue', hex: '#2f6690' },
  { name: 'Graphite', hex: '#3a3a3a' },
  { name: 'Chalk white', hex: '#f2f0eb' },
  { name: 'Forest green', hex: '#2d5a3d' },
  { name: 'Mustard', hex: '#d9a400' },
  { name: 'Cognac', hex: '#9a5b2f' },
  { name: 'Blush', hex: '#e8b4b8' },
  { name: 'Black', hex: '#151515' },
];
const BACKDROPS: readonly Colour[] = [
  { name: 'linen', hex: '#efe9df' },
  { name: 'pale grey', hex: '#e4e6e8' },
  { name: 'pale blue', hex: '#dde8f0' },
  { name: 'pale peach', hex: '#f6e3d6' },
];
const LINES = [
  'Transit',
  'Everyday',
  'Nomad',
  'Studio',
  'Commuter',
  'Weekender',
  'Minimal',
  'Classic',
  'Trail',
  'Harbor',
  'Metro',
  'Origin',
  'Folio',
  'Daily',
  'Atlas',
  'Pocket',
  'Field',
  'Halo',
  'Loop',
  'Arc',
];
const PHONES = [
  'iPhone 16',
  'iPhone 16 Pro',
  'iPhone 16 Pro Max',
  'iPhone 15',
  'Pixel 9',
  'Pixel 9 Pro',
  'Galaxy S25',
  'Galaxy S25 Ultra',
];
const LAPTOPS = [
  'MacBook Air 13"',
  'MacBook Air 15"',
  'MacBook Pro 14"',
  'MacBook Pro 16"',
  '13" laptops',
  '14" laptops',
  '15–16" laptops',
];

/** One line of goods: the picture to draw, its name and what it may be made of. */
interface AccessoryKind {
  object: AccessoryObject;
  noun: string;
  materials: readonly string[];
}
interface AccessoryCategory {
  kinds: readonly AccessoryKind[];
  compatibility: (random: Random, kind: AccessoryKind) => string;
  price: [number, number];
  feature: string;
}
const kinds = (object: AccessoryObject, nouns: readonly string[], materials: readonly string[]) =>
  nouns.map((noun) => ({ object, noun, materials }));
const LEATHER = ['Full-grain leather', 'Vegetable-tanned leather'];
const ACCESSORY_CATEGORIES: Record<string, AccessoryCategory> = {
  'Phone Cases': {
    kinds: [
      ...kinds(
        'phone-case',
        ['MagSafe Case', 'Slim Case'],
        ['Recycled silicone', 'Aramid fibre', ...LEATHER],
      ),
      ...kinds('phone-case', ['Folio Case'], LEATHER),
      ...kinds('phone-case', ['Rugged Case'], ['Polycarbonate and TPU']),
    ],
    compatibility: (r) => r.pick(PHONES),
    price: [25, 69],
    feature: 'Raised edges protect the screen and camera; the buttons stay crisp.',
  },
  'Laptop Sleeves': {
    kinds: [
      ...kinds(
        'laptop-sleeve',
        ['Laptop Sleeve', 'Zip Sleeve'],
        ['Waxed canvas', 'Recycled nylon', 'Full-grain leather'],
      ),
      ...kinds('laptop-sleeve', ['Felt Sleeve'], ['Merino wool felt']),
    ],
    compatibility: (r) => r.pick(LAPTOPS),
    price: [39, 129],
    feature: 'A soft lining and a padded base keep the corners safe in a bag.',
  },
  'Cables & Chargers': {
    kinds: [
      ...kinds(
        'cable',
        ['USB-C Cable', 'Braided USB-C to Lightning Cable', 'Coiled USB-C Cable'],
        ['Braided nylon', 'TPE'],
      ),
      ...kinds(
        'charger',
        ['65 W GaN Charger', '30 W USB-C Charger', 'Dual-port Travel Charger'],
        ['Recycled polycarbonate'],
      ),
    ],
    compatibility: (r, kind) =>
      kind.noun.includes('Lightning')
        ? 'iPhone and USB-C'
        : r.pick(['USB-C devices', 'USB-C laptops and phones']),
    price: [15, 79],
    feature: 'Certified for fast charging and tested to thousands of plug cycles.',
  },
  Wallets: {
    kinds: kinds(
      'wallet',
      ['Card Wallet', 'Bifold Wallet', 'Card Sleeve', 'Coin Wallet'],
      ['Waxed canvas', 'Recycled sailcloth', ...LEATHER],
    ),
    compatibility: (r) => `Holds ${r.int(3, 6)}–${r.int(7, 12)} cards`,
    price: [29, 119],
    feature: 'Slim enough for a front pocket, stitched to last for years.',
  },
  Bags: {
    kinds: kinds(
      'tote',
      ['Tote Bag', 'Market Tote', 'Zip Tote', 'Shoulder Bag'],
      ['Heavy cotton canvas', 'Waxed canvas', 'Recycled nylon', 'Full-grain leather'],
    ),
    compatibility: (r) => r.pick(['Fits a 13" laptop', 'Fits a 14" laptop', 'Fits a 16" laptop']),
    price: [45, 189],
    feature: 'An inner pocket keeps keys and phone apart from everything else.',
  },
  Desk: {
    kinds: [
      ...kinds(
        'keyboard',
        ['Wireless Keyboard', 'Low-profile Mechanical Keyboard'],
        ['Anodised aluminium', 'Recycled ABS'],
      ),
      ...kinds(
        'desk-mat',
        ['Desk Mat', 'Felt Desk Pad'],
        ['Merino wool felt', 'Cork and vegan leather'],
      ),
      ...kinds('stand', ['Laptop Stand', 'Phone Stand'], ['Anodised aluminium', 'Walnut']),
    ],
    compatibility: (r, kind) =>
      kind.object === 'keyboard'
        ? 'macOS, Windows and iPadOS'
        : kind.object === 'stand'
          ? r.pick(['Laptops up to 16"', 'Phones and tablets up to 13"'])
          : 'Any desk',
    price: [29, 199],
    feature: 'Designed to make a small desk calmer and more comfortable.',
  },
  'Watch Straps': {
    kinds: [
      ...kinds(
        'watch-strap',
        ['Leather Watch Strap'],
        ['Horween leather', 'Vegetable-tanned leather'],
      ),
      ...kinds('watch-strap', ['Sport Band', 'Rubber Strap'], ['FKM rubber']),
      ...kinds('watch-strap', ['NATO Strap'], ['Nylon webbing']),
    ],
    compatibility: (r) =>
      r.pick(['18 mm lugs', '20 mm lugs', '22 mm lugs', 'Apple Watch 41 mm', 'Apple Watch 45 mm']),
    price: [19, 89],
    feature: 'Quick-release spring bars: swap straps in seconds without tools.',
  },
  '3D-Print Files': {
    kinds: [
      ...kinds('cable', ['Cable Clip Set (STL)'], ['STL file']),
      ...kinds('stand', ['Phone Stand (STL)', 'Headphone Hook (STL)'], ['STL file']),
      ...kinds('charger', ['Charger Dock (STL)'], ['STL file']),
      ...kinds('wallet', ['Card Holder (STL)'], ['STL file']),
    ],
    compatibility: () => 'FDM 3D printers (PLA or PETG)',
    price: [3, 12],
    feature: 'Prints without supports in under two hours on most printers.',
  },
};

const accessories: ShopDefinition = {
  shop: 'accessories',
  name: 'Carry & Co.',
  currency: 'USD',
  makerNoun: 'brand',
  categories: Object.keys(ACCESSORY_CATEGORIES),
  offers: [
    {
      id: 'stocked',
      weight: 92,
      kind: 'physical',
      categories: Object.keys(ACCESSORY_CATEGORIES).filter((c) => c !== '3D-Print Files'),
    },
    { id: 'print-file', weight: 8, kind: 'digital', categories: ['3D-Print Files'] },
  ],
  collectionThemes: [
    {
      title: 'Desk Setup',
      description: 'Keyboards, mats and stands for a calmer desk.',
      accepts: (p) => p.tags.has('category:desk'),
    },
    {
      title: 'Everyday Carry',
      description: 'Wallets, bags and cables for the daily commute.',
      accepts: (p) => ['wallet', 'tote', 'cable'].some((o) => p.tags.has(`object:${o}`)),
    },
    {
      title: 'For Your Phone',
      description: 'Cases, stands and chargers.',
      accepts: (p) => ['phone-case', 'stand', 'charger'].some((o) => p.tags.has(`object:${o}`)),
    },
    {
      title: 'Under $30',
      description: 'Small upgrades and easy gifts.',
      accepts: (p) => p.priceMinor < 3_000,
    },
    {
      title: 'Leather Goods',
      description: 'Full-grain and vegetable-tanned leather that ages well.',
      accepts: (p) => p.tags.has('leather'),
    },
    {
      title: 'Travel Ready',
      description: 'Sleeves, chargers and totes that pack flat.',
      accepts: (p) => ['laptop-sleeve', 'charger', 'tote'].some((o) => p.tags.has(`object:${o}`)),
    },
    {
      title: 'Colour Pop',
      description: 'Mustard, terracotta and blush: accessories that stand out.',
      accepts: (p) => ['Mustard', 'Terracotta', 'Blush'].some((c) => p.tags.has(`colour:${c}`)),
    },
    {
      title: 'New Arrivals',
      description: 'Just landed in the shop.',
      accepts: (p) => p.createdAt.getTime() >= SEED_EPOCH - 90 * DAY_MS,
    },
    {
      title: 'Makers’ Files',
      description: 'Printable designs: download once, print as many as you need.',
      accepts: (p) => p.kind === 'digital',
    },
    {
      title: 'Gift Guide',
      description: 'Thoughtful things under $100.',
      accepts: (p) => p.priceMinor < 10_000 && p.kind === 'physical',
    },
  ],
  makerName: (random) =>
    random.weighted<() => string>([
      [() => `${random.pick(BRAND_WORDS)} ${random.pick(BRAND_SUFFIX)}`, 4],
      [() => random.sample(BRAND_WORDS, 2).join(' & '), 4],
      [() => `${random.pick(BRAND_WORDS)}${random.pick(BRAND_COMPOUND)}`, 2],
    ])(),
  makerBio: (random, maker) =>
    [
      `${maker.name} is a ${random.pick(['small design studio', 'family workshop', 'two-person team', 'design collective'])} based in ${random.pick(CITIES)}.`,
      random.pick([
        'They design for repair: every product has replaceable parts.',
        'Their goods are made in small batches with recycled materials.',
        'Founded by a former industrial designer tired of things that break.',
        'Every design is tested for a year of daily use before it ships.',
      ]),
    ].join(' '),
  product(ctx) {
    const { random, offer, category, maker } = ctx;
    const spec = ACCESSORY_CATEGORIES[category] ?? ACCESSORY_CATEGORIES.Wallets;
    if (!spec) throw new Error(`unknown accessories category ${category}`);
    const kind = random.pick(spec.kinds);
    const { object, noun } = kind;
    const material = random.pick(kind.materials);
    const compatibility = spec.compatibility(random, kind);
    const digital = offer.kind === 'digital';
    const colour = digital
      ? { name: 'Any (print your own)', hex: '#1d4e89' }
      : random.pick(COLOURS);
    const title = ctx.unique(
      'title',
      () => {
        const named = `${random.pick(LINES)} ${noun}`;
        const full =
          object === 'phone-case' || object === 'laptop-sleeve'
            ? `${named} for ${compatibility}`
            : named;
        // Colourways are listed as their own products, as many shops do.
        return !digital && random.chance(0.5) ? `${full} in ${colour.name}` : full;
      },
      (candidate, n) => `${candidate} ${digital ? 'v' : 'Gen '}${n}`,
    );
    const priceMinor = price99(random, spec.price[0], spec.price[1]);
    const stock = digital
      ? null
      : random.weighted([
          [random.int(3, 20), 3],
          [random.int(20, 150), 5],
          [random.int(150, 400), 2],
        ] as const);
    const description = [
      `The ${title} by ${maker.name}${digital || title.endsWith(colour.name) ? '' : `, in ${colour.name.toLowerCase()}`}.`,
      spec.feature,
      digital ? 'A printable design, supplied as an STL file.' : `Material: ${material}.`,
      digital
        ? 'Download immediately after purchase; personal and commercial printing allowed.'
        : 'Free returns within 30 days.',
    ].join(' ');

    const base = {
      kind: 'accessory',
      seed: `${ctx.seed}:object`,
      object,
      colour,
      accent: random.pick(COLOURS.filter((c) => c !== colour)),
      backdrop: random.pick(BACKDROPS),
      blueprint: digital,
      brand: maker.name,
    } as const;
    const images: ImageSpec[] = [
      {
        ...base,
        view: 'front',
        label: digital
          ? `Technical drawing of the ${title} by ${maker.name}`
          : `${title} by ${maker.name}${title.endsWith(colour.name) ? '' : ` in ${colour.name.toLowerCase()}`}, on ${article(base.backdrop.name)} background`,
      },
    ];
    if (random.chance(0.6))
      images.push({
        ...base,
        view: 'detail',
        label: `Close-up of the ${title}${digital ? ' drawing' : ''}`,
      });

    const tags = [`object:${object}`, `colour:${colour.name}`];
    if (material.toLowerCase().includes('leather')) tags.push('leather');
    return {
      title,
      description,
      priceMinor,
      attributes: { compatibility, colour: colour.name, material },
      stock,
      images,
      tags,
    };
  },
};

/** Every shop the seed can build, by kind. */
export const SHOP_DEFINITIONS: Readonly<Record<Shop, ShopDefinition>> = {
  gallery,
  bookstore,
  watches,
  accessories,
};

/** Attribute keys each shop's products carry (what the storefront may show). */
export const ATTRIBUTE_KEYS: Readonly<Record<Shop, readonly string[]>> = {
  gallery: ['medium', 'dimensions', 'year', 'edition'],
  bookstore: ['isbn', 'pages', 'publisher', 'language', 'format'],
  watches: ['movement', 'caseDiameterMm', 'waterResistanceM', 'caseMaterial', 'strap'],
  accessories: ['compatibility', 'colour', 'material'],
};
