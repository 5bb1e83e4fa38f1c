/**
 * Money coming in: a shopper's attempt on the hosted page and the later settlement of a bank
 * debit. Each step changes the objects first, then emits the events Stripe emits for it, in
 * Stripe's order.
 */
import { cardOutcome, type Decline, type PaymentChoice } from "./cards.ts";
import type { Charge, CheckoutSession, PaymentIntent } from "./objects.ts";
import { NO_REQUEST, randomId, type SessionRecord, type Store } from "./store.ts";

export type PayResult =
  | {
    status: "succeeded" | "processing";
    session: CheckoutSession;
    redirectUrl: string | null;
  }
  | { status: "declined"; session: CheckoutSession; decline: Decline }
  /** Rejected before reaching the "bank" (e.g. a mistyped number): nothing was created. */
  | { status: "invalid"; session: CheckoutSession; message: string }
  /** The session is expired or already complete. */
  | { status: "unavailable"; session: CheckoutSession };

/** What the shopper typed on the hosted page besides the payment method. */
export interface PayerDetails {
  /** Asked for when the session has no `customer_email`. */
  email?: string;
}

export function attemptPayment(
  store: Store,
  record: SessionRecord,
  choice: PaymentChoice,
  payer: PayerDetails = {},
): PayResult {
  const { session } = record;
  if (session.status !== "open") return { status: "unavailable", session };
  if (payer.email && !session.customer_email) record.collectedEmail = payer.email;
  if (choice.kind === "bank_debit") {
    const { intent, charge } = startAttempt(store, record, {
      type: "bank_debit",
    });
    complete(record, intent);
    intent.status = "processing";
    record.pendingSettlement = choice.settles;
    store.emit("charge.pending", charge);
    store.emit("payment_intent.processing", intent);
    store.emit("checkout.session.completed", session);
    return {
      status: "processing",
      session,
      redirectUrl: successRedirect(session),
    };
  }
  const card = cardOutcome(choice.number);
  if (card.kind === "invalid") {
    return { status: "invalid", session, message: card.message };
  }
  const details = {
    type: "card",
    card: { brand: card.brand, last4: card.last4 },
  };
  const { intent, charge } = startAttempt(store, record, details);
  if (card.kind === "decline") {
    failCharge(charge, card.decline);
    failIntent(intent, charge, card.decline);
    store.emit("charge.failed", charge);
    store.emit("payment_intent.payment_failed", intent);
    return { status: "declined", session, decline: card.decline };
  }
  complete(record, intent);
  succeed(store, record, intent, charge);
  store.emit("checkout.session.completed", session);
  return {
    status: "succeeded",
    session,
    redirectUrl: successRedirect(session),
  };
}

/** Finishes a processing bank debit, as Stripe does days later. */
export function settle(
  store: Store,
  record: SessionRecord,
  outcome: "succeeded" | "failed",
): void {
  const { session } = record;
  const intent = session.payment_intent ? store.intents.get(session.payment_intent) : undefined;
  const charge = intent?.latest_charge ? store.charges.get(intent.latest_charge) : undefined;
  if (record.pendingSettlement === undefined || !intent || !charge) {
    throw new Error(
      `Session ${session.id} has no bank debit waiting to settle`,
    );
  }
  record.pendingSettlement = undefined;
  if (outcome === "succeeded") {
    succeed(store, record, intent, charge);
    store.emit("checkout.session.async_payment_succeeded", session);
    return;
  }
  const decline = {
    code: "debit_not_authorized",
    decline_code: "debit_not_authorized",
    message: "The customer's bank notified Stripe that the debit was not authorized.",
  };
  failCharge(charge, decline);
  failIntent(intent, charge, decline);
  store.emit("charge.failed", charge);
  store.emit("payment_intent.payment_failed", intent);
  store.emit("checkout.session.async_payment_failed", session);
}

/** `success_url` with `{CHECKOUT_SESSION_ID}` filled in, as Stripe redirects. */
export function successRedirect(session: CheckoutSession): string | null {
  return session.success_url?.replaceAll("{CHECKOUT_SESSION_ID}", session.id) ??
    null;
}

