/**
 * Verified Stripe events → domain facts. Pure: no I/O, no clock.
 *
 * Only the fields Settle relies on are parsed (loosely: Stripe adds fields all the time).
 * A handled type whose object lacks them is returned as unhandled with reason
 * "malformed_payload" rather than thrown: the signature proved Stripe sent it, so a 400
 * would only make Stripe redeliver the same bytes for days. The caller records it as ignored
 * and answers 200.
 */
import { z } from "zod";
import type { Fact, Money, PaymentMethod } from "../orders/types.ts";
import type { VerifiedEvent } from "./provider.ts";

/** What the webhook service uses to find the order, most specific first. */
export interface OrderRef {
  orderId?: string;
  sessionId?: string;
  paymentIntentId?: string;
}

export type UnhandledReason =
  | "unhandled_type"
  | "malformed_payload"
  | "no_order_reference";

export type EventMapping =
  | { orderRef: OrderRef; fact: Fact }
  | { unhandled: true; type: string; reason: UnhandledReason; detail?: string };

/**
 * Stripe's ids are well under this; a longer one (forged or broken) never reaches a KV key,
 * which holds at most 2 KiB: the event is kept as malformed instead.
 */
export const MAX_PROVIDER_ID = 255;
const providerId = z.string().min(1).max(MAX_PROVIDER_ID);
const currency = z.string().min(3).max(16);

/** Stored provider text (decline messages, dispute reasons) is cut to this many characters. */
export const MAX_PROVIDER_TEXT = 500;
const TRUNCATED = "… [truncated]";
/** Free text from the provider, bounded so no stored value can outgrow a KV value. */
const providerText = z.string().transform((t) =>
  t.length > MAX_PROVIDER_TEXT ? t.slice(0, MAX_PROVIDER_TEXT) + TRUNCATED : t
);

/** An expandable reference: Stripe sends an id, or the object when expanded. */
export const stripeId = z.union([
  providerId,
  z.object({ id: providerId }).transform((o) => o.id),
]);
export const stripeMetadata = z.record(z.string(), z.string()).nullish();
/** Adaptive Pricing shows the shopper another currency; the source side is the order's. */
export const currencyConversion = z.object({
  amount_total: z.number().int(),
  source_currency: currency,
}).nullish();
/**
 * Adaptive Pricing on API versions from 2025-03-31: `currency` and the amounts stay in the
 * integration currency (the order's), and what the shopper was shown and charged is here.
 */
const presentmentDetails = z.object({
  presentment_amount: z.number().int(),
  presentment_currency: currency,
}).nullish();

/**
 * Who paid and how: read leniently, as extras. A missing or odd value is simply not
 * recorded; it never makes the payment's event malformed.
 */
const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/;
const optionalEmail = z.unknown().transform((v) => {
  const email = typeof v === "string" ? v.trim() : "";
  return email.length <= 254 && EMAIL.test(email) ? email : undefined;
}).optional();
const cardDetails = z.object({
  card: z.object({
    brand: z.string().min(1).max(32),
    last4: z.string().regex(/^[0-9]{4}$/),
  }),
}).transform((d): PaymentMethod => ({ brand: d.card.brand, last4: d.card.last4 }));
/** `payment_method_details.card` of a charge (or of an emulator PaymentIntent). */
const optionalCard = z.unknown().transform((v) => {
  const parsed = cardDetails.safeParse(v);
  return parsed.success ? parsed.data : undefined;
}).optional();

const SessionObject = z.object({
  id: providerId,
  payment_status: z.enum(["paid", "unpaid", "no_payment_required"]),
  amount_total: z.number().int().nullish(),
  currency: currency.nullish(),
  currency_conversion: currencyConversion,
  presentment_details: presentmentDetails,
  payment_intent: stripeId.nullish(),
  metadata: stripeMetadata,
  customer_details: z.object({ email: optionalEmail }).nullish().catch(null),
  customer_email: optionalEmail,
});
type Session = z.infer<typeof SessionObject>;

