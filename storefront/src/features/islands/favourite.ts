/// <reference lib="dom" />
import { ApiError, api } from './api.ts';
import { loginHref, productIdOf, say, statusRegion } from './dom.ts';
import { favouritePath, loadFavouriteIds } from './favourites.ts';
import { messageFor } from './messages.ts';

let favourites: Promise<Set<number> | null> | null = null;

/** One read for the page, shared by its toggles; a failure counts as signed out (the link stays). */
function savedIds(): Promise<Set<number> | null> {
  favourites ??= loadFavouriteIds(api).catch(() => null);
  return favourites;
}

/**
 * `<vt-favourite data-product-id="12"><a href="/login/?next=…">Save to favourites</a></vt-favourite>`.
 * Signed out (or without JavaScript) the link to sign in stays. Signed in it
 * becomes a toggle button (aria-pressed) that flips at once and saves in the
 * background, one request at a time, the last press winning; a failure puts
 * it back as it was and says why.
 */
export class VtFavourite extends HTMLElement {
  #button: HTMLButtonElement | null = null;
  #status: HTMLElement | null = null;
  /** What the shopper asked for last, and what the server has. */
  #wanted = false;
  #saved = false;
  #sending = false;

  async connectedCallback(): Promise<void> {
    const id = productIdOf(this);
    if (id === null || this.#button) return;
    const ids = await savedIds();
    if (!ids || this.#button || !this.isConnected) return;
    this.#saved = this.#wanted = ids.has(id);
    this.#becomeToggle(id);
  }

  #becomeToggle(id: number): void {
    const link = this.querySelector('a');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary favourite-toggle';
    const icon = document.createElement('span');
    icon.className = 'favourite-icon';
    icon.setAttribute('aria-hidden', 'true');
    // The name stays the same; aria-pressed carries the state (and the heart shows it).
    button.append(icon, link?.textContent?.trim() || 'Save to favourites');
    button.addEventListener('click', () => this.#toggle(id));
    this.#button = button;
    const hadFocus = link !== null && document.activeElement === link;
    if (link) link.replaceWith(button);
    else this.prepend(button);
    this.#status = statusRegion(this);
    this.#render();
    if (hadFocus) button.focus();
  }

  #render(): void {
    this.#button?.setAttribute('aria-pressed', String(this.#wanted));
  }

  #toggle(id: number): void {
    this.#wanted = !this.#wanted;
    this.#render();
    if (this.#status) say(this.#status, '', 'ok');
    if (!this.#sending) void this.#sync(id);
  }

  async #sync(id: number): Promise<void> {
    const status = this.#status;
    this.#sending = true;
    let target = this.#wanted;
    try {
      while (this.#wanted !== this.#saved) {
        target = this.#wanted;
        await api.send<undefined>(target ? 'PUT' : 'DELETE', favouritePath(id));
        this.#saved = target;
      }
      if (status) {
        say(
          status,
          this.#saved ? 'Saved to your favourites.' : 'Removed from your favourites.',
          'ok',
        );
      }
    } catch (error) {
      this.#wanted = this.#saved;
      this.#render();
      if (status) {
        const facts = error instanceof ApiError ? error : { code: 'INTERNAL_ERROR', status: 500 };
        const signIn =
          facts.code === 'NOT_SIGNED_IN' ? { href: loginHref(), text: 'Sign in' } : undefined;
        const what = target ? "We couldn't save this." : "We couldn't remove this.";
        say(status, `${what} ${messageFor(facts)}`, 'error', signIn);
      }
    } finally {
      this.#sending = false;
    }
  }
}
