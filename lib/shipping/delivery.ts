/**
 * The shopper's details at checkout, decided in one place for the API and the /checkout
 * form: validated (`parseCheckoutDetails`), then resolved against the basket
 * (`resolveDelivery`). The rules:
 *
 * - A caller that sends none of customer, shipping, shippingRateId places the order as
 *   before: no customer, no shipping.
 * - Otherwise a basket holding a shippable product needs the address and the rate together
 *   (422 naming `shipping` / `shippingRateId`): the provider path cannot collect an address
 *   for us, so a missing one is refused rather than left for later. A basket of only
 *   non-shippable products needs neither and stores none.
 * - The customer is optional for API callers; when given its e-mail must be valid.
 */
import type { CheckoutDetails } from "../cart/types.ts";
import { issuesOf } from "../http/json_body.ts";
import type { Issue } from "../http/json_body.ts";
import type { Customer, Shipping } from "../orders/types.ts";
import { CheckoutDetailsSchema } from "./address.ts";
import { CheckoutDetailsError } from "./errors.ts";
import { priceShipping, type ShippingRates } from "./rates.ts";

/** Validates what a request sent; 422 `invalid_checkout_details` listing `{path, message}`. */
export function parseCheckoutDetails(raw: unknown): CheckoutDetails {
  const parsed = CheckoutDetailsSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new CheckoutDetailsError(issuesOf(parsed.error));
  const { customer, shipping, shippingRateId } = parsed.data;
  const details: CheckoutDetails = {};
  if (customer) details.customer = compact(customer);
  if (shipping) details.shipping = compact(shipping);
  if (shippingRateId) details.shippingRateId = shippingRateId;
  return details;
}

/** Drops the fields left out (zod keeps them as `undefined`), so stored records stay lean. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Whether any of the three parts was given. */
export function hasDetails(details: CheckoutDetails | null | undefined): boolean {
  return Boolean(details?.customer || details?.shipping || details?.shippingRateId);
}

/** What the order stores of the shopper. */
export interface Delivery {
  customer: Customer | null;
  shipping: Shipping | null;
}

/**
 * The order's customer and shipping for a basket. `shippable`: whether any line ships.
 * `subtotal` and `currency` are the basket's. Throws CheckoutDetailsError (422) naming
 * every missing or refused field.
 */
export function resolveDelivery(
  rates: ShippingRates,
  details: CheckoutDetails,
  basket: { shippable: boolean; subtotal: number; currency: string },
): Delivery {
  const customer = details.customer ?? null;
  if (!basket.shippable) return { customer, shipping: null };
  const missing: Issue[] = [];
  if (!details.shipping) {
    missing.push({ path: "shipping", message: "required: the basket holds goods to deliver" });
  }
  if (!details.shippingRateId) {
    missing.push({ path: "shippingRateId", message: "required: choose a shipping method" });
  }
  if (missing.length) throw new CheckoutDetailsError(missing);
  const shipping = priceShipping(rates, {
    address: details.shipping!,
    rateId: details.shippingRateId!,
    subtotal: basket.subtotal,
    currency: basket.currency,
  });
  return { customer, shipping };
}
