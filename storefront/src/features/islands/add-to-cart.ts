/// <reference lib="dom" />
import { ApiError, api } from './api.ts';
import { setCartCount } from './cart-count.ts';
import { productIdOf, say, statusRegion } from './dom.ts';
import { knownAvailability, publish, watchAvailability } from './live.ts';
import { addedText, messageFor, quantityAvailable, shortfallAdd } from './messages.ts';
import { canBuy, type ProductAvailability } from './stock.ts';

interface Cart {
  items: { product: { id: number }; quantity: number }[];
  itemCount: number;
}

const VIEW_CART = { href: '/cart/', text: 'View cart' };
/** The API's limit per line (cart.schemas.ts). */
const MAX_QUANTITY = 99;

/**
 * `<vt-add-to-cart data-product-id="12"><form method="post" action="/cart/">…</form></vt-add-to-cart>`.
 * Without JavaScript the form posts to the cart page. With it, the add goes
 * through the API and the answer is said in words next to the button, the
 * cart badge follows, and the form is switched off while the live stock
 * says the product cannot be bought. The server decides about stock: when
 * fewer are left than asked, what is left is added and the shopper told.
 */
export class VtAddToCart extends HTMLElement {
  #form: HTMLFormElement | null = null;
  #button: HTMLButtonElement | null = null;
  #quantity: HTMLInputElement | null = null;
  #label = '';
  #status: HTMLElement | null = null;
  #busy = false;
  #open = true;
  #unwatch: (() => void) | null = null;

  connectedCallback(): void {
    const id = productIdOf(this);
    if (id === null) return;
    if (!this.#form) {
      const form = this.querySelector('form');
      if (!form) return;
      this.#form = form;
      this.#button = form.querySelector('button:not([type]), button[type="submit"]');
      this.#quantity = form.querySelector('input[name="quantity"]');
      this.#label = this.#button?.textContent ?? '';
      this.#status = statusRegion(this);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void this.#add(id);
      });
    }
    this.#unwatch = watchAvailability(id, (item) => this.#follow(item));
  }

  disconnectedCallback(): void {
    this.#unwatch?.();
    this.#unwatch = null;
  }

  /** Sold out or withdrawn: the form is off and the button says why; back on if stock returns. */
  #follow(item: ProductAvailability): void {
    this.#open = canBuy(item);
    if (this.#button) {
      this.#button.textContent = this.#open
        ? this.#label
        : item.state === 'sold_out'
          ? 'Sold out'
          : 'Not available';
    }
    const quantity = this.#quantity;
    if (quantity) {
      // A disabled field drops the focus to the page: hand it to the button, which stays focusable.
      if (!this.#open && document.activeElement === quantity) this.#button?.focus();
      quantity.disabled = !this.#open;
      if (this.#open) quantity.max = String(Math.min(MAX_QUANTITY, item.available ?? MAX_QUANTITY));
    }
    this.#updateButton();
  }

  /**
   * aria-disabled rather than disabled: the button keeps the focus while
   * sending, and stays findable ("Sold out, dimmed") when nothing can be bought.
   */
  #updateButton(): void {
    if (this.#busy || !this.#open) this.#button?.setAttribute('aria-disabled', 'true');
    else this.#button?.removeAttribute('aria-disabled');
  }

  async #add(productId: number): Promise<void> {
    const status = this.#status;
    if (this.#busy || !this.#open || !status || !this.#form) return;
    const asked = Number(new FormData(this.#form).get('quantity') ?? 1);
    if (!Number.isInteger(asked) || asked < 1 || asked > MAX_QUANTITY) {
      say(status, `Choose a quantity from 1 to ${MAX_QUANTITY}.`, 'error');
      this.#quantity?.focus();
      return;
    }
    this.#busy = true;
    this.#updateButton();
    say(status, 'Adding to your cart…', 'ok');
    try {
      const cart = await this.#post(productId, asked);
      setCartCount(cart.itemCount);
      say(status, addedText({ asked, added: asked, left: null }), 'ok', VIEW_CART);
    } catch (error) {
      await this.#failed(productId, asked, error);
    } finally {
      this.#busy = false;
      this.#updateButton();
    }
  }

  #post(productId: number, quantity: number): Promise<Cart> {
    return api.send<Cart>('POST', '/api/v1/cart/items', { productId, quantity });
  }

  /** INSUFFICIENT_STOCK: add what is left beyond what the cart holds; anything else: say it. */
  async #failed(productId: number, asked: number, error: unknown): Promise<void> {
    const status = this.#status;
    if (!status) return;
    try {
      const left = error instanceof ApiError ? quantityAvailable(error.details) : null;
      if (!(error instanceof ApiError) || error.code !== 'INSUFFICIENT_STOCK' || left === null) {
        throw error;
      }
      if (left === 0) {
        say(status, addedText({ asked, added: 0, left }), 'error');
        const price = knownAvailability(productId)?.price ?? null;
        publish({ id: productId, state: 'sold_out', available: 0, price });
        return;
      }
      const cart = await api.get<Cart>('/api/v1/cart');
      const inCart = cart.items.find((item) => item.product.id === productId)?.quantity ?? 0;
      const add = shortfallAdd(asked, left, inCart);
      const after = add > 0 ? await this.#post(productId, add) : cart;
      setCartCount(after.itemCount);
      say(status, addedText({ asked, added: add, left }), add > 0 ? 'ok' : 'error', VIEW_CART);
    } catch (failure) {
      const facts = failure instanceof ApiError ? failure : { code: 'INTERNAL_ERROR', status: 500 };
      say(status, messageFor(facts), 'error');
    }
  }
}
