import { type ApiClient, ApiError } from './api.ts';

/*
 * Whether the shopper is signed in, and which products they saved, in one
 * call: GET /api/v1/favorites. The edge's session gate answers it with 401
 * NOT_SIGNED_IN when there is no valid session cookie, without reaching the
 * origin, so an anonymous product view costs the origin nothing (unlike
 * /api/v1/auth/me, which the edge does not gate). Only pages with a
 * favourite toggle ask, once per page however many toggles they hold.
 */

/** Favourites read per page of the API (its maximum). */
const PAGE_SIZE = 100;
/**
 * Pages read at most. Past that a saved product may show as not saved;
 * pressing the toggle then saves it again, which PUT makes harmless.
 */
export const MAX_FAVOURITE_PAGES = 5;

interface FavoritePage {
  items: { product: { id: number } }[];
  nextCursor: string | null;
}

/** The ids of the shopper's favourites, or null when nobody is signed in. */
export async function loadFavouriteIds(api: ApiClient): Promise<Set<number> | null> {
  const ids = new Set<number>();
  let cursor: string | null = null;
  for (let page = 0; page < MAX_FAVOURITE_PAGES; page++) {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    let answer: FavoritePage;
    try {
      answer = await api.get<FavoritePage>(`/api/v1/favorites?limit=${PAGE_SIZE}${query}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
    for (const item of answer.items) ids.add(item.product.id);
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  return ids;
}

export const favouritePath = (productId: number) => `/api/v1/favorites/${productId}`;