// Stripe creates a Checkout Session's PaymentIntent lazily, on the first attempt to pay.
function ensureIntent(store: Store, record: SessionRecord): PaymentIntent {
  const { session } = record;
  const existing = session.payment_intent ? store.intents.get(session.payment_intent) : undefined;
  if (existing) return existing;
  const intent: PaymentIntent = {
    id: randomId("pi_test_"),
    object: "payment_intent",
    amount: session.amount_total,
    amount_capturable: 0,
    amount_received: 0,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    created: store.nowSeconds(),
    currency: session.currency,
    description: record.intentData.description,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: { ...record.intentData.metadata },
    payment_method_types: session.payment_method_types,
    payment_method_details: null,
    receipt_email: null,
    shipping: shippingOf(record),
    status: "requires_payment_method",
  };
  store.intents.set(intent.id, intent);
  session.payment_intent = intent.id;
  store.emit("payment_intent.created", intent, NO_REQUEST);
  return intent;
}

/** `payment_intent_data[shipping]` in the shape of Stripe's `shipping` hash. */
function shippingOf(record: SessionRecord): PaymentIntent["shipping"] {
  const given = record.intentData.shipping;
  if (!given) return null;
  const a = given.address;
  return {
    name: given.name,
    phone: given.phone,
    address: {
      city: a.city,
      country: a.country,
      line1: a.line1,
      line2: a.line2,
      postal_code: a.postal_code,
      state: a.state,
    },
  };
}

// Each attempt is a new Charge on the session's one PaymentIntent.
function startAttempt(
  store: Store,
  record: SessionRecord,
  details: Charge["payment_method_details"],
): { intent: PaymentIntent; charge: Charge } {
  const intent = ensureIntent(store, record);
  const charge: Charge = {
    id: randomId("ch_test_"),
    object: "charge",
    amount: intent.amount,
    amount_captured: 0,
    amount_refunded: 0,
    balance_transaction: null,
    captured: false,
    created: store.nowSeconds(),
    currency: intent.currency,
    disputed: false,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: { ...record.intentData.metadata },
    outcome: null,
    paid: false,
    payment_intent: intent.id,
    payment_method_details: details,
    refunded: false,
    status: "pending",
  };
  store.charges.set(charge.id, charge);
  intent.latest_charge = charge.id;
  intent.payment_method_details = structuredClone(details);
  intent.last_payment_error = null;
  return { intent, charge };
}

/**
 * Closes the session with what Stripe reports of the shopper: the e-mail (prefilled or typed
 * on the page) and, from the shipping given at creation, the name, phone and address.
 */
function complete(record: SessionRecord, intent: PaymentIntent): void {
  const { session } = record;
  const shipping = intent.shipping;
  const email = session.customer_email ?? record.collectedEmail ?? null;
  session.status = "complete";
  session.url = null;
  session.customer_details = {
    email,
    name: shipping?.name ?? null,
    phone: shipping?.phone ?? null,
    address: shipping ? { ...shipping.address } : null,
  };
  session.shipping_details = shipping
    ? { name: shipping.name, address: { ...shipping.address } }
    : null;
  intent.receipt_email = email;
}

function succeed(
  store: Store,
  record: SessionRecord,
  intent: PaymentIntent,
  charge: Charge,
): void {
  charge.status = "succeeded";
  charge.paid = true;
  charge.captured = true;
  charge.amount_captured = charge.amount;
  charge.outcome = {
    network_status: "approved_by_network",
    reason: null,
    seller_message: "Payment complete.",
    type: "authorized",
  };
  intent.status = "succeeded";
  intent.amount_received = intent.amount;
  intent.last_payment_error = null;
  record.session.payment_status = "paid";
  store.emit("charge.succeeded", charge);
  store.emit("payment_intent.succeeded", intent);
}

function failCharge(charge: Charge, decline: Decline): void {
  charge.status = "failed";
  charge.failure_code = decline.code;
  charge.failure_message = decline.message;
  charge.outcome = {
    network_status: "declined_by_network",
    reason: decline.decline_code,
    seller_message: `The bank returned the decline code \`${decline.decline_code}\`.`,
    type: "issuer_declined",
  };
}

function failIntent(
  intent: PaymentIntent,
  charge: Charge,
  decline: Decline,
): void {
  intent.status = "requires_payment_method";
  intent.last_payment_error = {
    type: "card_error",
    ...decline,
    charge: charge.id,
  };
}
