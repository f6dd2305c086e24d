import type {
  ArtistRow,
  CategoryRow,
  CollectionItemRow,
  CollectionRow,
  InventoryRow,
  ProductImageRow,
  ProductRow,
  ProductStatus,
} from '../platform/db/models.ts';
import { MOTIFS, PALETTES } from './art.ts';
import { type ImageSpec, imageSize } from './images.ts';
import { createRandom, type Random } from './random.ts';
import {
  type Maker,
  type Offer,
  type ProductContext,
  type ProductDraft,
  SEED_EPOCH,
  SHOP_DEFINITIONS,
  type Shop,
  type ShopDefinition,
  type ThemeCandidate,
} from './shops.ts';

/*
 * Turns a shop definition into the rows of a whole catalogue, without touching
 * the database or the disk. Every row carries explicit ids and timestamps, so
 * the same (shop, products) always gives the same rows, whatever the state of
 * the sequences or the clock.
 */

/** A planned picture: its row and how to draw its file. */
export interface PlannedImage {
  row: ProductImageRow;
  spec: ImageSpec;
}

export interface Catalog {
  definition: ShopDefinition;
  artists: ArtistRow[];
  categories: CategoryRow[];
  products: ProductRow[];
  images: PlannedImage[];
  inventory: InventoryRow[];
  collections: CollectionRow[];
  collectionItems: CollectionItemRow[];
}

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/** Makers scale with the catalogue: about one per ten products. */
export function makerCount(products: number): number {
  return Math.min(2000, Math.max(3, Math.round(products / 10)));
}

/** About eight collections up to 500 products, then slowly more (at most 60). */
export function collectionCount(products: number): number {
  if (products < 40) return Math.max(1, Math.ceil(products / 5));
  if (products <= 500) return 8;
  return Math.min(60, 8 + Math.round(4 * Math.log2(products / 500)));
}

const TRANSLITERATE: Record<string, string> = {
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  ł: 'l',
  đ: 'd',
  þ: 'th',
  ð: 'd',
  ı: 'i',
};

/** A URL slug matching the schema's `^[a-z0-9]+(-[a-z0-9]+)*$`, cut at a word boundary. */
export function slugify(text: string, maxLength: number): string {
  const ascii = text
    .toLowerCase()
    .replace(/[øæœßłđþðı]/g, (ch) => TRANSLITERATE[ch] ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&/g, ' and ');
  let slug = ascii.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (slug.length > maxLength) {
    slug = slug.slice(0, maxLength);
    const cut = slug.lastIndexOf('-');
    slug = cut > maxLength / 2 ? slug.slice(0, cut) : slug.replace(/-+$/, '');
  }
  return slug || 'item';
}

/** Hands out slugs, appending -2, -3, … on collision and staying within maxLength. */
function slugAllocator(maxLength: number) {
  const taken = new Set<string>();
  return (text: string): string => {
    const base = slugify(text, maxLength);
    let slug = base;
    for (let n = 2; taken.has(slug); n++) {
      const suffix = `-${n}`;
      slug = `${slugify(base, maxLength - suffix.length)}${suffix}`;
    }
    taken.add(slug);
    return slug;
  };
}

/**
 * Splits `count` items between labels by weight (largest remainder), giving
 * each label at least one when `atLeastOne` and there are enough items, and
 * returns them in shuffled order.
 */
