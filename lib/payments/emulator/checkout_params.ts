/**
 * Validates `POST /v1/checkout/sessions` the way Stripe does for the subset the emulator
 * serves: one-time `price_data` line items in one currency, http(s) return URLs, and an
 * `expires_at` between 30 minutes and 24 hours after creation.
 */
import { formatMoney } from "../../orders/money.ts";
import { isCurrency, minimumCharge } from "./money.ts";
import { invalidParam, type Params, StripeApiError } from "./params.ts";
import type { IntentShipping, NewSession } from "./store.ts";

const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 60 * 60;

// Parameters Stripe accepts that change nothing the emulator shows.
const IGNORED = [
  "payment_method_types",
  "billing_address_collection",
  "submit_type",
  "allow_promotion_codes",
  "phone_number_collection",
];

export function readNewSession(params: Params, nowSeconds: number): NewSession {
  const mode = params.string("mode", { required: true });
  if (mode !== "payment") {
    throw invalidParam(
      "mode",
      `The emulator supports only mode=payment (got '${mode}').`,
    );
  }
  const uiMode = params.string("ui_mode");
  if (uiMode !== undefined && uiMode !== "hosted") {
    throw invalidParam(
      "ui_mode",
      `The emulator supports only ui_mode=hosted (got '${uiMode}').`,
    );
  }
  params.ignore(...IGNORED);
  const lineItems = readLineItems(params);
  const currency = lineItems[0].currency;
  const total = lineItems.reduce(
    (sum, item) => sum + item.unitAmount * item.quantity,
    0,
  );
  if (total < minimumCharge(currency)) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `The Checkout Session's total amount due must add up to at least ` +
        `${formatMoney(minimumCharge(currency), currency)}`,
      { code: "amount_too_small" },
      false,
    );
  }
  const expiresAt = params.integer("expires_at") ??
    nowSeconds + MAX_EXPIRY_SECONDS;
  if (expiresAt < nowSeconds + MIN_EXPIRY_SECONDS) {
    throw invalidParam(
      "expires_at",
      "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
      "parameter_invalid_integer",
    );
  }
  if (expiresAt > nowSeconds + MAX_EXPIRY_SECONDS) {
    throw invalidParam(
      "expires_at",
      "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
      "parameter_invalid_integer",
    );
  }
  const session: NewSession = {
    lineItems,
    currency,
    expiresAt,
    successUrl: readUrl(params, "success_url"),
    cancelUrl: readUrl(params, "cancel_url"),
    clientReferenceId: params.string("client_reference_id", { max: 200 }) ??
      null,
    customerEmail: params.string("customer_email", { max: 800 }) ?? null,
    locale: params.string("locale") ?? null,
    metadata: params.metadata(),
    intentData: {
      metadata: params.metadata("payment_intent_data[metadata]"),
      description: params.string("payment_intent_data[description]", { max: 1000 }) ??
        null,
      shipping: readShipping(params),
    },
  };
  params.assertAllRead();
  return session;
}

function readLineItems(params: Params): NewSession["lineItems"] {
  const indices = params.indices("line_items");
  if (indices.length === 0) {
    throw invalidParam(
      "line_items",
      "You must provide at least one line item when mode is payment.",
      "parameter_missing",
    );
  }
  const items = indices.map((i) => {
    const at = `line_items[${i}]`;
    const price = params.string(`${at}[price]`);
    if (price !== undefined) {
      throw new StripeApiError(
        404,
        "invalid_request_error",
        `No such price: '${price}'`,
        {
          code: "resource_missing",
          param: `${at}[price]`,
        },
        false,
      );
    }
    const currency = params.string(`${at}[price_data][currency]`, {
      required: true,
    })
      .toLowerCase();
    if (!isCurrency(currency)) {
      throw invalidParam(
        `${at}[price_data][currency]`,
        `Invalid currency: ${currency}.`,
      );
    }
    params.ignore(
      `${at}[price_data][product_data][images]`,
      `${at}[price_data][product_data][metadata]`,
    );
    params.string(`${at}[price_data][product_data][description]`);
    return {
      name: params.string(`${at}[price_data][product_data][name]`, {
        required: true,
        max: 250,
      }),
      currency,
      unitAmount: params.integer(`${at}[price_data][unit_amount]`, {
        required: true,
        min: 0,
      }),
      quantity: params.integer(`${at}[quantity]`, { required: true, min: 1 }),
    };
  });
  const currencies = new Set(items.map((item) => item.currency));
  if (currencies.size > 1) {
    throw invalidParam(
      "line_items",
      `All line items must use the same currency (got ${[...currencies].join(", ")}).`,
    );
  }
  return items;
}

/**
 * `payment_intent_data[shipping]`: Stripe requires `name` and `address[line1]` once the
 * hash is given; the rest is optional. Absent: null.
 */
function readShipping(params: Params): IntentShipping | null {
  const at = "payment_intent_data[shipping]";
  const given = ["[name]", "[phone]", "[address][line1]", "[address][line2]"]
    .concat(["[address][city]", "[address][state]", "[address][postal_code]"])
    .concat(["[address][country]"])
    .some((field) => params.string(`${at}${field}`) !== undefined);
  if (!given) return null;
  const country = params.string(`${at}[address][country]`, { max: 2 }) ?? null;
  if (country !== null && !/^[A-Z]{2}$/.test(country)) {
    throw invalidParam(`${at}[address][country]`, `Country '${country}' is unknown.`);
  }
  return {
    name: params.string(`${at}[name]`, { required: true, max: 5000 }),
    phone: params.string(`${at}[phone]`, { max: 20 }) ?? null,
    address: {
      line1: params.string(`${at}[address][line1]`, { required: true, max: 5000 }),
      line2: params.string(`${at}[address][line2]`, { max: 5000 }) ?? null,
      city: params.string(`${at}[address][city]`, { max: 5000 }) ?? null,
      state: params.string(`${at}[address][state]`, { max: 5000 }) ?? null,
      postal_code: params.string(`${at}[address][postal_code]`, { max: 5000 }) ?? null,
      country,
    },
  };
}

function readUrl(params: Params, key: string): string | null {
  const value = params.string(key, { max: 5000 });
  if (value === undefined) return null;
  // `{CHECKOUT_SESSION_ID}` is a template, not part of a URL yet.
  const url = URL.parse(value.replaceAll("{CHECKOUT_SESSION_ID}", "x"));
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw invalidParam(key, "Not a valid URL", "url_invalid");
  }
  return value;
}
