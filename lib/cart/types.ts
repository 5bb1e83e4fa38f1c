/**
 * The cart as the shopper sees it. Client-safe (no Deno APIs): islands import these types
 * for the JSON the cart API returns.
 */
import type { Address, Customer } from "../orders/types.ts";

export interface CartLine {
  productId: string;
  slug: string;
  title: string;
  image: string;
  /** Current catalog price in minor units; never a stored copy. */
  unitAmount: number;
  quantity: number;
  /** unitAmount × quantity; 0 for a line that cannot be bought. */
  lineTotal: number;
  /** Units in stock now. */
  available: number;
  active: boolean;
  /** One-of-a-kind: at most one per cart. */
  unique: boolean;
}

export interface CartView {
  /** Null until the shopper first adds something. */
  id: string | null;
  items: CartLine[];
  /** Sum of the line totals of lines that can be bought (active products). */
  subtotal: number;
  total: number;
  currency: string;
  /** Sum of quantities over all lines. */
  count: number;
}

/**
 * What the shopper told checkout, kept with the cart (`saveCheckoutDetails` in
 * lib/cart/details.ts) so Back, a decline and a retry never ask twice. Each part is
 * optional: the form saves what it has.
 */
export interface CheckoutDetails {
  customer?: Customer;
  shipping?: Address;
  shippingRateId?: string;
}
