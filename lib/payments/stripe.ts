/**
 * PaymentProvider on the real `npm:stripe` SDK. The same code talks to Stripe or, through
 * `api: {host, port, protocol}`, to the local emulator. Every create call carries our own
 * idempotency key, so a retried request can never make a second session or refund.
 * The SDK is imported at the first API call: it is a large module graph that start-up and
 * webhook verification (our own, on Web Crypto) never need.
 */
import type Stripe from "stripe";
import { z } from "zod";
import {
  type CheckoutSession,
  type CreateSessionInput,
  type PaymentProvider,
  type ProviderErrorDetails,
  ProviderRejectedError,
  ProviderUnavailableError,
  type RefundInput,
  type RefundResult,
  type ShippingAddressInput,
} from "./provider.ts";
import { currencyConversion, stripeId, stripeMetadata } from "./stripe_events.ts";
import { createWebhookVerifier } from "./webhook_signature.ts";

export interface StripeProviderOptions {
  /** `sk_…` (live, test, or the key the emulator was given). */
  secretKey: string;
  /** `whsec_…`, the endpoint's signing secret. */
  webhookSecret: string;
  /** Where the API lives; omitted means api.stripe.com. */
  api?: { host: string; port: number; protocol: "http" | "https" };
  /** SDK retries on network errors, 409 and 5xx (same idempotency key). Default 2. */
  maxNetworkRetries?: number;
  /** Per-request timeout in milliseconds. Default 20 000. */
  timeoutMs?: number;
  /** Clock for webhook freshness; defaults to the system clock. */
  now?: () => Date;
}

const SessionObject = z.object({
  id: z.string(),
  url: z.string().nullish(),
  status: z.enum(["open", "complete", "expired"]),
  payment_status: z.enum(["paid", "unpaid", "no_payment_required"]),
  amount_total: z.number().int().nullish(),
  currency: z.string().nullish(),
  currency_conversion: currencyConversion,
  payment_intent: stripeId.nullish(),
  expires_at: z.number().int(),
  metadata: stripeMetadata,
  client_reference_id: z.string().nullish(),
  customer_details: z.object({ email: z.string().nullish() }).nullish(),
  customer_email: z.string().nullish(),
});

const RefundObject = z.object({
  id: z.string(),
  status: z.string().nullish(),
  amount: z.number().int(),
  currency: z.string(),
  payment_intent: stripeId.nullish(),
});

type StripeModule = typeof import("stripe");

let sdk: Promise<StripeModule> | null = null;

/** The SDK module, imported once per process on first use; a failed import is retried. */
function loadSdk(): Promise<StripeModule> {
  sdk ??= import("stripe").catch((err) => {
    sdk = null;
    throw err;
  });
  return sdk;
}

