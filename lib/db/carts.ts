/**
 * Anonymous carts in Deno KV at ["carts", cartId]. A cart holds only product ids and
 * quantities: prices, titles and stock are always read from the catalog, so a stored cart
 * can never carry a price of its own.
 */
import { commitWithRetry } from "./atomic.ts";
import { CART_TTL_MS, keys } from "./keys.ts";
import type { CheckoutDetails } from "../cart/types.ts";

export interface CartItem {
  productId: string;
  quantity: number;
}

export interface Cart {
  id: string;
  items: CartItem[];
  /** ISO time of the last change of the items (saving details leaves it alone). */
  updatedAt: string;
  /** What the shopper told checkout (lib/cart/details.ts); kept while the cart lives. */
  details?: CheckoutDetails;
}

/** A new unguessable cart id: the signed cookie holding it is the cart's only credential. */
export function newCartId(): string {
  return crypto.randomUUID();
}

export function emptyCart(id: string): Cart {
  return { id, items: [], updatedAt: new Date(0).toISOString() };
}

export async function getCart(kv: Deno.Kv, cartId: string): Promise<Cart | null> {
  return (await kv.get<Cart>(keys.cart(cartId))).value;
}

/**
 * What `change` decides for the cart it was given: the items to store, or null to leave
 * the cart as it is. It may throw to abort; nothing is written then.
 */
export type CartChange = (cart: Cart) => CartItem[] | null | Promise<CartItem[] | null>;

/**
 * Re-reads the cart, applies `change` and commits only if the cart was not written in
 * between (otherwise re-reads and re-applies). Each write restarts the cart's TTL.
 * Returns the cart as stored afterwards (an empty cart when none exists).
 */
export async function updateCart(
  kv: Deno.Kv,
  cartId: string,
  change: CartChange,
  now: Date = new Date(),
  /** Adds the caller's own checks and writes to the cart's commit (e.g. an outbox task's completion). */
  guard?: (op: Deno.AtomicOperation) => void,
): Promise<Cart> {
  const key = keys.cart(cartId);
  return await commitWithRetry(async () => {
    const entry = await kv.get<Cart>(key);
    const current = entry.value ?? emptyCart(cartId);
    const items = await change(current);
    if (items === null) return { op: null, result: current };
    const next: Cart = { id: cartId, items, updatedAt: now.toISOString() };
    if (current.details) next.details = current.details;
    const op = kv.atomic().check(entry);
    guard?.(op);
    // An emptied cart is deleted rather than kept alive for another 30 days.
    if (items.length === 0) op.delete(key);
    else op.set(key, next, { expireIn: CART_TTL_MS });
    return { op, result: next };
  });
}

/**
 * Keeps the shopper's checkout details with the cart (checked against concurrent writes;
 * the items and their `updatedAt` stay as they are). False when there is no cart to keep
 * them with.
 */
export async function setCartDetails(
  kv: Deno.Kv,
  cartId: string,
  details: CheckoutDetails,
): Promise<boolean> {
  const key = keys.cart(cartId);
  return await commitWithRetry(async () => {
    const entry = await kv.get<Cart>(key);
    if (!entry.value) return { op: null, result: false };
    const op = kv.atomic().check(entry)
      .set(key, { ...entry.value, details }, { expireIn: CART_TTL_MS });
    return { op, result: true };
  });
}
