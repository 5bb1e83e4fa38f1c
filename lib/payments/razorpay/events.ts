/**
 * Verified Razorpay webhook bodies → domain facts. Pure: no I/O, no clock.
 *
 * Razorpay ids map onto Settle's as create-order indexes them: the Razorpay order id is the
 * order's session id (provider "razorpay") and the payment id (`pay_…`) its payment intent
 * id. Only the fields Settle relies on are parsed; a handled type whose entities lack them
 * is unhandled with reason "malformed_payload" (kept for admins, answered 2xx), as for
 * Stripe (../stripe_events.ts).
 *
 * Decisions:
 * - `payment.authorized` asks for a capture (`capture`): the webhook service captures it
 *   through the client (idempotently) and records `capture.paid` only once Razorpay says
 *   captured. Its `fact` is `payment_processing`, what is kept when the order is not known
 *   yet: a kept authorization never marks an order paid.
 * - Refunds and disputes name only the payment (`paymentIntentId`), never the Razorpay order:
 *   one that arrives before its payment is applied waits (kept) until the payment indexes
 *   the order, instead of being refused by an unpaid order.
 * - `notes.order_id` is read from the order entity only (order.paid): Settle wrote it with
 *   the key secret. Payment notes come from the shopper's checkout options and are ignored.
 * - `refund.failed` un-counts the refund it names and flags the order `refund_failed`: the
 *   admin recorded the refund when Razorpay accepted it, and the money never left.
 * - Disputes carry their id in the reason, so the same dispute is a duplicate and another
 *   one on the same payment is not.
 */
import { z } from "zod";
import type { Fact, PaymentMethod } from "../../orders/types.ts";
import {
  MAX_PROVIDER_ID,
  MAX_PROVIDER_TEXT,
  type OrderRef,
  type UnhandledReason,
} from "../stripe_events.ts";

/** What a `payment.authorized` asks the webhook service to do before recording. */
export interface CaptureRequest {
  paymentId: string;
  amount: number;
  currency: string;
  /** Recorded once Razorpay says the payment is captured. */
  paid: Extract<Fact, { kind: "payment_succeeded" }>;
}

export type RazorpayEventMapping =
  | { orderRef: OrderRef; fact: Fact; capture?: CaptureRequest }
  | {
    unhandled: true;
    type: string;
    reason: UnhandledReason;
    detail?: string;
    /** Where to record an event that changes nothing but belongs on an order's history. */
    orderRef?: OrderRef;
  };

/** The envelope: `{event, payload: {payment: {entity}, …}}`; the id is in a header. */
export const RazorpayEnvelope = z.object({
  event: z.string().min(1).max(MAX_PROVIDER_ID),
  payload: z.record(z.string(), z.unknown()).catch({}),
  created_at: z.number().nullish().catch(null),
});
export type RazorpayEnvelope = z.infer<typeof RazorpayEnvelope>;

const providerId = z.string().min(1).max(MAX_PROVIDER_ID);
const currency = z.string().min(3).max(16).transform((c) => c.toLowerCase());
const amount = z.number().int().nonnegative();
const TRUNCATED = "… [truncated]";
const providerText = z.string().transform((t) =>
  t.length > MAX_PROVIDER_TEXT ? t.slice(0, MAX_PROVIDER_TEXT) + TRUNCATED : t
);

const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/;
const optionalEmail = z.unknown().transform((v) => {
  const email = typeof v === "string" ? v.trim() : "";
  return email.length <= 254 && EMAIL.test(email) ? email : undefined;
}).optional();
/** `payment.card` when the payment was by card; anything odd is simply not recorded. */
const optionalCard = z.unknown().transform((v): PaymentMethod | undefined => {
  const parsed = z.object({
    last4: z.string().regex(/^[0-9]{4}$/),
    network: z.string().min(1).max(32),
  }).safeParse(v);
  return parsed.success
    ? { brand: parsed.data.network.toLowerCase(), last4: parsed.data.last4 }
    : undefined;
}).optional();

const PaymentEntity = z.object({
  id: providerId,
  amount,
  currency,
  status: z.string().max(32),
  order_id: providerId.nullish(),
  email: optionalEmail,
  card: optionalCard,
  error_code: providerText.nullish(),
  error_description: providerText.nullish(),
  error_reason: providerText.nullish(),
});
type Payment = z.infer<typeof PaymentEntity>;

/** Razorpay writes empty notes as `[]`. */
const notes = z.unknown().transform((n) =>
  typeof n === "object" && n !== null && !Array.isArray(n) ? n as Record<string, unknown> : {}
);
const OrderEntity = z.object({ id: providerId, notes });

const RefundEntity = z.object({
  id: providerId,
  amount,
  currency,
  payment_id: providerId,
  status: z.string().max(32).nullish(),
});

const DisputeEntity = z.object({
  id: providerId,
  amount,
  payment_id: providerId,
  reason_code: providerText.nullish(),
});

class Malformed extends Error {}

