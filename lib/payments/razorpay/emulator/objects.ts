/**
 * The Razorpay entities the emulator keeps, in the shapes Razorpay's REST API answers with
 * (`created_at` in unix seconds, amounts in the minor unit, `notes` as `[]` when empty, a PHP
 * quirk of the real API that clients must tolerate).
 */

export type Notes = Record<string, string> | [];

export interface RazorpayOrder {
  id: string;
  entity: "order";
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  receipt: string | null;
  offer_id: null;
  status: "created" | "attempted" | "paid";
  attempts: number;
  notes: Notes;
  created_at: number;
}

export interface RazorpayCard {
  id: string;
  entity: "card";
  name: string;
  last4: string;
  network: string;
  type: "credit" | "debit";
  issuer: string | null;
  international: boolean;
  emi: boolean;
}

export type PaymentMethod = "card" | "upi" | "netbanking";

export interface RazorpayPayment {
  id: string;
  entity: "payment";
  amount: number;
  currency: string;
  status: "created" | "authorized" | "captured" | "refunded" | "failed";
  order_id: string;
  invoice_id: null;
  international: boolean;
  method: PaymentMethod;
  amount_refunded: number;
  refund_status: null | "partial" | "full";
  captured: boolean;
  description: string | null;
  card_id: string | null;
  card?: RazorpayCard;
  bank: string | null;
  wallet: null;
  vpa: string | null;
  email: string;
  contact: string;
  notes: Notes;
  fee: number | null;
  tax: number | null;
  error_code: string | null;
  error_description: string | null;
  error_source: string | null;
  error_step: string | null;
  error_reason: string | null;
  created_at: number;
}

export interface RazorpayRefund {
  id: string;
  entity: "refund";
  amount: number;
  currency: string;
  payment_id: string;
  notes: Notes;
  receipt: string | null;
  acquirer_data: { arn: string | null };
  created_at: number;
  batch_id: null;
  status: "pending" | "processed" | "failed";
  speed_processed: "normal";
  speed_requested: "normal" | "optimum";
}

export interface RazorpayDispute {
  id: string;
  entity: "dispute";
  payment_id: string;
  amount: number;
  currency: string;
  amount_deducted: number;
  reason_code: string;
  respond_by: number;
  status: "open";
  phase: "chargeback";
  created_at: number;
}

export type EventName =
  | "payment.authorized"
  | "payment.captured"
  | "payment.failed"
  | "order.paid"
  | "refund.created"
  | "refund.processed"
  | "refund.failed"
  | "payment.dispute.created";

/** Each entity is wrapped as `{entity: {...}}` inside `payload`, as Razorpay does. */
export interface EventPayload {
  payment?: { entity: RazorpayPayment };
  order?: { entity: RazorpayOrder };
  refund?: { entity: RazorpayRefund };
  dispute?: { entity: RazorpayDispute };
}

/** A webhook body. Razorpay puts the event id only in the `x-razorpay-event-id` header. */
export interface RazorpayEvent {
  entity: "event";
  account_id: string;
  event: EventName;
  contains: (keyof EventPayload)[];
  payload: EventPayload;
  created_at: number;
}

/** An event as the emulator created it: its id (the delivery header) and its body. */
export interface StoredEvent {
  id: string;
  body: RazorpayEvent;
}

/** The error object Razorpay answers with, and checkout passes to `payment.failed`. */
export interface ErrorBody {
  code: "BAD_REQUEST_ERROR" | "GATEWAY_ERROR" | "SERVER_ERROR";
  description: string;
  source: string;
  step: string;
  reason: string;
  metadata: Record<string, string>;
  field?: string;
}

export class RazorpayError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409,
    readonly error: ErrorBody,
  ) {
    super(error.description);
  }

  /** The usual 400: `{code: BAD_REQUEST_ERROR, description, field?}` with `NA` filler. */
  static badRequest(description: string, field?: string): RazorpayError {
    const error: ErrorBody = {
      code: "BAD_REQUEST_ERROR",
      description,
      source: field ? "business" : "NA",
      step: field ? "payment_initiation" : "NA",
      reason: field ? "input_validation_failed" : "NA",
      metadata: {},
    };
    if (field) error.field = field;
    return new RazorpayError(400, error);
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Razorpay ids are a prefix and 14 base62 characters, e.g. `order_IluGWxBm9U8zJ8`. */
export function razorpayId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(14));
  return prefix + Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
}
