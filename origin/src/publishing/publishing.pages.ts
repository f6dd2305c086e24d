/*
 * The URL scheme of the pre-rendered catalogue, and which of its pages a
 * change makes stale. The storefront builds its pages at these paths (the
 * export carries each record's `path`), and the change feed names them, so a
 * deploy rebuilds and invalidates exactly those.
 *
 *   /                        home: featured collections, new works, popular works
 *   /products/<slug>/        one published product
 *   /artists/<slug>/         one artist (maker) and their published works
 *   /galleries/<slug>/       one collection, its works in curated order
 *   /categories/<slug>/      one category and its published works
 *   /sitemap.xml             every page above
 *
 * Paths end in a slash (the edge rewrites them to `<path>index.html` in S3).
 * A listing split into pages keeps its later pages under its path
 * (`/categories/painting/2/`), so invalidating `<path>*` covers all of them;
 * `/` stands for the home page alone (`/` and `/index.html`), never `/*`.
 *
 * What a page shows, as far as staleness goes: a product page shows its
 * artist's name, its category's name and the titles of its collections; a
 * listing shows its works' titles, prices, main pictures and artist names;
 * the navigation of every page lists the categories. Stock, live prices and
 * favourite counts are islands fetched at view time and never make a page
 * stale. The home page shows HOME_LIST_SIZE new and popular works.
 */

/** The home page. */
export const HOME_PATH = '/';
/** The sitemap: stale whenever a page appears, disappears or moves. */
export const SITEMAP_PATH = '/sitemap.xml';
/** How many new and how many popular works the home page lists. */
export const HOME_LIST_SIZE = 12;

export const productPath = (slug: string) => `/products/${slug}/`;
export const artistPath = (slug: string) => `/artists/${slug}/`;
export const galleryPath = (slug: string) => `/galleries/${slug}/`;
export const categoryPath = (slug: string) => `/categories/${slug}/`;