function entity<T>(payload: Record<string, unknown>, name: string, schema: z.ZodType<T>): T {
  const wrapped = payload[name] as { entity?: unknown } | undefined;
  if (typeof wrapped !== "object" || wrapped === null || !("entity" in wrapped)) {
    throw new Malformed(`payload.${name}.entity is missing`);
  }
  const result = schema.safeParse(wrapped.entity);
  if (!result.success) {
    throw new Malformed(`payload.${name}.entity: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

function ref(orderId?: unknown, sessionId?: string | null, paymentIntentId?: string | null) {
  const r: OrderRef = {};
  if (typeof orderId === "string" && orderId && orderId.length <= MAX_PROVIDER_ID) {
    r.orderId = orderId;
  }
  if (sessionId) r.sessionId = sessionId;
  if (paymentIntentId) r.paymentIntentId = paymentIntentId;
  return r;
}

/** The payment as money received (status aside: the caller knows it is captured). */
export function paidFact(p: Payment): Extract<Fact, { kind: "payment_succeeded" }> {
  return {
    kind: "payment_succeeded",
    sessionId: p.order_id ?? null,
    paymentIntentId: p.id,
    amount: p.amount,
    currency: p.currency,
    ...(p.email ? { customerEmail: p.email } : {}),
    ...(p.card ? { method: p.card } : {}),
  };
}

function failedFact(p: Payment): Fact {
  return {
    kind: "payment_failed",
    sessionId: p.order_id ?? null,
    paymentIntentId: p.id,
    reason: failureReason(p),
  };
}

/**
 * Why a payment failed, in the same words whichever path read the payment (webhook, verify,
 * reconciliation): the state machine tells a repeated failure by its reason.
 */
export function failureReason(p: {
  error_description?: string | null;
  error_reason?: string | null;
  error_code?: string | null;
}): string {
  const text = p.error_description || p.error_reason || p.error_code || "payment_failed";
  return text.length > MAX_PROVIDER_TEXT ? text.slice(0, MAX_PROVIDER_TEXT) + TRUNCATED : text;
}

type Mapper = (payload: Record<string, unknown>) => RazorpayEventMapping;

const MAPPERS: Record<string, Mapper> = {
  "payment.authorized": (payload) => {
    const p = entity(payload, "payment", PaymentEntity);
    return {
      orderRef: ref(undefined, p.order_id, p.id),
      fact: { kind: "payment_processing", sessionId: p.order_id ?? null, paymentIntentId: p.id },
      capture: { paymentId: p.id, amount: p.amount, currency: p.currency, paid: paidFact(p) },
    };
  },
  "payment.captured": (payload) => {
    const p = entity(payload, "payment", PaymentEntity);
    return { orderRef: ref(undefined, p.order_id, p.id), fact: paidFact(p) };
  },
  "payment.failed": (payload) => {
    const p = entity(payload, "payment", PaymentEntity);
    return { orderRef: ref(undefined, p.order_id, p.id), fact: failedFact(p) };
  },
  "order.paid": (payload) => {
    const p = entity(payload, "payment", PaymentEntity);
    const o = entity(payload, "order", OrderEntity);
    return { orderRef: ref(o.notes.order_id, p.order_id ?? o.id, p.id), fact: paidFact(p) };
  },
  "refund.processed": (payload) => {
    const r = entity(payload, "refund", RefundEntity);
    return {
      orderRef: ref(undefined, undefined, r.payment_id),
      fact: {
        kind: "refund_issued",
        refundId: r.id,
        paymentIntentId: r.payment_id,
        amount: r.amount,
        currency: r.currency,
      },
    };
  },
  "refund.failed": (payload) => {
    const r = entity(payload, "refund", RefundEntity);
    return {
      orderRef: ref(undefined, undefined, r.payment_id),
      fact: {
        kind: "refund_failed",
        refundId: r.id,
        paymentIntentId: r.payment_id,
        amount: r.amount,
        currency: r.currency,
      },
    };
  },
  "payment.dispute.created": (payload) => {
    const d = entity(payload, "dispute", DisputeEntity);
    return {
      orderRef: ref(undefined, undefined, d.payment_id),
      fact: {
        kind: "dispute_opened",
        paymentIntentId: d.payment_id,
        amount: d.amount,
        reason: `${d.reason_code || "dispute"} (${d.id})`,
      },
    };
  },
};

/** The event types Settle subscribes to; configure the Razorpay webhook with these. */
export const RAZORPAY_HANDLED_EVENTS: readonly string[] = Object.keys(MAPPERS);

export function toRazorpayFact(envelope: RazorpayEnvelope): RazorpayEventMapping {
  const type = envelope.event;
  const mapper = Object.hasOwn(MAPPERS, type) ? MAPPERS[type] : undefined;
  if (!mapper) return { unhandled: true, type, reason: "unhandled_type" };
  let mapped: RazorpayEventMapping;
  try {
    mapped = mapper(envelope.payload);
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    return { unhandled: true, type, reason: "malformed_payload", detail: err.message };
  }
  if (!("unhandled" in mapped) && Object.keys(mapped.orderRef).length === 0) {
    return { unhandled: true, type, reason: "no_order_reference" };
  }
  return mapped;
}
