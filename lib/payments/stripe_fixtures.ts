/**
 * Stripe-shaped objects and signed webhook bodies for tests across Settle (webhook route,
 * services, emulator checks). Shapes follow Stripe's API objects for payment-mode Checkout,
 * trimmed of blocks Settle never reads; override any field per test.
 */
import Stripe from "stripe";

export const FIXTURE = {
  orderId: "01JD4Z8K2M3N4P5Q6R7S8T9V0W",
  orderNumber: "SO-20261122-0007",
  sessionId: "cs_test_a1Xk9fQ2rT5wY8zB3nM6pL0cV4hJ7gD1sE",
  paymentIntentId: "pi_3QhRtY2eZvKYlo2C1aBcDeFg",
  chargeId: "ch_3QhRtY2eZvKYlo2C1xYz",
} as const;

const ORDER = { order_id: FIXTURE.orderId, order_number: FIXTURE.orderNumber };
const SESSION = FIXTURE.sessionId;
const PI = FIXTURE.paymentIntentId;
type Overrides = Record<string, unknown>;

/** A checkout.session as Stripe sends it in payment mode (trimmed of unrelated blocks). */
export function stripeSession(overrides: Overrides = {}) {
  return {
    id: SESSION,
    object: "checkout.session",
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: 8900,
    amount_total: 8900,
    automatic_tax: { enabled: false, liability: null, status: null },
    cancel_url: "https://shop.example/checkout/cancel?order=01JD4Z8K2M3N4P5Q6R7S8T9V0W",
    client_reference_id: ORDER.order_number,
    created: 1795342800,
    currency: "nzd",
    currency_conversion: null,
    customer: null,
    customer_details: {
      email: "kiri@example.nz",
      name: "Kiri Te Rangi",
      phone: null,
    },
    expires_at: 1795344600,
    livemode: false,
    locale: null,
    metadata: { ...ORDER, channel: "web" },
    mode: "payment",
    payment_intent: PI,
    payment_method_types: ["card"],
    payment_status: "paid",
    status: "complete",
    success_url: "https://shop.example/checkout/success?session_id={CHECKOUT_SESSION_ID}",
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    url: null,
    ...overrides,
  };
}

export function stripePaymentIntent(overrides: Overrides = {}) {
  return {
    id: PI,
    object: "payment_intent",
    amount: 8900,
    amount_capturable: 0,
    amount_received: 8900,
    capture_method: "automatic_async",
    client_secret: "pi_3QhRtY2eZvKYlo2C1aBcDeFg_secret_xyz",
    created: 1795342900,
    currency: "nzd",
    last_payment_error: null,
    latest_charge: FIXTURE.chargeId,
    livemode: false,
    metadata: { ...ORDER },
    payment_method: "pm_1QhRtZ2eZvKYlo2CabcDEF",
    status: "succeeded",
    ...overrides,
  };
}

export function stripeCharge(overrides: Overrides = {}) {
  return {
    id: FIXTURE.chargeId,
    object: "charge",
    amount: 8900,
    amount_captured: 8900,
    amount_refunded: 0,
    captured: true,
    created: 1795342901,
    currency: "nzd",
    disputed: false,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: { ...ORDER },
    outcome: { network_status: "approved_by_network", type: "authorized" },
    paid: true,
    payment_intent: PI,
    refunded: false,
    status: "succeeded",
    ...overrides,
  };
}

export function stripeDispute(overrides: Overrides = {}) {
  return {
    id: "dp_1QhS0a2eZvKYlo2C9kLmNoPq",
    object: "dispute",
    amount: 8900,
    charge: FIXTURE.chargeId,
    created: 1795429300,
    currency: "nzd",
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: PI,
    reason: "fraudulent",
    status: "needs_response",
    ...overrides,
  };
}

/** The raw body of an event as Stripe posts it to the webhook endpoint. */
export function stripeEventBody(
  type: string,
  object: unknown,
  {
    id = "evt_1QhS1b2eZvKYlo2CqRsTuVwX",
    created = Math.floor(Date.now() / 1000),
  } = {},
): string {
  return JSON.stringify({
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  });
}

/** A `Stripe-Signature` header value, made by the SDK exactly as Stripe signs. */
export function stripeSignature(
  payload: string,
  secret: string,
  timestamp?: number,
): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret,
    timestamp,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
}
