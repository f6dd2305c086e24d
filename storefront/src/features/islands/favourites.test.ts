import assert from 'node:assert/strict';
import { type ApiClient, ApiError } from './api.ts';
import { loadFavouriteIds, MAX_FAVOURITE_PAGES } from './favourites.ts';

/** An API whose GET /api/v1/favorites answers pages of `perPage` ids out of `total`. */
function favouritesApi(total: number, perPage: number) {
  const paths: string[] = [];
  const api: ApiClient = {
    async get<T>(path: string) {
      paths.push(path);
      const cursor = Number(new URL(path, 'http://x').searchParams.get('cursor') ?? 0);
      const ids = Array.from(
        { length: Math.min(perPage, total - cursor) },
        (_, i) => cursor + i + 1,
      );
      const next = cursor + perPage < total ? String(cursor + perPage) : null;
      return { items: ids.map((id) => ({ product: { id } })), nextCursor: next } as T;
    },
    send: () => Promise.reject(new Error('no writes here')),
  };
  return { api, paths };
}

describe('islands: favourites', () => {
  it('when nobody is signed in (401), then the answer is null', async () => {
    const api: ApiClient = {
      get: () => Promise.reject(new ApiError('NOT_SIGNED_IN', 401, 'Sign in')),
      send: () => Promise.reject(new Error('no writes here')),
    };
    assert.equal(await loadFavouriteIds(api), null);
  });

  it('when the shopper has favourites on two pages, then both pages are read', async () => {
    const { api, paths } = favouritesApi(150, 100);
    const ids = await loadFavouriteIds(api);
    assert.equal(ids?.size, 150);
    assert.equal(paths.length, 2);
    assert.match(paths[0] ?? '', /^\/api\/v1\/favorites\?limit=100$/);
  });

  it('when the shopper has very many favourites, then reading stops after the last allowed page', async () => {
    const { api, paths } = favouritesApi(10_000, 100);
    const ids = await loadFavouriteIds(api);
    assert.equal(paths.length, MAX_FAVOURITE_PAGES);
    assert.equal(ids?.size, MAX_FAVOURITE_PAGES * 100);
  });

  it('when the API fails otherwise, then the failure comes out', async () => {
    const api: ApiClient = {
      get: () => Promise.reject(new ApiError('DATABASE_UNAVAILABLE', 503, 'down')),
      send: () => Promise.reject(new Error('no writes here')),
    };
    await assert.rejects(loadFavouriteIds(api), { code: 'DATABASE_UNAVAILABLE' });
  });
});
