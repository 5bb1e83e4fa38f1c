/**
 * The shipping services routes and pages call: the shop's rates as configured
 * (SHIPPING_RATES_FILE, read once) and the options for one country.
 */
import { z } from "zod";
import type { Config } from "../config.ts";
import { issuesOf } from "../http/json_body.ts";
import { CountrySchema } from "./address.ts";
import { CheckoutDetailsError } from "./errors.ts";
import {
  ratesFor,
  servedCountries,
  type ShippingOption,
  type ShippingRates,
  shopShippingRates,
} from "./rates.ts";

/** The shop's rates table (validated; a bad file throws ShippingRatesFileError naming the field). */
export function shopRates(config: Pick<Config, "shippingRatesFile">): Promise<ShippingRates> {
  return shopShippingRates(config.shippingRatesFile);
}

export const ShippingRatesQuerySchema = z.object({
  country: CountrySchema,
  /** The basket's subtotal in minor units, so free-over rates show as free. */
  subtotal: z.coerce.number({ error: "must be a number of minor units" })
    .int("must be a whole number of minor units").min(0, "must not be negative")
    .max(99_999_999_999, "is too large").optional(),
});

/**
 * GET /api/shipping-rates: the options for a country. 422 `invalid_checkout_details`
 * naming `country` (malformed or not served) or `subtotal`.
 */
export async function shippingOptionsFor(
  config: Pick<Config, "shippingRatesFile">,
  query: { country?: string | null; subtotal?: string | null },
): Promise<ShippingOption[]> {
  const parsed = ShippingRatesQuerySchema.safeParse({
    country: query.country ?? undefined,
    subtotal: query.subtotal || undefined,
  });
  if (!parsed.success) throw new CheckoutDetailsError(issuesOf(parsed.error));
  const rates = await shopRates(config);
  const options = ratesFor(rates, parsed.data.country, parsed.data.subtotal ?? 0);
  if (!options) {
    throw new CheckoutDetailsError([{
      path: "country",
      message: `we do not ship to ${parsed.data.country}; we ship to ${
        servedCountries(rates).join(", ")
      }`,
    }]);
  }
  return options;
}
