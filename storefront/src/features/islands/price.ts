/// <reference lib="dom" />
import { pageLocale, productIdOf } from './dom.ts';
import { watchAvailability } from './live.ts';
import { priceUpdate } from './stock.ts';

/**
 * `<vt-price data-product-id="12"><span class="price">€120.00</span></vt-price>`:
 * the price printed at build time, replaced by the live one when it differs
 * ("now €110.00", the old price struck through when it fell).
 */
export class VtPrice extends HTMLElement {
  #printed: Node[] = [];
  #printedText = '';
  #unwatch: (() => void) | null = null;

  connectedCallback(): void {
    const id = productIdOf(this);
    if (id === null) return;
    if (this.#printed.length === 0) {
      this.#printed = [...this.childNodes];
      this.#printedText = this.textContent ?? '';
    }
    this.#unwatch = watchAvailability(id, (item) =>
      this.#show(priceUpdate(this.#printedText, item.price, pageLocale())),
    );
  }

  disconnectedCallback(): void {
    this.#unwatch?.();
    this.#unwatch = null;
  }

  #show(update: ReturnType<typeof priceUpdate>): void {
    if (!update) {
      this.replaceChildren(...this.#printed);
      return;
    }
    const now = document.createElement('span');
    now.className = 'price';
    now.textContent = `now ${update.now}`;
    if (!update.was) {
      this.replaceChildren(now);
      return;
    }
    const was = document.createElement('del');
    was.className = 'price-was';
    const label = document.createElement('span');
    label.className = 'visually-hidden';
    label.textContent = 'was ';
    was.append(label, update.was);
    this.replaceChildren(was, ' ', now);
  }
}
