import { createHash, randomBytes } from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../platform/db/database.ts';
import { AppError, NotFoundError } from '../platform/errors.ts';
import type { Cart, CartItem } from './cart.schemas.ts';

/** Who a cart belongs to: an account, or a guest holding a cart cookie. */
export type CartOwner = { userId: number } | { guestToken: string };

/** A guest cart lives this long after its last change. */
export const GUEST_CART_TTL_MS = 30 * 86_400_000;
const MAX_QUANTITY = 99;
const MEDIA_PREFIX = '/media/';

export const hashCartToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newCartToken = () => randomBytes(24).toString('base64url');

export class InsufficientStockError extends AppError {
  constructor(productId: number, quantityAvailable: number) {
    super(
      'INSUFFICIENT_STOCK',
      quantityAvailable === 0
        ? 'This work is sold out.'
        : `Only ${quantityAvailable} left; you can add at most that many.`,
      { status: 409, details: { productId, quantityAvailable } },
    );
  }
}

interface LineRow {
  id: number;
  productId: number;
  quantity: number;
  addedPriceMinor: number;
  addedCurrency: string;
  slug: string;
  title: string;
  kind: 'physical' | 'digital';
  status: string;
  priceMinor: number;
  currency: string;
  onHand: number | null;
  held: number | null;
  imageKey: string | null;
}

const LINES_SQL = /* sql */ `
  SELECT ci.id, ci.product_id AS "productId", ci.quantity, ci.added_price_minor AS "addedPriceMinor",
         ci.added_currency AS "addedCurrency", p.slug, p.title, p.kind, p.status,
         p.price_minor AS "priceMinor", p.currency, inv.on_hand AS "onHand", inv.held,
         (SELECT storage_key FROM product_images i WHERE i.product_id = p.id ORDER BY position LIMIT 1) AS "imageKey"
  FROM cart_items ci
  JOIN products p ON p.id = ci.product_id
  LEFT JOIN inventory inv ON inv.product_id = p.id
  WHERE ci.cart_id = :cartId
  ORDER BY ci.id`;

function toItem(row: LineRow): CartItem {
  const available = row.onHand === null ? null : Math.max(0, row.onHand - (row.held ?? 0));
  const state: CartItem['state'] =
    row.status !== 'published'
      ? 'unavailable'
      : available === 0
        ? 'sold_out'
        : available !== null && available < row.quantity
          ? 'insufficient_stock'
          : row.priceMinor !== row.addedPriceMinor || row.currency !== row.addedCurrency
            ? 'price_changed'
            : 'ok';
  return {
    id: row.id,
    product: {
      id: row.productId,
      slug: row.slug,
      title: row.title,
      kind: row.kind,
      imageUrl: row.imageKey ? `${MEDIA_PREFIX}${row.imageKey}` : null,
    },
    quantity: row.quantity,
    unitPrice: { amountMinor: row.priceMinor, currency: row.currency },
    addedPrice: { amountMinor: row.addedPriceMinor, currency: row.addedCurrency },
    lineTotal: { amountMinor: row.priceMinor * row.quantity, currency: row.currency },
    available,
    state,
  };
}

