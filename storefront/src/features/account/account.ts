import type { Role } from '../session/page.ts';

/*
 * What the account page shows: the API's shapes it reads (GET /api/v1/auth/me,
 * /auth/sessions, /favorites) and the words for them.
 */

export interface ArtistProfile {
  id: number;
  slug: string;
  name: string;
  bio: string;
}

export interface Me {
  user: { id: number; email: string; displayName: string; role: Role };
  artist: ArtistProfile | null;
}

export interface SessionInfo {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string;
  ip: string | null;
  current: boolean;
}

export interface Favourite {
  addedAt: string;
  product: {
    id: number;
    slug: string;
    title: string;
    kind: 'physical' | 'digital';
    price: { amountMinor: number; currency: string };
    artist: { slug: string; name: string } | null;
    image: { url: string; width: number; height: number; alt: string } | null;
  };
}

export const ROLE_WORDS: Record<Role, string> = {
  customer: 'Customer',
  artist: 'Artist',
  admin: 'Administrator',
};

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
];

const SYSTEMS: [RegExp, string][] = [
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Android/, 'Android'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/**
 * "Firefox on Linux": enough for a shopper to recognise a device in the list
 * of sessions. The full user agent stays available as the cell's title.
 */
export function deviceOf(userAgent: string): string {
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser ?? system) return (browser ?? system) as string;
  return userAgent.trim() ? 'Another browser or app' : 'Unknown device';
}

/**
 * A profile address from a name, as the API wants it (lower-case letters,
 * digits, single dashes, 2–80 characters): "Mara Lind" → "mara-lind".
 * Empty when the name has nothing usable (the shopper then types one).
 */
export function slugFrom(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug.length >= 2 ? slug : '';
}

/** "an artist", "a watchmaker": the maker noun with its article. */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
