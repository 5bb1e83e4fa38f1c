/**
 * The checkout page's details form: who is buying (e-mail, phone) and, for a basket that
 * ships, where to and by which rate. Reads the posted form with the shared schemas of
 * lib/shipping/address.ts into the committed contract (lib/orders/types.ts), keeping one
 * message per field, and turns saved details back into the form's values so a returning
 * shopper is never asked twice.
 */
import type { z } from "zod";
import { AddressSchema, CustomerSchema } from "../shipping/address.ts";
import type { ShippingOption } from "../shipping/rates.ts";
import type { Address, Customer } from "../orders/types.ts";

/** A country the shop ships to, for the form's select. */
export interface CountryOption {
  code: string;
  name: string;
}

/** What a cart keeps of its checkout (saveCheckoutDetails). */
export interface FormDetails {
  customer: Customer;
  shipping?: Address;
  shippingRateId?: string;
}

/** The form's fields, in the order they are shown. */
export const DETAIL_FIELDS = [
  "email",
  "name",
  "line1",
  "line2",
  "city",
  "region",
  "postalCode",
  "country",
  "phone",
  "shippingRateId",
] as const;
export type DetailField = typeof DETAIL_FIELDS[number];

/** The form as the shopper typed it: kept on a refusal so nothing is typed twice. */
export type DetailValues = Record<DetailField, string>;
export type FieldErrors = Partial<Record<DetailField, string>>;

/** The labels the form and its error summary share. */
export const FIELD_LABELS: Record<DetailField, string> = {
  email: "E-mail",
  name: "Full name",
  line1: "Address line 1",
  line2: "Address line 2 (optional)",
  city: "Town or city",
  region: "Region (optional)",
  postalCode: "Postcode",
  country: "Country",
  phone: "Phone (optional)",
  shippingRateId: "Delivery method",
};

/** What to say for an empty required field. */
const MISSING: Partial<Record<DetailField, string>> = {
  email: "Enter your e-mail address",
  name: "Enter the name of the person receiving the order",
  line1: "Enter the street address",
  city: "Enter the town or city",
  postalCode: "Enter the postcode",
  country: "Choose a country",
  shippingRateId: "Choose a delivery method",
};

const names = new Intl.DisplayNames(["en"], { type: "region" });

/** The served country codes with their English names, for the select. */
export function countryOptions(codes: readonly string[]): CountryOption[] {
  return codes.map((code) => ({ code, name: names.of(code) ?? code }));
}

/** "Postcode must be 4 digits, e.g. 6011": the label, then the schema's words. */
function sentence(field: DetailField, message: string): string {
  if (message === "required") return MISSING[field] ?? `Enter ${FIELD_LABELS[field]}`;
  const label = FIELD_LABELS[field].replace(/ \(optional\)$/, "");
  return `${label} ${message}`;
}

export type ParseResult =
  | { ok: true; details: FormDetails; values: DetailValues }
  | { ok: false; errors: FieldErrors; values: DetailValues };

/**
 * Reads the posted details. `countries` are the ones the shop serves; `rates` are those of
 * the posted country (null when it is not served), and the chosen rate must be one of them,
 * unless `rateOptional` (the no-JS "show delivery options" step), which picks the first.
 */
export function parseDetails(
  form: URLSearchParams,
  options: {
    shippable: boolean;
    countries: readonly CountryOption[];
    rates: readonly ShippingOption[] | null;
    rateOptional: boolean;
  },
): ParseResult {
  const values = formValues(form);
  const errors: FieldErrors = {};
  const collect = (issues: z.core.$ZodIssue[], prefix: Partial<Record<string, DetailField>>) => {
    for (const issue of issues) {
      const key = String(issue.path[0] ?? "");
      const field = prefix[key] ?? key as DetailField;
      if (!DETAIL_FIELDS.includes(field)) continue;
      // An empty field is "missing", whatever rule the schema checked first.
      const message = values[field].trim() === "" ? "required" : issue.message;
      errors[field] ??= sentence(field, message);
    }
  };
  const customer = CustomerSchema.safeParse({
    email: values.email,
    name: options.shippable ? values.name : undefined,
    phone: values.phone,
  });
  if (!customer.success) collect(customer.error.issues, {});
  let shipping: Address | undefined;
  let shippingRateId: string | undefined;
  if (options.shippable) {
    const address = AddressSchema.safeParse({
      name: values.name,
      line1: values.line1,
      line2: values.line2,
      city: values.city,
      region: values.region,
      postalCode: values.postalCode,
      country: values.country,
    });
    if (!address.success) collect(address.error.issues, {});
    if (!errors.country && !options.countries.some((c) => c.code === values.country)) {
      errors.country = "We don’t deliver there. Choose a country from the list";
    }
    if (address.success) shipping = address.data;
    if (!errors.country && options.rates) {
      const chosen = options.rates.find((r) => r.id === values.shippingRateId);
      if (chosen) shippingRateId = chosen.id;
      else if (options.rateOptional && options.rates[0]) shippingRateId = options.rates[0].id;
      else errors.shippingRateId = MISSING.shippingRateId;
    }
  }
  if (!customer.success || Object.keys(errors).length > 0) return { ok: false, errors, values };
  const details: FormDetails = { customer: customer.data };
  if (shipping) details.shipping = shipping;
  if (shippingRateId) details.shippingRateId = shippingRateId;
  return { ok: true, details, values: { ...values, shippingRateId: shippingRateId ?? "" } };
}

/** The posted fields as strings (missing ones empty); the country upper case. */
export function formValues(form: URLSearchParams): DetailValues {
  const values = Object.fromEntries(
    DETAIL_FIELDS.map((field) => [field, (form.get(field) ?? "").slice(0, 300)]),
  ) as DetailValues;
  values.country = values.country.trim().toUpperCase();
  return values;
}

/** Saved details as the form's values, to pre-fill it. */
export function valuesOf(saved: Partial<FormDetails> | null, defaultCountry: string): DetailValues {
  const address = saved?.shipping;
  return {
    email: saved?.customer?.email ?? "",
    phone: saved?.customer?.phone ?? "",
    name: address?.name ?? saved?.customer?.name ?? "",
    line1: address?.line1 ?? "",
    line2: address?.line2 ?? "",
    city: address?.city ?? "",
    region: address?.region ?? "",
    postalCode: address?.postalCode ?? "",
    country: address?.country ?? defaultCountry,
    shippingRateId: saved?.shippingRateId ?? "",
  };
}