const PaymentIntentObject = z.object({
  id: providerId,
  amount_received: z.number().int(),
  currency,
  presentment_details: presentmentDetails,
  metadata: stripeMetadata,
  receipt_email: optionalEmail,
  /** The emulator copies the charge's here; Stripe has it on an expanded `latest_charge`. */
  payment_method_details: optionalCard,
  latest_charge: z.unknown().optional(),
  last_payment_error: z.object({
    message: providerText.nullish(),
    code: providerText.nullish(),
    decline_code: providerText.nullish(),
  }).nullish(),
});

const ChargeObject = z.object({
  id: providerId,
  amount_refunded: z.number().int(),
  currency,
  payment_intent: stripeId.nullish(),
  metadata: stripeMetadata,
  failure_message: providerText.nullish(),
  failure_code: providerText.nullish(),
});

const DisputeObject = z.object({
  id: providerId,
  amount: z.number().int(),
  reason: providerText,
  payment_intent: stripeId.nullish(),
  metadata: stripeMetadata,
});

class Malformed extends Error {}

function parse<T>(schema: z.ZodType<T>, object: unknown): T {
  const result = schema.safeParse(object);
  if (!result.success) throw new Malformed(z.prettifyError(result.error));
  return result.data;
}

/** Drops absent keys so an OrderRef only names what the event really carries. */
function ref(
  orderId?: string | null,
  sessionId?: string,
  paymentIntentId?: string | null,
) {
  const r: OrderRef = {};
  // Not an id Settle could have written: no order to look up (and no oversized KV key).
  if (orderId && orderId.length <= MAX_PROVIDER_ID) r.orderId = orderId;
  if (sessionId) r.sessionId = sessionId;
  if (paymentIntentId) r.paymentIntentId = paymentIntentId;
  return r;
}

/** Which checkout attempt a payment intent (or its charge) belongs to: Settle sets it. */
function attemptOf(metadata: Record<string, string> | null | undefined): { attempt?: number } {
  const n = Number(metadata?.checkout_attempt);
  return Number.isInteger(n) && n >= 1 ? { attempt: n } : {};
}

function sessionRef(s: Session): OrderRef {
  return ref(s.metadata?.order_id, s.id, s.payment_intent);
}

/**
 * The other side of a conversion, when there is one (details in the same currency are none).
 * Which side is the order's, and whether it matches the total, the domain decides.
 */
function presentment(
  details: z.infer<typeof presentmentDetails>,
  currency: string,
): { presentment?: Money } {
  if (!details || details.presentment_currency.toLowerCase() === currency.toLowerCase()) {
    return {};
  }
  return {
    presentment: { amount: details.presentment_amount, currency: details.presentment_currency },
  };
}

/** The shopper's e-mail as the session reports it, when it is a plausible one. */
function sessionEmail(s: Session): { customerEmail?: string } {
  const email = s.customer_details?.email ?? s.customer_email;
  return email ? { customerEmail: email } : {};
}

/** The card of a payment intent: its own details, else its expanded latest charge's. */
function intentMethod(pi: z.infer<typeof PaymentIntentObject>): { method?: PaymentMethod } {
  const charge = pi.latest_charge as { payment_method_details?: unknown } | null | undefined;
  const method = pi.payment_method_details ??
    (typeof charge === "object" && charge !== null
      ? optionalCard.parse(charge.payment_method_details)
      : undefined);
  return method ? { method } : {};
}

function sessionPaid(s: Session, zero = false): Fact {
  const amount = zero ? 0 : s.currency_conversion?.amount_total ?? s.amount_total;
  const currency = s.currency_conversion?.source_currency ?? s.currency;
  if (amount == null || !currency) {
    throw new Malformed("paid session without amount_total/currency");
  }
  // Before 2025-03-31 the session's own currency and total were the shopper's side.
  const shopper = s.currency_conversion && s.amount_total != null && s.currency
    ? { presentment_amount: s.amount_total, presentment_currency: s.currency }
    : s.presentment_details;
  return {
    kind: "payment_succeeded",
    sessionId: s.id,
    paymentIntentId: s.payment_intent ?? null,
    amount,
    currency,
    ...(zero ? {} : presentment(shopper, currency)),
    ...sessionEmail(s),
  };
}

type Mapper = (object: unknown) => { orderRef: OrderRef; fact: Fact };

