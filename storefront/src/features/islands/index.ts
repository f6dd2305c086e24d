/*
 * The islands of every page, loaded by src/components/Islands.astro as one
 * small module: custom elements upgrade the markup the build printed, so
 * the page reads and works before (and without) this script.
 */
import { VtAddToCart } from './add-to-cart.ts';
import { VtAvailability } from './availability.ts';
import { VtCartBadge } from './cart-badge.ts';
import { VtFavourite } from './favourite.ts';
import { VtPrice } from './price.ts';

const elements: [string, CustomElementConstructor][] = [
  ['vt-price', VtPrice],
  ['vt-availability', VtAvailability],
  ['vt-add-to-cart', VtAddToCart],
  ['vt-favourite', VtFavourite],
  ['vt-cart-badge', VtCartBadge],
];

for (const [name, element] of elements) {
  if (!customElements.get(name)) customElements.define(name, element);
}
