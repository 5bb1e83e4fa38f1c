/**
 * What the shopper's checkout pages share: who is asking about an order, the links that
 * carry an order's token, and the guard on their no-JS form posts.
 */
import { z } from "zod";
import { clientCookie, isSecureRequest, readCartId, readClientId } from "../http/cart_cookie.ts";
import type { AppDeps, State } from "../state.ts";
import { type Holder, holdersOf } from "./holds.ts";
import { signOrderToken } from "./owner_token.ts";
import type { Owner } from "./retry_session.ts";

/** Order ids are ULIDs; anything else cannot name an order. */
export const OrderIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/);
/** A Checkout Session id as Stripe (and the emulator) makes them. */
export const SessionIdSchema = z.string().regex(/^cs_[A-Za-z0-9_]{1,250}$/);

export interface CheckoutOwner {
  cartId: string | null;
  /** Whose stock holds the order counts against: the cart (else the address), and the address. */
  holders: Holder[];
  /** The Idempotency-Key scope: `cart:<id>`, else `client:<id>`. */
  owner: string;
  /** Set-Cookie for a client id minted now (a cartless caller's first request), or null. */
  cookie: string | null;
}

/**
 * Who is checking out, for scoping Idempotency-Keys: the cart cookie, else the client
 * cookie, minted here for a caller that has neither. Keys are never shared between owners.
 */
export async function checkoutOwner(req: Request, deps: State): Promise<CheckoutOwner> {
  const cartId = await readCartId(req, deps.secret);
  const holders = holdersOf(cartId, deps.clientIp);
  if (cartId) return { cartId, holders, owner: `cart:${cartId}`, cookie: null };
  const known = await readClientId(req, deps.secret);
  if (known) return { cartId, holders, owner: `client:${known}`, cookie: null };
  const clientId = crypto.randomUUID();
  const secure = isSecureRequest(req, deps.config.publicOrigin);
  return {
    cartId,
    holders,
    owner: `client:${clientId}`,
    cookie: await clientCookie(clientId, deps.secret, secure),
  };
}

/** The request's claims on an order: its cart cookie and the token it brought. */
export async function requestOwner(
  req: Request,
  deps: AppDeps,
  token: string | null,
): Promise<Owner> {
  return { cartId: await readCartId(req, deps.secret), token };
}

export interface OrderLinks {
  token: string;
  /** The shopper's order status page. */
  statusUrl: string;
}

/** Links for an order whose owner is asking (never hand these to anyone else). */
export async function orderLinks(secret: string, orderId: string): Promise<OrderLinks> {
  const token = await signOrderToken(secret, orderId);
  return { token, statusUrl: `/orders/${orderId}?token=${token}` };
}
