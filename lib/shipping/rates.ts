/**
 * The shop's shipping rates: one file under the shop's control (shop/shipping.json, or
 * SHIPPING_RATES_FILE), validated with zod when loaded. The countries the shop ships to are
 * grouped into zones; each zone has flat rates, each optionally free over a subtotal. One
 * currency, the shop's. Pure lookups (`ratesFor`, `priceShipping`) take the loaded table.
 */
import { z } from "zod";
import type { Address, Shipping } from "../orders/types.ts";
import { issuesOf } from "../http/json_body.ts";
import { CheckoutDetailsError } from "./errors.ts";

const Amount = z.number({ error: "must be a number of minor units (cents)" })
  .int("must be a whole number of minor units (cents)").min(0, "must not be negative")
  .max(99_999_999, "must be at most 99999999");

const RateSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "lowercase letters, digits, - or _"),
  label: z.string().trim().min(1, "required").max(80, "at most 80 characters"),
  /** Minor units, in the file's currency. */
  amount: Amount,
  /** Free when the basket's subtotal (minor units) is at least this. */
  freeOver: Amount.optional(),
});

const ZoneSchema = z.strictObject({
  id: z.string().min(1).max(40),
  name: z.string().trim().min(1).max(80).optional(),
  countries: z.array(
    z.string().regex(/^[A-Z]{2}$/, "must be an upper-case ISO 3166-1 alpha-2 code, e.g. NZ"),
  ).min(1, "at least one country"),
  rates: z.array(RateSchema).min(1, "at least one rate"),
}).superRefine((zone, ctx) => {
  const seen = new Set<string>();
  zone.rates.forEach((rate, i) => {
    if (seen.has(rate.id)) {
      ctx.addIssue({ code: "custom", path: ["rates", i, "id"], message: `repeats ${rate.id}` });
    }
    seen.add(rate.id);
  });
});

export const ShippingRatesSchema = z.strictObject({
  currency: z.string().regex(/^[a-z]{3}$/, "must be a lower-case ISO 4217 code, e.g. nzd"),
  zones: z.array(ZoneSchema).min(1, "at least one zone"),
}).superRefine((file, ctx) => {
  const zoneOf = new Map<string, string>();
  file.zones.forEach((zone, z) => {
    zone.countries.forEach((country, c) => {
      const other = zoneOf.get(country);
      if (other !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["zones", z, "countries", c],
          message: `${country} is already in zone ${other}`,
        });
      }
      zoneOf.set(country, zone.id);
    });
  });
});

export type ShippingRates = z.infer<typeof ShippingRatesSchema>;
export type Rate = z.infer<typeof RateSchema>;

/** One way to send the goods, priced for a basket: what GET /api/shipping-rates lists. */
export interface ShippingOption {
  id: string;
  label: string;
  /** Minor units; 0 when the basket is over the rate's free threshold. */
  amount: number;
  currency: string;
  /** The subtotal from which this rate is free, when it has one. */
  freeOver?: number;
}

/** The rates file is missing, unreadable or invalid; the message names the file and field. */
export class ShippingRatesFileError extends Error {
  override name = "ShippingRatesFileError";
}

/** Reads and validates a rates file. */
export async function loadShippingRates(path: string): Promise<ShippingRates> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new ShippingRatesFileError(
      `Cannot read the shipping rates file ${path} (SHIPPING_RATES_FILE): ` +
        (err instanceof Error ? err.message : String(err)),
    );
  }
  return parseShippingRates(text, path);
}

/** Validates the text of a rates file; `source` names it in errors. */
export function parseShippingRates(text: string, source = "shipping rates"): ShippingRates {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ShippingRatesFileError(
      `${source} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = ShippingRatesSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = issuesOf(parsed.error).map((i) => `${i.path || "(file)"}: ${i.message}`);
    throw new ShippingRatesFileError(`Invalid ${source}:\n  ${lines.join("\n  ")}`);
  }
  return parsed.data;
}

const cache = new Map<string, Promise<ShippingRates>>();

/** The rates of `path`, read once per process (a failed read is tried again next time). */
export function shopShippingRates(path: string): Promise<ShippingRates> {
  let rates = cache.get(path);
  if (!rates) {
    rates = loadShippingRates(path);
    rates.catch(() => cache.delete(path));
    cache.set(path, rates);
  }
  return rates;
}

/** Countries the shop ships to, in the file's order. */
export function servedCountries(rates: ShippingRates): string[] {
  return rates.zones.flatMap((zone) => zone.countries);
}

function zoneFor(rates: ShippingRates, country: string) {
  const code = country.trim().toUpperCase();
  return rates.zones.find((zone) => zone.countries.includes(code)) ?? null;
}

function priced(rate: Rate, subtotal: number, currency: string): ShippingOption {
  const free = rate.freeOver !== undefined && subtotal >= rate.freeOver;
  const option: ShippingOption = {
    id: rate.id,
    label: rate.label,
    amount: free ? 0 : rate.amount,
    currency,
  };
  if (rate.freeOver !== undefined) option.freeOver = rate.freeOver;
  return option;
}

/**
 * The rates for `country` priced for a basket of `subtotal` minor units; null when the shop
 * does not ship there.
 */
export function ratesFor(
  rates: ShippingRates,
  country: string,
  subtotal = 0,
): ShippingOption[] | null {
  const zone = zoneFor(rates, country);
  return zone ? zone.rates.map((rate) => priced(rate, subtotal, rates.currency)) : null;
}

/**
 * The delivery of a basket: the address with the chosen rate, priced. 422 naming
 * `shipping.country` for a country the shop does not serve, `shippingRateId` for a rate
 * its zone does not have, and `shipping` when the basket is in another currency than the
 * rates.
 */
export function priceShipping(
  rates: ShippingRates,
  { address, rateId, subtotal, currency }: {
    address: Address;
    rateId: string;
    subtotal: number;
    currency: string;
  },
): Shipping {
  const zone = zoneFor(rates, address.country);
  if (!zone) {
    throw new CheckoutDetailsError([{
      path: "shipping.country",
      message: `we do not ship to ${address.country}; we ship to ${
        servedCountries(rates).join(", ")
      }`,
    }]);
  }
  const rate = zone.rates.find((r) => r.id === rateId);
  if (!rate) {
    throw new CheckoutDetailsError([{
      path: "shippingRateId",
      message: `is not a rate for ${address.country}; choose one of ${
        zone.rates.map((r) => r.id).join(", ")
      }`,
    }]);
  }
  if (currency.toLowerCase() !== rates.currency) {
    throw new CheckoutDetailsError([{
      path: "shipping",
      message:
        `shipping is priced in ${rates.currency.toUpperCase()}, the basket in ${currency.toUpperCase()}`,
    }]);
  }
  return {
    address,
    rateId: rate.id,
    label: rate.label,
    amount: priced(rate, subtotal, rates.currency).amount,
  };
}