export function allocate<T>(
  random: Random,
  count: number,
  entries: readonly (readonly [T, number])[],
  atLeastOne: boolean,
): T[] {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  const exact = entries.map(([, w]) => (count * w) / total);
  const counts = exact.map(Math.floor);
  const byRemainder = exact
    .map((value, i) => [value - Math.floor(value), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let left = count - counts.reduce((sum, n) => sum + n, 0);
  for (const [, i] of byRemainder) {
    if (left <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    left--;
  }
  if (atLeastOne && count >= entries.length) {
    for (let i = 0; i < counts.length; i++) {
      if ((counts[i] ?? 0) > 0) continue;
      // Take one from the largest share.
      const largest = counts.indexOf(Math.max(...counts));
      counts[largest] = (counts[largest] ?? 0) - 1;
      counts[i] = 1;
    }
  }
  const out: T[] = [];
  entries.forEach(([label], i) => {
    for (let k = 0; k < (counts[i] ?? 0); k++) out.push(label);
  });
  return random.shuffle(out);
}

/** Whole seconds, so timestamps survive any round trip unchanged. */
const at = (ms: number) => new Date(Math.floor(ms / SECOND) * SECOND);
const capAtEpoch = (ms: number) => Math.min(ms, SEED_EPOCH - SECOND);

/** Builds the whole catalogue for `shop` with `productCount` products. */
export function buildCatalog(shop: Shop, productCount: number): Catalog {
  if (!Number.isSafeInteger(productCount) || productCount < 1) {
    throw new RangeError(`products must be a positive whole number, got ${productCount}`);
  }
  const definition = SHOP_DEFINITIONS[shop];
  const root = createRandom(`vitrine-seed/${shop}`);
  const taken = new Map<string, Set<string>>();
  const unique: ProductContext['unique'] = (
    kind,
    make,
    fallback = (candidate, n) => `${candidate} ${roman(n)}`,
  ) => {
    const set = taken.get(kind) ?? new Set<string>();
    taken.set(kind, set);
    let candidate = '';
    for (let attempt = 0; attempt < 12; attempt++) {
      candidate = make();
      if (!set.has(candidate)) {
        set.add(candidate);
        return candidate;
      }
    }
    for (let n = 2; ; n++) {
      const value = fallback(candidate, n);
      if (!set.has(value)) {
        set.add(value);
        return value;
      }
    }
  };

  // Categories, in display order.
  const categorySlug = slugAllocator(80);
  const categories: CategoryRow[] = definition.categories.map((name, i) => {
    const createdAt = at(SEED_EPOCH - 450 * DAY + i * 60 * SECOND);
    return {
      id: i + 1,
      slug: categorySlug(name),
      name,
      parentId: null,
      position: i,
      createdAt,
      updatedAt: createdAt,
    };
  });
  const categoryIds = new Map(categories.map((c) => [c.name, c.id]));

  // Makers, each with a visual signature their products lean towards.
  const makerRandom = root.fork('makers');
  const makerCountValue = makerCount(productCount);
  const artistSlug = slugAllocator(80);
  const makerTimes = Array.from({ length: makerCountValue }, () =>
    makerRandom.int(0, 40 * 24 * 3600),
  ).sort((a, b) => a - b);
  const makers: Maker[] = [];
  const artists: ArtistRow[] = makerTimes.map((offsetSeconds, i) => {
    const r = makerRandom.fork(`maker/${i}`);
    const name = unique(
      'maker',
      () => definition.makerName(r),
      (candidate, n) => `${candidate} ${roman(n)}`,
    );
    const maker: Maker = {
      name,
      palettes: r.sample(PALETTES, r.int(1, 2)),
      motifs: r.sample(MOTIFS, r.int(2, 3)),
    };
    makers.push(maker);
    const createdAt = at(SEED_EPOCH - 430 * DAY + offsetSeconds * SECOND);
    const updatedAt = at(capAtEpoch(createdAt.getTime() + r.int(0, 300) * DAY));
    return {
      id: i + 1,
      userId: null,
      slug: artistSlug(name),
      name,
      bio: definition.makerBio(r, maker),
      createdAt,
      updatedAt,
    };
  });

  // What each product is: offer, status and maker are dealt from quotas so
  // even a small catalogue shows the whole mix.
  const planRandom = root.fork('plan');
  const offers = allocate<Offer>(
    planRandom,
    productCount,
    definition.offers.map((o) => [o, o.weight] as const),
    true,
  );
  const statuses = allocate<ProductStatus>(
    planRandom,
    productCount,
    [
      ['published', 90],
      ['draft', 6],
      ['archived', 4],
    ],
    productCount >= 10,
  );
  const makerOf = assignMakers(planRandom, productCount, makers.length);
  const createdTimes = Array.from({ length: productCount }, () =>
    planRandom.int(1, 365 * 24 * 3600),
  ).sort((a, b) => b - a);

  const productSlug = slugAllocator(120);
  const products: ProductRow[] = [];
  const drafts: ProductDraft[] = [];
  const images: PlannedImage[] = [];
  for (let i = 0; i < productCount; i++) {
    const random = root.fork(`product/${i}`);
    const offer = offers[i] as Offer;
    const maker = makers[makerOf[i] ?? 0] as Maker;
    const category = random.pick(offer.categories);
    const draft = definition.product({
      random,
      seed: `${shop}/${i}`,
      offer,
      category,
      maker,
      unique,
    });
    drafts.push(draft);

    const status = statuses[i] ?? 'published';
    const createdMs = SEED_EPOCH - (createdTimes[i] ?? 1) * SECOND;
    const publishedMs =
      status === 'draft' ? null : capAtEpoch(createdMs + random.int(1, 7 * 24) * HOUR);
    let updatedMs: number;
    if (status === 'archived')
      updatedMs = capAtEpoch((publishedMs ?? createdMs) + random.int(7, 120) * DAY);
    else if (status === 'draft') updatedMs = capAtEpoch(createdMs + random.int(0, 72) * HOUR);
    else
      updatedMs = random.chance(0.3)
        ? capAtEpoch((publishedMs ?? createdMs) + random.int(1, 60) * DAY)
        : (publishedMs ?? createdMs);
    const id = i + 1;
    const slug = productSlug(draft.title);
    const createdAt = at(createdMs);
    products.push({
      id,
      slug,
      title: draft.title,
      description: draft.description,
      artistId: (makerOf[i] ?? 0) + 1,
      categoryId: categoryIds.get(category) ?? null,
      priceMinor: draft.priceMinor,
      currency: definition.currency,
      status,
      kind: offer.kind,
      attributes: draft.attributes,
      publishedAt: publishedMs === null ? null : at(publishedMs),
      createdAt,
      updatedAt: at(updatedMs),
    });
    draft.images.forEach((spec, position) => {
      images.push({
        row: {
          id: images.length + 1,
          productId: id,
          storageKey: `products/${slug}-${position + 1}.svg`,
          contentType: 'image/svg+xml',
          ...imageSize(spec),
          alt: spec.label.slice(0, 500),
          position,
          createdAt,
        },
        spec,
      });
    });
  }

  // Stock: a handful of tracked products are sold out; held is always 0.
  const tracked = products.filter((_, i) => drafts[i]?.stock !== null).map((p) => p.id);
  const soldOut = new Set(
    tracked.length >= 5
      ? root.fork('sold-out').sample(tracked, Math.max(1, Math.round(tracked.length * 0.04)))
      : [],
  );
  const inventory: InventoryRow[] = [];
  products.forEach((product, i) => {
    const stock = drafts[i]?.stock;
    if (stock === null || stock === undefined) return;
    inventory.push({
      productId: product.id,
      onHand: soldOut.has(product.id) ? 0 : stock,
      held: 0,
      updatedAt: product.updatedAt,
    });
  });

  const { collections, collectionItems } = buildCollections(
    root.fork('collections'),
    definition,
    categories,
    products,
    drafts,
    offers,
  );
  return {
    definition,
    artists,
    categories,
    products,
    images,
    inventory,
    collections,
    collectionItems,
  };
}

/**
 * Which maker made each product: every maker gets at least one product when
 * there are enough, and the rest follow a long tail (a few prolific makers).
 */
function assignMakers(random: Random, products: number, makers: number): number[] {
  const out: number[] = [];
  for (let m = 0; m < makers && out.length < products; m++) out.push(m);
  const weights = Array.from({ length: makers }, (_, m) => [m, 1 / (m + 1) ** 0.7] as const);
  const prolific = random.shuffle(weights.map(([m]) => m));
  const tail = weights.map(([rank, weight]) => [prolific[rank] ?? rank, weight] as const);
  while (out.length < products) out.push(random.weighted(tail));
  return random.shuffle(out);
}

const EDITS = [
  'Vol. II',
  'Spring Edit',
  'Autumn Edit',
  'Curator’s Cut',
  'Revisited',
  'Winter Edit',
  'Summer Edit',
  'Vol. III',
  'Encore',
  'The Archive',
  'Vol. IV',
  'Late Additions',
];

function buildCollections(
  random: Random,
  definition: ShopDefinition,
  categories: readonly CategoryRow[],
  products: readonly ProductRow[],
  drafts: readonly ProductDraft[],
  offers: readonly Offer[],
): { collections: CollectionRow[]; collectionItems: CollectionItemRow[] } {
  const themes = definition.collectionThemes;
  const count = collectionCount(products.length);
  const categorySlugs = new Map(categories.map((c) => [c.id, c.slug]));
  const candidates = products
    .map((p, i) => ({ product: p, draft: drafts[i], offer: offers[i] }))
    .filter(({ product }) => product.status === 'published')
    .map(({ product, draft, offer }): { id: number; candidate: ThemeCandidate } => {
      const tags = new Set(draft?.tags ?? []);
      tags.add(`category:${categorySlugs.get(product.categoryId ?? 0) ?? 'none'}`);
      return {
        id: product.id,
        candidate: {
          tags,
          priceMinor: product.priceMinor,
          kind: product.kind,
          createdAt: product.createdAt,
          offer: offer?.id ?? '',
        },
      };
    });

  const featuredCount = count >= 3 ? random.int(2, 3) : 1;
  const featured = new Set(
    random.sample(
      Array.from({ length: count }, (_, i) => i),
      featuredCount,
    ),
  );
  const collectionSlug = slugAllocator(80);
  const collections: CollectionRow[] = [];
  const collectionItems: CollectionItemRow[] = [];
  // Themes in a shuffled order, so a small catalogue does not always get the same eight.
  const order = random.shuffle(themes);
  for (let k = 0; k < count; k++) {
    const theme = order[k % order.length];
    if (!theme) break;
    const round = Math.floor(k / order.length);
    const title =
      round === 0 ? theme.title : `${theme.title}: ${EDITS[(round - 1) % EDITS.length]}`;
    const r = random.fork(`collection/${k}`);
    const fitting = theme.accepts
      ? candidates.filter((c) => theme.accepts?.(c.candidate))
      : candidates;
    const pool = fitting.length >= 8 ? fitting : candidates;
    const size = Math.min(r.int(8, 30), pool.length);
    r.sample(pool, size).forEach((c, position) => {
      collectionItems.push({ collectionId: k + 1, productId: c.id, position });
    });
    const createdAt = at(SEED_EPOCH - r.int(30, 200) * DAY);
    collections.push({
      id: k + 1,
      slug: collectionSlug(title),
      title,
      description: theme.description,
      featured: featured.has(k),
      position: k,
      createdAt,
      updatedAt: at(capAtEpoch(createdAt.getTime() + r.int(0, 25) * DAY)),
    });
  }
  return { collections, collectionItems };
}

/** 2 → "II": disambiguates names the way people do. */
function roman(n: number): string {
  const numerals: [number, string][] = [
    [1000, 'M'],
    [900, 'CM'],
    [500, 'D'],
    [400, 'CD'],
    [100, 'C'],
    [90, 'XC'],
    [50, 'L'],
    [40, 'XL'],
    [10, 'X'],
    [9, 'IX'],
    [5, 'V'],
    [4, 'IV'],
    [1, 'I'],
  ];
  let out = '';
  let rest = n;
  for (const [value, numeral] of numerals) {
    while (rest >= value) {
      out += numeral;
      rest -= value;
    }
  }
  return out;
}
