import type { Request, Response } from 'express';
import { type CookieNames, clearCookie, cookieOptions } from '../accounts/index.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import { AddItemBody, Cart, CartItemParams, SetQuantityBody } from './cart.schemas.ts';
import {
  type CartOwner,
  type CartService,
  GUEST_CART_TTL_MS,
  newCartToken,
} from './cart.service.ts';

const TOKEN = /^[A-Za-z0-9_-]{32}$/;

export interface CartRouteDeps {
  service: CartService;
  names: CookieNames;
  secureCookie: boolean;
}

export function cartRoutes({ service, names, secureCookie }: CartRouteDeps): AnyRoute[] {
  const guestToken = (req: Request): string | null => {
    const token = req.cookies?.[names.cart];
    return token && TOKEN.test(token) ? token : null;
  };

  /** The account's cart when signed in, else the guest cart of the cookie; null for neither. */
  const ownerOf = (req: Request): CartOwner | null => {
    if (req.auth) return { userId: req.auth.user.id };
    const token = guestToken(req);
    return token ? { guestToken: token } : null;
  };

  /** As ownerOf, but a first add gives the browser a guest cart cookie. */
  const ownerForAdd = (req: Request, res: Response): CartOwner => {
    const owner = ownerOf(req);
    if (owner) return owner;
    const fresh = newCartToken();
    res.cookie(
      names.cart,
      fresh,
      cookieOptions(secureCookie, new Date(Date.now() + GUEST_CART_TTL_MS)),
    );
    return { guestToken: fresh };
  };

  const privately = (res: Response) => res.setHeader('cache-control', 'private, no-store');

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/cart',
      operationId: 'getCart',
      summary:
        'The cart, priced from the current catalogue, with lines whose price or stock changed',
      tags: ['cart'],
      response: Cart,
      errors: [503],
      handler: async (_input, req, res) => {
        privately(res);
        return service.get(ownerOf(req));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/cart/items',
      operationId: 'addCartItem',
      summary: 'Add units of a work; they add up with what is in the cart, never past the stock',
      tags: ['cart'],
      body: AddItemBody,
      response: Cart,
      errors: [400, 403, 404, 409, 503],
      handler: async ({ body }, req, res) => {
        privately(res);
        return service.addItem(ownerForAdd(req, res), body.productId, body.quantity);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/cart/items/:id',
      operationId: 'setCartItemQuantity',
      summary: 'Set the quantity of a line',
      tags: ['cart'],
      params: CartItemParams,
      body: SetQuantityBody,
      response: Cart,
      errors: [400, 403, 404, 409, 503],
      handler: async ({ params, body }, req, res) => {
        privately(res);
        return service.setQuantity(ownerOf(req), params.id, body.quantity);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/cart/items/:id',
      operationId: 'removeCartItem',
      summary: 'Remove a line',
      tags: ['cart'],
      params: CartItemParams,
      response: Cart,
      errors: [400, 403, 404, 503],
      handler: async ({ params }, req, res) => {
        privately(res);
        return service.removeItem(ownerOf(req), params.id);
      },
    }),
  ];
}

/** After sign-in: the guest cart of this browser joins the account's cart. */
export function mergeOnSignIn({ service, names, secureCookie }: CartRouteDeps) {
  return async (req: Request, res: Response, userId: number) => {
    const token = req.cookies?.[names.cart];
    if (!token || !TOKEN.test(token)) return;
    await service.mergeGuestCart(token, userId);
    clearCookie(res, names.cart, secureCookie);
  };
}
