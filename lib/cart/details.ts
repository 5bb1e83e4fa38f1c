/**
 * The shopper's checkout details kept with the cart, so Back, a decline and a retry never
 * ask twice. The /checkout form saves what it has; a cart checkout (no items in the body)
 * uses what was saved when the request sends none (lib/checkout/create_session.ts).
 */
import { getCart, setCartDetails } from "../db/carts.ts";
import { parseCheckoutDetails } from "../shipping/delivery.ts";
import type { CheckoutDetails } from "./types.ts";

/**
 * Validates `details` (422 `invalid_checkout_details` naming each field, nothing written)
 * and keeps them with the cart, replacing what was saved. Returns what was stored, or null
 * when there is no cart (nothing to check out, nothing to keep).
 */
export async function saveCheckoutDetails(
  kv: Deno.Kv,
  cartId: string,
  details: unknown,
): Promise<CheckoutDetails | null> {
  const valid = parseCheckoutDetails(details);
  return (await setCartDetails(kv, cartId, valid)) ? valid : null;
}

/** What the cart holds of the shopper's details; null for no cart or nothing saved. */
export async function getCheckoutDetails(
  kv: Deno.Kv,
  cartId: string | null,
): Promise<CheckoutDetails | null> {
  if (!cartId) return null;
  return (await getCart(kv, cartId))?.details ?? null;
}