export function cartService({ db, clock }: { db: Database; clock: () => number }) {
  const { sequelize } = db;

  async function findCartId(
    owner: CartOwner,
    transaction?: Transaction,
    lock = false,
  ): Promise<string | null> {
    const [row] = await sequelize.query<{ id: string }>(
      'userId' in owner
        ? `SELECT id FROM carts WHERE user_id = :userId ${lock ? 'FOR UPDATE' : ''}`
        : `SELECT id FROM carts WHERE token_hash = :hash AND expires_at > :now ${lock ? 'FOR UPDATE' : ''}`,
      {
        type: QueryTypes.SELECT,
        transaction,
        replacements:
          'userId' in owner
            ? { userId: owner.userId }
            : { hash: hashCartToken(owner.guestToken), now: new Date(clock()) },
      },
    );
    return row?.id ?? null;
  }

  /** The owner's cart, created when missing, locked for the rest of the transaction. */
  async function ensureCart(owner: CartOwner, transaction: Transaction): Promise<string> {
    const expiresAt = new Date(clock() + GUEST_CART_TTL_MS);
    const [row] = await sequelize.query<{ id: string }>(
      'userId' in owner
        ? `INSERT INTO carts (user_id, expires_at) VALUES (:userId, :expiresAt)
           ON CONFLICT (user_id) DO UPDATE SET updated_at = now() RETURNING id`
        : `INSERT INTO carts (token_hash, expires_at) VALUES (:hash, :expiresAt)
           ON CONFLICT (token_hash) DO UPDATE SET updated_at = now(), expires_at = EXCLUDED.expires_at RETURNING id`,
      {
        type: QueryTypes.SELECT,
        transaction,
        replacements:
          'userId' in owner
            ? { userId: owner.userId, expiresAt }
            : { hash: hashCartToken(owner.guestToken), expiresAt },
      },
    );
    if (!row) throw new Error('cart upsert returned no row');
    return row.id;
  }

  async function view(cartId: string | null, transaction?: Transaction): Promise<Cart> {
    if (!cartId) return { items: [], subtotal: null, itemCount: 0, hasIssues: false };
    const rows = await sequelize.query<LineRow>(LINES_SQL, {
      type: QueryTypes.SELECT,
      transaction,
      replacements: { cartId },
    });
    const items = rows.map(toItem);
    const buyable = items.filter((i) => i.state === 'ok' || i.state === 'price_changed');
    const currency = buyable[0]?.unitPrice.currency ?? items[0]?.unitPrice.currency;
    return {
      items,
      subtotal:
        currency === undefined
          ? null
          : { amountMinor: buyable.reduce((sum, i) => sum + i.lineTotal.amountMinor, 0), currency },
      itemCount: items.reduce((n, i) => n + i.quantity, 0),
      hasIssues: items.some((i) => i.state !== 'ok'),
    };
  }

  /** Product facts the cart needs, read in the caller's transaction. */
  async function productFacts(productId: number, transaction: Transaction) {
    const [row] = await sequelize.query<{
      status: string;
      priceMinor: number;
      currency: string;
      onHand: number | null;
      held: number | null;
    }>(
      `SELECT p.status, p.price_minor AS "priceMinor", p.currency, inv.on_hand AS "onHand", inv.held
       FROM products p LEFT JOIN inventory inv ON inv.product_id = p.id WHERE p.id = :productId`,
      { type: QueryTypes.SELECT, transaction, replacements: { productId } },
    );
    if (row?.status !== 'published') {
      throw new NotFoundError('PRODUCT_NOT_FOUND', 'This work is not for sale.');
    }
    const available = row.onHand === null ? null : Math.max(0, row.onHand - (row.held ?? 0));
    return { ...row, available };
  }

  async function cartCurrency(cartId: string, transaction: Transaction): Promise<string | null> {
    const [row] = await sequelize.query<{ currency: string }>(
      `SELECT p.currency FROM cart_items ci JOIN products p ON p.id = ci.product_id WHERE ci.cart_id = :cartId LIMIT 1`,
      { type: QueryTypes.SELECT, transaction, replacements: { cartId } },
    );
    return row?.currency ?? null;
  }

  return {
    hashCartToken,

    async get(owner: CartOwner | null): Promise<Cart> {
      return view(owner ? await findCartId(owner) : null);
    },

    /** Adds units (they add up with what is there), never more than can be bought. */
    async addItem(owner: CartOwner, productId: number, quantity: number): Promise<Cart> {
      return sequelize.transaction(async (transaction) => {
        const cartId = await ensureCart(owner, transaction);
        const product = await productFacts(productId, transaction);
        const currency = await cartCurrency(cartId, transaction);
        if (currency && currency !== product.currency) {
          throw new AppError(
            'CURRENCY_MISMATCH',
            `This cart is in ${currency}; this work is priced in ${product.currency}.`,
            {
              status: 409,
            },
          );
        }
        const [existing] = await sequelize.query<{ quantity: number }>(
          'SELECT quantity FROM cart_items WHERE cart_id = :cartId AND product_id = :productId FOR UPDATE',
          { type: QueryTypes.SELECT, transaction, replacements: { cartId, productId } },
        );
        const wanted = (existing?.quantity ?? 0) + quantity;
        if (wanted > MAX_QUANTITY) {
          throw new AppError(
            'QUANTITY_TOO_LARGE',
            `At most ${MAX_QUANTITY} of one work per order.`,
            {
              status: 409,
              details: { productId, maxQuantity: MAX_QUANTITY },
            },
          );
        }
        if (product.available !== null && wanted > product.available) {
          throw new InsufficientStockError(productId, product.available);
        }
        await sequelize.query(
          `INSERT INTO cart_items (cart_id, product_id, quantity, added_price_minor, added_currency)
           VALUES (:cartId, :productId, :wanted, :price, :currency)
           ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity`,
          {
            transaction,
            replacements: {
              cartId,
              productId,
              wanted,
              price: product.priceMinor,
              currency: product.currency,
            },
          },
        );
        return view(cartId, transaction);
      });
    },

    async setQuantity(owner: CartOwner | null, itemId: number, quantity: number): Promise<Cart> {
      return sequelize.transaction(async (transaction) => {
        const cartId = owner ? await findCartId(owner, transaction, true) : null;
        const [item] = cartId
          ? await sequelize.query<{ productId: number }>(
              'SELECT product_id AS "productId" FROM cart_items WHERE id = :itemId AND cart_id = :cartId FOR UPDATE',
              { type: QueryTypes.SELECT, transaction, replacements: { itemId, cartId } },
            )
          : [];
        if (!cartId || !item)
          throw new NotFoundError('CART_ITEM_NOT_FOUND', 'This line is not in your cart.');
        const product = await productFacts(item.productId, transaction);
        if (product.available !== null && quantity > product.available) {
          throw new InsufficientStockError(item.productId, product.available);
        }
        await sequelize.query('UPDATE cart_items SET quantity = :quantity WHERE id = :itemId', {
          transaction,
          replacements: { quantity, itemId },
        });
        return view(cartId, transaction);
      });
    },

    async removeItem(owner: CartOwner | null, itemId: number): Promise<Cart> {
      const cartId = owner ? await findCartId(owner) : null;
      const removed = cartId
        ? await sequelize.query<{ id: number }>(
            'DELETE FROM cart_items WHERE id = :itemId AND cart_id = :cartId RETURNING id',
            { type: QueryTypes.SELECT, replacements: { itemId, cartId } },
          )
        : [];
      if (removed.length === 0)
        throw new NotFoundError('CART_ITEM_NOT_FOUND', 'This line is not in your cart.');
      return view(cartId);
    },

    /**
     * Moves a guest cart into the account's, in one transaction: quantities
     * add up, capped by what can be bought. The guest cart row is locked
     * first and deleted at the end, so a second sign-in racing this one (two
     * tabs) finds nothing to merge: nothing is lost and nothing doubled.
     */
    async mergeGuestCart(guestToken: string, userId: number): Promise<void> {
      await sequelize.transaction(async (transaction) => {
        const guestCartId = await findCartId({ guestToken }, transaction, true);
        if (!guestCartId) return;
        const userCartId = await ensureCart({ userId }, transaction);
        const currency = await cartCurrency(userCartId, transaction);
        const lines = await sequelize.query<{
          productId: number;
          quantity: number;
          addedPriceMinor: number;
          addedCurrency: string;
        }>(
          `SELECT product_id AS "productId", quantity, added_price_minor AS "addedPriceMinor", added_currency AS "addedCurrency"
           FROM cart_items WHERE cart_id = :guestCartId ORDER BY product_id`,
          { type: QueryTypes.SELECT, transaction, replacements: { guestCartId } },
        );
        for (const line of lines) {
          if (currency && line.addedCurrency !== currency) continue;
          const [facts] = await sequelize.query<{ available: number | null }>(
            `SELECT CASE WHEN inv.product_id IS NULL THEN NULL ELSE GREATEST(inv.on_hand - inv.held, 0) END AS available
             FROM products p LEFT JOIN inventory inv ON inv.product_id = p.id
             WHERE p.id = :productId AND p.status = 'published'`,
            { type: QueryTypes.SELECT, transaction, replacements: { productId: line.productId } },
          );
          if (!facts) continue;
          const cap = Math.min(MAX_QUANTITY, facts.available ?? MAX_QUANTITY);
          if (cap <= 0) continue;
          await sequelize.query(
            `INSERT INTO cart_items (cart_id, product_id, quantity, added_price_minor, added_currency)
             VALUES (:userCartId, :productId, LEAST(:quantity, :cap), :price, :currency)
             ON CONFLICT (cart_id, product_id)
             DO UPDATE SET quantity = LEAST(cart_items.quantity + EXCLUDED.quantity, :cap)`,
            {
              transaction,
              replacements: {
                userCartId,
                productId: line.productId,
                quantity: line.quantity,
                cap,
                price: line.addedPriceMinor,
                currency: line.addedCurrency,
              },
            },
          );
        }
        await sequelize.query('DELETE FROM carts WHERE id = :guestCartId', {
          transaction,
          replacements: { guestCartId },
        });
      });
    },
  };
}

export type CartService = ReturnType<typeof cartService>;