const MAPPERS: Record<string, Mapper> = {
  "checkout.session.completed": (o) => {
    const s = parse(SessionObject, o);
    const fact: Fact = s.payment_status === "unpaid"
      ? {
        kind: "payment_processing",
        sessionId: s.id,
        paymentIntentId: s.payment_intent ?? null,
      }
      : sessionPaid(s, s.payment_status === "no_payment_required");
    return { orderRef: sessionRef(s), fact };
  },
  "checkout.session.async_payment_succeeded": (o) => {
    const s = parse(SessionObject, o);
    return { orderRef: sessionRef(s), fact: sessionPaid(s) };
  },
  "checkout.session.async_payment_failed": (o) => {
    const s = parse(SessionObject, o);
    const fact: Fact = {
      kind: "payment_failed",
      sessionId: s.id,
      paymentIntentId: s.payment_intent ?? null,
      reason: "async_payment_failed",
    };
    return { orderRef: sessionRef(s), fact };
  },
  "checkout.session.expired": (o) => {
    const s = parse(SessionObject, o);
    return {
      orderRef: sessionRef(s),
      fact: { kind: "session_expired", sessionId: s.id },
    };
  },
  "payment_intent.succeeded": (o) => {
    const pi = parse(PaymentIntentObject, o);
    const fact: Fact = {
      kind: "payment_succeeded",
      sessionId: null,
      paymentIntentId: pi.id,
      amount: pi.amount_received,
      currency: pi.currency,
      ...presentment(pi.presentment_details, pi.currency),
      ...(pi.receipt_email ? { customerEmail: pi.receipt_email } : {}),
      ...intentMethod(pi),
    };
    return { orderRef: ref(pi.metadata?.order_id, undefined, pi.id), fact };
  },
  "payment_intent.payment_failed": (o) => {
    const pi = parse(PaymentIntentObject, o);
    const error = pi.last_payment_error;
    const fact: Fact = {
      kind: "payment_failed",
      sessionId: null,
      paymentIntentId: pi.id,
      reason: error?.message || error?.decline_code || error?.code ||
        "payment_failed",
      ...attemptOf(pi.metadata),
    };
    return { orderRef: ref(pi.metadata?.order_id, undefined, pi.id), fact };
  },
  "charge.failed": (o) => {
    const ch = parse(ChargeObject, o);
    const fact: Fact = {
      kind: "payment_failed",
      sessionId: null,
      paymentIntentId: ch.payment_intent ?? null,
      reason: ch.failure_message || ch.failure_code || "charge_failed",
      ...attemptOf(ch.metadata),
    };
    return {
      orderRef: ref(ch.metadata?.order_id, undefined, ch.payment_intent),
      fact,
    };
  },
  "charge.refunded": (o) => {
    const ch = parse(ChargeObject, o);
    const fact: Fact = {
      kind: "refunded",
      paymentIntentId: ch.payment_intent ?? null,
      amountRefunded: ch.amount_refunded,
      currency: ch.currency,
    };
    return {
      orderRef: ref(ch.metadata?.order_id, undefined, ch.payment_intent),
      fact,
    };
  },
  "charge.dispute.created": (o) => {
    const d = parse(DisputeObject, o);
    const fact: Fact = {
      kind: "dispute_opened",
      paymentIntentId: d.payment_intent ?? null,
      amount: d.amount,
      reason: d.reason,
    };
    return {
      orderRef: ref(d.metadata?.order_id, undefined, d.payment_intent),
      fact,
    };
  },
};

/** The event types Settle subscribes to; configure the Stripe endpoint with exactly these. */
export const HANDLED_EVENT_TYPES: readonly string[] = Object.keys(MAPPERS);

export function toFact(event: VerifiedEvent): EventMapping {
  const mapper = Object.hasOwn(MAPPERS, event.type) ? MAPPERS[event.type] : undefined;
  if (!mapper) {
    return { unhandled: true, type: event.type, reason: "unhandled_type" };
  }
  let mapped: { orderRef: OrderRef; fact: Fact };
  try {
    mapped = mapper(event.object);
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    return {
      unhandled: true,
      type: event.type,
      reason: "malformed_payload",
      detail: err.message,
    };
  }
  if (Object.keys(mapped.orderRef).length === 0) {
    return { unhandled: true, type: event.type, reason: "no_order_reference" };
  }
  return mapped;
}
