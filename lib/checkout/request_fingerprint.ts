/**
 * What an Idempotency-Key is bound to (the request's fingerprint), and the key a cart
 * checkout page sends, which follows the cart's contents and details.
 */
import { getCart } from "../db/carts.ts";
import type { CheckoutDetails } from "../cart/types.ts";
import { hasDetails } from "../shipping/delivery.ts";
import type { CheckoutRequest } from "./create_session.ts";

/**
 * The checkout key for the cart as it is now: the same cart contents give the same key, so
 * paying, going Back and paying again resumes one order instead of placing a second.
 */
export async function cartCheckoutKey(kv: Deno.Kv, cartId: string | null): Promise<string> {
  const cart = cartId ? await getCart(kv, cartId) : null;
  if (!cart) return `once-${crypto.randomUUID()}`;
  // Details changed after Pay (a new address on Back) make a new order, not a refused key.
  return hasDetails(cart.details)
    ? `cart-${cart.updatedAt}-${(await sha256(canonicalJson(cart.details))).slice(0, 16)}`
    : `cart-${cart.updatedAt}`;
}

/**
 * What an Idempotency-Key is bound to: the items as asked for (merged, in a fixed order)
 * and the metadata, or "the cart" for a cart checkout (its page key follows the cart), and
 * the shopper's details.
 */
export async function fingerprint(
  input: CheckoutRequest,
  details: CheckoutDetails | null,
  provider = "stripe",
): Promise<string> {
  const merged = new Map<string, number>();
  for (const { productId, quantity } of input.items ?? []) {
    merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  }
  const canonical = JSON.stringify({
    items: input.items ? [...merged].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0) : "cart",
    metadata: Object.entries(input.metadata ?? {}).sort(([a], [b]) => a < b ? -1 : 1),
    // Absent for callers that send none, so their keys keep their old fingerprints.
    ...(details ? { details: canonicalJson(details) } : {}),
    // Stripe's keys keep their old fingerprints; another provider's never match them.
    ...(provider !== "stripe" ? { provider } : {}),
  });
  return await sha256(canonical);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
        : v,
  );
}
