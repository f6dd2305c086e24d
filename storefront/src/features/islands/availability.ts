/// <reference lib="dom" />
import { productIdOf } from './dom.ts';
import { watchAvailability } from './live.ts';
import { stockText } from './stock.ts';

/**
 * `<vt-availability data-product-id="12" data-kind="digital"?></vt-availability>`:
 * filled with the live stock ("In stock", "Only 2 left", "Sold out",
 * "Available as a download" when `data-kind` says digital).
 */
export class VtAvailability extends HTMLElement {
  #unwatch: (() => void) | null = null;

  connectedCallback(): void {
    const id = productIdOf(this);
    if (id === null) return;
    this.#unwatch = watchAvailability(id, (item) => {
      const { text, tone } = stockText(item, this.dataset.kind);
      this.textContent = text;
      this.classList.toggle('stock-low', tone === 'low');
      this.classList.toggle('stock-out', tone === 'out');
    });
  }

  disconnectedCallback(): void {
    this.#unwatch?.();
    this.#unwatch = null;
  }
}