/** An event as the feed reads it from the outbox. */
export interface OutboxEvent {
  id: number;
  topic: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** What the database says now about a product an event names. */
export interface ProductFacts {
  slug: string;
  published: boolean;
  artistSlug: string | null;
  categorySlug: string | null;
  /** Collections it belongs to. */
  galleries: Array<{ slug: string; featured: boolean }>;
  favourites: number;
}

/** An artist, category or collection an event names, with its published works when asked for. */
export interface OwnerFacts {
  slug: string;
  /** Collections only. */
  featured?: boolean;
  /** Slugs of its published products (loaded only when `FactsNeeded` asks for members). */
  productSlugs?: string[];
}

export interface HomeFacts {
  /** Products the home page lists now (new or popular). */
  productIds: ReadonlySet<number>;
  /** Favourites of the least favourited popular work; 0 while fewer than HOME_LIST_SIZE have any. */
  popularThreshold: number;
}

export interface PageFacts {
  products: ReadonlyMap<number, ProductFacts>;
  artists: ReadonlyMap<number, OwnerFacts>;
  categories: ReadonlyMap<number, OwnerFacts>;
  collections: ReadonlyMap<number, OwnerFacts>;
  home: HomeFacts;
}

/** The rows `PageFacts` must be loaded for. */
export interface FactsNeeded {
  productIds: number[];
  artistIds: number[];
  /** Artists whose published works' slugs are needed too. */
  artistMembers: number[];
  categoryIds: number[];
  collectionIds: number[];
  /** Collections whose published works' slugs are needed too. */
  collectionMembers: number[];
}

export interface StalePages {
  /** Sorted, without duplicates. */
  paths: string[];
  /** Every page may be stale: rebuild and invalidate the whole site. */
  fullRebuild: boolean;
}

/*
 * Event conventions the feed relies on. The topic is `<domain>.<verb>`; the
 * domain says what `aggregateId` is. Payload fields it reads, all optional:
 *   slug            the slug at the time of the event (the only trace of a deleted row)
 *   previousSlug    the slug before a rename
 *   artistId, previousArtistId, categoryId, previousCategoryId   a product's owners (then and before)
 *   collectionIds   a deleted product's collections
 *   productId, productIds   works added to or removed from a collection; the work of a favourite
 *   featured        present when a collection's featured flag changed
 */

/** Verbs after which a page exists that did not, or no longer does. */
const VISIBILITY_VERBS = new Set([
  'created',
  'published',
  'unpublished',
  'archived',
  'deleted',
  'removed',
  'restored',
]);

/**
 * Domains whose events never touch a pre-rendered page (accounts, orders,
 * stock and prices at checkout are live). Any other unknown domain means a
 * full rebuild: a feed that misses a stale page is worse than one that
 * rebuilds too much.
 */
const IGNORED_DOMAINS = new Set([
  'user',
  'session',
  'cart',
  'order',
  'payment',
  'checkout',
  'inventory',
  'stock',
  'idempotency',
]);

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const domainOf = (event: OutboxEvent) => event.topic.split('.')[0] ?? '';
const verbOf = (event: OutboxEvent) => event.topic.slice(event.topic.lastIndexOf('.') + 1);

/** A positive id from a number or a numeric string, else null. */
export function idOf(value: unknown): number | null {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value)
        ? Number(value)
        : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

const idsOf = (value: unknown): number[] =>
  Array.isArray(value) ? value.map(idOf).filter((n): n is number => n !== null) : [];

/** A payload string only when it is a well-formed slug: nothing else may become a path. */
const slugOf = (value: unknown): string | null =>
  typeof value === 'string' && value.length <= 120 && SLUG.test(value) ? value : null;

/** The entity id of an event of `domain`: the aggregate when it is one, else the payload's. */
function subjectOf(event: OutboxEvent, domain: string): number | null {
  if (event.aggregateType === domain) return idOf(event.aggregateId);
  return idOf(event.payload[`${domain}Id`]);
}

/** The work of a favourite event: the payload's productId, else a product aggregate. */
function favouriteProductOf(event: OutboxEvent): number | null {
  return (
    idOf(event.payload.productId) ??
    (event.aggregateType === 'product' ? idOf(event.aggregateId) : null)
  );
}

/** Collection events that only move works within the collection. */
const isReorder = (event: OutboxEvent) => verbOf(event) === 'reordered';

/** Works named by a collection event that added or removed them. */
const membersNamed = (event: OutboxEvent) => [
  ...idsOf(event.payload.productIds),
  ...[idOf(event.payload.productId)].filter((n): n is number => n !== null),
];

/** Which rows the facts must hold to work out the stale pages of `events`. */
export function factsNeeded(events: readonly OutboxEvent[]): FactsNeeded {
  const products = new Set<number>();
  const artists = new Set<number>();
  const artistMembers = new Set<number>();
  const categories = new Set<number>();
  const collections = new Set<number>();
  const collectionMembers = new Set<number>();
  const add = (set: Set<number>, value: number | null) => {
    if (value !== null) set.add(value);
  };
  for (const event of events) {
    const domain = domainOf(event);
    const { payload } = event;
    switch (domain) {
      case 'product':
        add(products, subjectOf(event, 'product'));
        for (const key of ['artistId', 'previousArtistId']) add(artists, idOf(payload[key]));
        for (const key of ['categoryId', 'previousCategoryId']) add(categories, idOf(payload[key]));
        for (const n of idsOf(payload.collectionIds)) collections.add(n);
        break;
      case 'favorite':
      case 'favourite':
        add(products, favouriteProductOf(event));
        break;
      case 'collection': {
        const id = subjectOf(event, 'collection');
        add(collections, id);
        const named = membersNamed(event);
        for (const n of named) products.add(n);
        if (!isReorder(event) && named.length === 0) add(collectionMembers, id);
        break;
      }
      case 'artist': {
        const id = subjectOf(event, 'artist');
        add(artists, id);
        if (verbOf(event) !== 'created') add(artistMembers, id);
        break;
      }
      case 'category':
        add(categories, subjectOf(event, 'category'));
        break;
    }
  }
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  return {
    productIds: sorted(products),
    artistIds: sorted(new Set([...artists, ...artistMembers])),
    artistMembers: sorted(artistMembers),
    categoryIds: sorted(categories),
    collectionIds: sorted(new Set([...collections, ...collectionMembers])),
    collectionMembers: sorted(collectionMembers),
  };
}

/**
 * The pages `events` made stale, from the current facts. It errs towards
 * rebuilding too much: a deleted row is known only by its payload, and the
 * popular list is judged from today's counts.
 */
export function stalePages(events: readonly OutboxEvent[], facts: PageFacts): StalePages {
  const paths = new Set<string>();
  let fullRebuild = false;
  const addSlugs = (toPath: (slug: string) => string, ...slugs: unknown[]) => {
    for (const value of slugs) {
      const slug = slugOf(value);
      if (slug) paths.add(toPath(slug));
    }
  };
  /** Slug now, slug at the event and slug before a rename: all of their pages are stale. */
  const slugsOf = (now: string | undefined, payload: Record<string, unknown>) => {
    const previous = slugOf(payload.previousSlug);
    return {
      slugs: [now, payload.slug, previous],
      moved: previous !== null && previous !== (now ?? slugOf(payload.slug)),
    };
  };

  for (const event of events) {
    const domain = domainOf(event);
    const verb = verbOf(event);
    const { payload } = event;
    const visibility = VISIBILITY_VERBS.has(verb);
    switch (domain) {
      case 'product': {
        const id = subjectOf(event, 'product');
        const product = id === null ? undefined : facts.products.get(id);
        const { slugs, moved } = slugsOf(product?.slug, payload);
        // Edits to a draft or archived work change no page.
        if (!product?.published && !visibility && !moved) break;
        addSlugs(productPath, ...slugs);
        addSlugs(artistPath, product?.artistSlug);
        addSlugs(categoryPath, product?.categorySlug);
        for (const key of ['artistId', 'previousArtistId'])
          addSlugs(artistPath, facts.artists.get(idOf(payload[key]) ?? 0)?.slug);
        for (const key of ['categoryId', 'previousCategoryId'])
          addSlugs(categoryPath, facts.categories.get(idOf(payload[key]) ?? 0)?.slug);
        for (const gallery of product?.galleries ?? []) addSlugs(galleryPath, gallery.slug);
        for (const n of idsOf(payload.collectionIds))
          addSlugs(galleryPath, facts.collections.get(n)?.slug);
        const onHome =
          (id !== null && facts.home.productIds.has(id)) ||
          (product?.galleries.some((g) => g.featured) ?? false);
        if (onHome || visibility || moved) paths.add(HOME_PATH);
        if (visibility || moved) paths.add(SITEMAP_PATH);
        break;
      }
      case 'favorite':
      case 'favourite': {
        // Counts are islands; only the popular list of the home page is static.
        const id = favouriteProductOf(event);
        const product = id === null ? undefined : facts.products.get(id);
        if (id === null) paths.add(HOME_PATH);
        else if (facts.home.productIds.has(id)) paths.add(HOME_PATH);
        else if (
          verb !== 'added' &&
          product &&
          product.favourites + 1 >= facts.home.popularThreshold
        )
          // Fewer favourites now: it may just have dropped out of the list.
          paths.add(HOME_PATH);
        break;
      }
      case 'collection': {
        const id = subjectOf(event, 'collection');
        const collection = id === null ? undefined : facts.collections.get(id);
        const { slugs, moved } = slugsOf(collection?.slug, payload);
        addSlugs(galleryPath, ...slugs);
        const named = membersNamed(event);
        // Product pages name their collections: works that joined or left, or all of them on a rename.
        for (const n of named) {
          const product = facts.products.get(n);
          if (product?.published) addSlugs(productPath, product.slug);
        }
        if (!isReorder(event) && named.length === 0)
          addSlugs(productPath, ...(collection?.productSlugs ?? []));
        if (collection?.featured || 'featured' in payload || !collection || visibility)
          paths.add(HOME_PATH);
        if (visibility || moved) paths.add(SITEMAP_PATH);
        break;
      }
      case 'artist': {
        const id = subjectOf(event, 'artist');
        const artist = id === null ? undefined : facts.artists.get(id);
        const { slugs, moved } = slugsOf(artist?.slug, payload);
        addSlugs(artistPath, ...slugs);
        // Product pages and listings show the artist's name.
        const works = artist?.productSlugs ?? [];
        addSlugs(productPath, ...works);
        if (works.length > 0 || (!artist && verb !== 'created')) paths.add(HOME_PATH);
        if (visibility || moved) paths.add(SITEMAP_PATH);
        break;
      }
      case 'category': {
        const id = subjectOf(event, 'category');
        const { slugs } = slugsOf(
          id === null ? undefined : facts.categories.get(id)?.slug,
          payload,
        );
        addSlugs(categoryPath, ...slugs);
        paths.add(SITEMAP_PATH);
        // The navigation of every page lists the categories.
        fullRebuild = true;
        break;
      }
      default:
        if (!IGNORED_DOMAINS.has(domain)) fullRebuild = true;
    }
  }
  return { paths: [...paths].sort(), fullRebuild };
}