export function createStripeProvider(
  options: StripeProviderOptions,
): PaymentProvider {
  let client: Promise<{ stripe: Stripe; errors: StripeModule["default"]["errors"] }> | null = null;
  const connect = () =>
    client ??= loadSdk().then(({ default: StripeSdk }) => ({
      stripe: new StripeSdk(options.secretKey, {
        maxNetworkRetries: options.maxNetworkRetries ?? 2,
        timeout: options.timeoutMs ?? 20_000,
        telemetry: false,
        appInfo: { name: "Settle" },
        ...(options.api ?? {}),
      }),
      errors: StripeSdk.errors,
    }));
  const verifier = createWebhookVerifier({
    secret: options.webhookSecret,
    now: options.now,
  });

  async function call<T>(
    action: string,
    request: (stripe: Stripe) => Promise<unknown>,
    parse: z.ZodType<T>,
  ) {
    let raw: unknown;
    let errors: StripeModule["default"]["errors"] | null = null;
    try {
      const sdk = await connect();
      errors = sdk.errors;
      raw = await request(sdk.stripe);
    } catch (err) {
      throw toProviderError(action, err, errors);
    }
    const parsed = parse.safeParse(raw);
    if (!parsed.success) {
      throw new ProviderUnavailableError(
        `Stripe returned an unreadable object (${action})`,
        {
          provider: "stripe",
          action,
        },
      );
    }
    return parsed.data;
  }

  return {
    name: "stripe",

    async createCheckoutSession(input: CreateSessionInput) {
      const ours = { order_id: input.orderId, order_number: input.orderNumber };
      const params: Stripe.Checkout.SessionCreateParams = {
        mode: "payment",
        line_items: input.items.map((item) => ({
          quantity: item.quantity,
          price_data: {
            currency: input.currency,
            unit_amount: item.unitAmount,
            product_data: { name: item.title },
          },
        })),
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        client_reference_id: input.orderNumber,
        // Ours last, so caller metadata can never re-point a session at another order.
        metadata: { ...input.metadata, ...ours },
        // Lets payment_intent.* and charge.* events find the order too, and tell a late
        // decline from an earlier attempt (they name no session) from one of this attempt.
        payment_intent_data: {
          metadata: { ...ours, checkout_attempt: String(input.attempt) },
          ...(input.shipping ? { shipping: stripeShipping(input.shipping) } : {}),
        },
        expires_at: input.expiresAt,
      };
      if (input.customerEmail) params.customer_email = input.customerEmail;
      const tryNumber = input.try ?? 1;
      const idempotencyKey = `checkout:${input.orderId}:${input.attempt}` +
        (tryNumber > 1 ? `:${tryNumber}` : "");
      const session = await call(
        "create_session",
        (stripe) => stripe.checkout.sessions.create(params, { idempotencyKey }),
        SessionObject,
      );
      return toSession(session);
    },

    async retrieveSession(id: string) {
      const session = await call(
        "retrieve_session",
        (stripe) => stripe.checkout.sessions.retrieve(id),
        SessionObject,
      );
      return toSession(session);
    },

    async expireSession(id: string) {
      const session = await call(
        "expire_session",
        (stripe) => stripe.checkout.sessions.expire(id),
        SessionObject,
      );
      return toSession(session);
    },

    async refund(input: RefundInput): Promise<RefundResult> {
      const params: Stripe.RefundCreateParams = {
        payment_intent: input.paymentIntentId,
      };
      if (input.amount !== undefined) params.amount = input.amount;
      if (input.reason) params.reason = input.reason;
      if (input.metadata) params.metadata = input.metadata;
      const refund = await call(
        "refund",
        (stripe) =>
          stripe.refunds.create(params, {
            idempotencyKey: input.idempotencyKey,
          }),
        RefundObject,
      );
      return {
        id: refund.id,
        status: refund.status ?? "pending",
        amount: refund.amount,
        currency: refund.currency,
        paymentIntentId: refund.payment_intent ?? null,
      };
    },

    parseWebhook(rawBody: string, headers: Headers) {
      return verifier.verify(rawBody, headers.get("stripe-signature"));
    },
  };
}

/** Stripe's shipping hash: the address the payment intent (and its charge) records. */
function stripeShipping(
  a: ShippingAddressInput,
): Stripe.Checkout.SessionCreateParams.PaymentIntentData.Shipping {
  const address: Stripe.Checkout.SessionCreateParams.PaymentIntentData.Shipping["address"] = {
    line1: a.line1,
    city: a.city,
    postal_code: a.postalCode,
    country: a.country,
  };
  if (a.line2) address.line2 = a.line2;
  if (a.region) address.state = a.region;
  return { name: a.name, address, ...(a.phone ? { phone: a.phone } : {}) };
}

function toSession(s: z.infer<typeof SessionObject>): CheckoutSession {
  return {
    id: s.id,
    url: s.url ?? null,
    status: s.status,
    paymentStatus: s.payment_status,
    amountTotal: s.currency_conversion?.amount_total ?? s.amount_total ?? 0,
    currency: s.currency_conversion?.source_currency ?? s.currency ?? "",
    paymentIntentId: s.payment_intent ?? null,
    expiresAt: s.expires_at,
    metadata: s.metadata ?? {},
    clientReferenceId: s.client_reference_id ?? null,
    customerEmail: s.customer_details?.email ?? s.customer_email ?? null,
  };
}

/**
 * 4xx answers (other than 409 lock conflicts and 429 rate limits) are rejections; everything
 * else — no answer, timeouts, 5xx — means the provider is unavailable right now. `errors` is
 * null when the SDK itself could not be loaded.
 */
function toProviderError(
  action: string,
  err: unknown,
  errors: StripeModule["default"]["errors"] | null,
): ProviderRejectedError | ProviderUnavailableError {
  if (!errors || !(err instanceof errors.StripeError)) {
    const message = err instanceof Error ? err.message : String(err);
    return new ProviderUnavailableError(
      `Stripe request failed (${action}): ${message}`,
      {
        provider: "stripe",
        action,
      },
    );
  }
  const details: ProviderErrorDetails = { provider: "stripe", action };
  if (err.statusCode !== undefined) details.statusCode = err.statusCode;
  if (err.rawType) details.type = err.rawType;
  if (err.code) details.providerCode = err.code;
  if (err.requestId) details.requestId = err.requestId;
  const status = err.statusCode ?? 0;
  const message = `Stripe ${action} failed: ${err.message || err.type}`;
  if (status >= 400 && status < 500 && status !== 409 && status !== 429) {
    return new ProviderRejectedError(message, details);
  }
  return new ProviderUnavailableError(message, details);
}
