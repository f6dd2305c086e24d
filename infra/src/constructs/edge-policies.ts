/*
 * How a behaviour of edge/src/description.ts becomes CloudFront policies.
 * Pure functions, so the tests can hold the synthesised distribution to the
 * same mapping and to the description itself.
 */
import type { Behaviour, CacheTtl } from '@vitrine/edge/description';

/**
 * Headers CloudFront refuses in an origin request policy: they reach the
 * origin only as part of the cache key (and a cache key needs a policy that
 * may cache, max TTL > 0).
 */
export const CACHE_KEY_ONLY_HEADERS: readonly string[] = ['authorization', 'accept-encoding'];

/** What CloudFront puts in the cache key. */
export interface CacheKey {
  headers: readonly string[];
  cookies: readonly string[];
  queryStrings: 'all' | 'none';
}

/** What CloudFront forwards to the origin beyond the cache key (an origin request policy). */
export type Forwarded = CacheKey;

export interface BehaviourPolicies {
  ttl: CacheTtl;
  /** Whether CloudFront may cache at all (max TTL > 0); only then are cache-key items and compression allowed. */
  caching: boolean;
  cacheKey: CacheKey;
  /** Null when nothing beyond the cache key reaches the origin. */
  forwarded: Forwarded | null;
}

/**
 * A behaviour's cache and origin request policies. When a behaviour may
 * cache, its cookies and query strings are in the cache key, so a cached
 * answer is never served to another session or another query; headers other
 * than Authorization only travel to the origin.
 */
export function policiesFor(b: Behaviour): BehaviourPolicies {
  const caching = b.cache.max > 0;
  const keyOnly = b.headers.filter((h) => CACHE_KEY_ONLY_HEADERS.includes(h));
  if (keyOnly.length > 0 && !caching)
    throw new Error(
      `behaviour ${b.name} forwards ${keyOnly.join(', ')}, which CloudFront sends only in a cache key; give it a max TTL above 0`,
    );
  const cacheKey: CacheKey = caching
    ? { headers: keyOnly, cookies: b.cookies, queryStrings: b.queryStrings }
    : { headers: [], cookies: [], queryStrings: 'none' };
  const rest: Forwarded = {
    headers: b.headers.filter((h) => !cacheKey.headers.includes(h)),
    cookies: b.cookies.filter((c) => !cacheKey.cookies.includes(c)),
    queryStrings: b.queryStrings === 'all' && cacheKey.queryStrings === 'none' ? 'all' : 'none',
  };
  const empty =
    rest.headers.length === 0 && rest.cookies.length === 0 && rest.queryStrings === 'none';
  return { ttl: b.cache, caching, cacheKey, forwarded: empty ? null : rest };
}

/** Everything a behaviour sends to the origin: the cache key and the origin request policy together. */
export function reachesOrigin(p: BehaviourPolicies): CacheKey {
  const f = p.forwarded;
  return {
    headers: [...p.cacheKey.headers, ...(f?.headers ?? [])].sort(),
    cookies: [...p.cacheKey.cookies, ...(f?.cookies ?? [])].sort(),
    queryStrings: p.cacheKey.queryStrings === 'all' || f?.queryStrings === 'all' ? 'all' : 'none',
  };
}
