/**
 * The shopper's details as zod schemas: who buys (`CustomerSchema`), where it goes
 * (`AddressSchema`, with the postcode checked for the countries Settle knows), and the three
 * together as a checkout sends them (`CheckoutDetailsSchema`). Shared by the checkout API and
 * the /checkout form, so both say the same thing beside the same field.
 */
import { z } from "zod";
import type { Address, Customer } from "../orders/types.ts";
import { normalisePostcode, postcodeProblem } from "./postcodes.ts";

const text = (max: number) =>
  z.string({ error: "required" }).trim().min(1, "required").max(
    max,
    `at most ${max} characters`,
  );
const optionalText = (max: number) =>
  z.string({ error: "must be text" }).trim().max(max, `at most ${max} characters`)
    .optional()
    // An empty field of a form means "not given".
    .transform((v) => v === "" ? undefined : v);

/** ISO 3166-1 alpha-2, upper case ("nz" reads as "NZ"). */
export const CountrySchema = z.string({ error: "required" }).trim().toUpperCase()
  .regex(/^[A-Z]{2}$/, "must be a 2-letter country code, e.g. NZ");

/** E.164-ish (+64 21 555 0123) or plain digits and spaces; at most 20 characters. */
const PHONE = /^\+?[0-9][0-9 ]*$/;

export const CustomerSchema = z.object({
  email: z.string({ error: "required" }).trim().max(254, "at most 254 characters")
    .pipe(z.email("must be an e-mail address, e.g. kim@example.com")),
  name: optionalText(100),
  phone: optionalText(20).refine(
    (v) => v === undefined || PHONE.test(v),
    "must be a phone number: digits and spaces, optionally starting with +",
  ),
}, { error: "must be an object {email, name?, phone?}" });

export const AddressSchema = z.object({
  name: text(100),
  line1: text(200),
  line2: optionalText(200),
  city: text(100),
  region: optionalText(100),
  postalCode: z.string({ error: "required" }).trim().min(1, "required")
    .max(20, "at most 20 characters").transform(normalisePostcode),
  country: CountrySchema,
}, { error: "must be an object {name, line1, line2?, city, region?, postalCode, country}" })
  .superRefine((address, ctx) => {
    const problem = postcodeProblem(address.country, address.postalCode);
    if (problem) ctx.addIssue({ code: "custom", path: ["postalCode"], message: problem });
  });

export const ShippingRateIdSchema = z.string({ error: "must be a rate id, e.g. standard" })
  .trim().min(1, "required").max(40, "at most 40 characters");

/** What a checkout may send about the shopper; each part optional (see lib/shipping/delivery.ts). */
export const CheckoutDetailsSchema = z.object({
  customer: CustomerSchema.optional(),
  shipping: AddressSchema.optional(),
  shippingRateId: ShippingRateIdSchema.optional(),
});

// The schemas' output fits the shared contract of lib/orders/types.ts.
export type ValidAddress = z.output<typeof AddressSchema>;
export type ValidCustomer = z.output<typeof CustomerSchema>;
const _fits = (a: ValidAddress, c: ValidCustomer): [Address, Customer] => [a, c];
void _fits;
