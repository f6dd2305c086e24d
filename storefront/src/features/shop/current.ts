import { type Catalog, loadCatalog } from '../catalog/catalog.ts';
import type { Branding } from './shop.ts';

/** Set by astro.config.ts at build time (vite `define`). */
declare const __VITRINE_BUILD__: { catalogFile: string; branding: Branding };

/** This build's branding: the same in pre-rendered pages and in pages the origin renders. */
export const branding: Branding = __VITRINE_BUILD__.branding;

/** This build's catalogue (pre-rendered pages only: the origin's pages ask the API). */
export function currentCatalog(): Catalog {
  return loadCatalog(__VITRINE_BUILD__.catalogFile);
}
