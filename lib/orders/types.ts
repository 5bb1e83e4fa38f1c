/**
 * The order and the facts that move it (DESIGN.md "Money and orders"). Pure types: the
 * transition function in transitions.ts is the only thing that changes an order's state.
 *
 * Three statuses, one job each: `status` is the order's lifecycle, `payment.status` the money
 * (refunds move only this one) and `fulfillment.status` the shipping.
 */

export const ORDER_STATUSES = [
  "pending",
  "failed",
  "paid",
  "fulfilled",
  "expired",
  "cancelled",
] as const;
export type OrderStatus = typeof ORDER_STATUSES[number];

/** Order statuses written before refunds moved to `payment.status` alone (see normaliseOrder). */
export type LegacyOrderStatus = "refunded" | "partially_refunded";

export const PAYMENT_STATUSES = [
  "pending",
  "paid",
  "failed",
  "expired",
  "refunded",
  "partially_refunded",
] as const;
export type PaymentStatus = typeof PAYMENT_STATUSES[number];

export const FULFILLMENT_STATUSES = ["not_attempted", "pending", "success", "failed"] as const;
export type FulfillmentStatus = typeof FULFILLMENT_STATUSES[number];

/** Where the order's stock reservation stands. */
export type StockState = "reserved" | "released" | "committed";

export interface OrderItem {
  productId: string;
  title: string;
  /** Minor units, from the catalog at order time. */
  unitAmount: number;
  quantity: number;
}

export const ATTENTION_REASONS = [
  "amount_mismatch",
  "second_payment",
  "paid_after_expiry",
  "paid_after_cancel",
  "stock_unavailable",
  "dispute",
  "fulfillment_failed",
  "task_dead",
  "manual_payment",
  /** An event for this order's session or payment named another order in its metadata. */
  "metadata_mismatch",
  /** Money on a session Settle never tied to this order: its metadata is all that says so. */
  "unverified_payment",
  /** The provider could not return a refund Settle asked for: the money is still here. */
  "refund_failed",
] as const;
export type AttentionReason = typeof ATTENTION_REASONS[number];

export interface Attention {
  reason: AttentionReason;
  at: string;
  detail?: string;
}

/** An amount in a currency, e.g. the shopper's side of a currency conversion. */
export interface Money {
  amount: number;
  currency: string;
}

export interface Payment {
  status: PaymentStatus;
  provider: string;
  /** The current (most recent) checkout session. */
  sessionId: string | null;
  /** Every session ever created for this order, oldest first. */
  sessionIds: string[];
  paymentIntentId: string | null;
  /** Payment intents already counted as paid, so a second event for one is a duplicate. */
  paidIntentIds: string[];
  /**
   * Sessions whose payment is already counted, so a repeat without a payment intent is a
   * duplicate too. Optional only so orders built before it existed still type-check.
   */
  paidSessionIds?: string[];
  /**
   * In the order's currency when the payment was converted (see `presentment`). A payment in
   * a currency that is not the order's (flagged `amount_mismatch`, see `received`) is counted
   * in its own minor units, so the refund the provider bounds by that payment stays possible.
   */
  amountReceived: number;
  /** The order's currency once money has arrived; never a mismatched payment's. */
  currency: string | null;
  /**
   * The last payment that did not match the order (short or over, or in another currency),
   * as it arrived, beside the order's own currency; flagged `amount_mismatch`. Absent when
   * every payment matched.
   */
  received?: Money | null;
  /**
   * The last converted payment as the shopper paid it (Stripe Adaptive Pricing: their own
   * currency), recorded beside `amountReceived`; absent when nothing was converted.
   */
  presentment?: Money | null;
  failureReason: string | null;
  /**
   * Every failure applied, as "payment id|reason": one seen again (a replayed verify, a late
   * retry of an older attempt's event) changes nothing. Absent on orders stored before it.
   */
  failures?: string[];
  /**
   * What went back: per payment intent, the larger of the provider's cumulative figure
   * (`refundedByIntent`) and the sum of the refunds recorded by id (`refunds`), summed. Each
   * is a lower bound of the truth, so no refund is counted twice, whichever lands first.
   */
  refundedAmount: number;
  /**
   * The highest cumulative refund the provider reported per payment intent (Stripe's
   * `amount_refunded` per charge), so refunds of two different payments add up instead of
   * one hiding the other.
   */
  refundedByIntent?: Record<string, number>;
  /**
   * Refunds Settle made, each once by the provider's refund id. Optional only so orders
   * stored before it existed still type-check.
   */
  refunds?: RefundRecord[];
  /**
   * The card that paid (brand and last four) when the provider said; null or absent when it
   * did not (a bank debit, a manual payment, an older order).
   */
  method?: PaymentMethod | null;
}

/** How a payment was made, as the provider names it: `{brand: "visa", last4: "4242"}`. */
export interface PaymentMethod {
  brand: string;
  last4: string;
}

/** One refund made through the provider, as it numbered it. */
export interface RefundRecord {
  /** The provider's refund id (Stripe's `re_…`). */
  id: string;
  paymentIntentId: string;
  /** Minor units. */
  amount: number;
  /** The provider gave up on it: it counts for nothing, and a new refund is a new attempt. */
  failed?: boolean;
}

export interface Fulfillment {
  status: FulfillmentStatus;
  attempts: number;
  externalId: string | null;
  error: string | null;
}

/** Where the goods go. `country` is ISO 3166-1 alpha-2, upper case ("NZ"). */
export interface Address {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
}

/** Who bought it. A forgotten customer's fields read FORGOTTEN (the money records stay). */
export interface Customer {
  email: string;
  name?: string;
  phone?: string;
}

/** The delivery chosen at checkout: the address and the rate, priced when the order was placed. */
export interface Shipping {
  address: Address;
  rateId: string;
  /** The rate's label as the shopper saw it, e.g. "Standard (3–5 days)". */
  label: string;
  /** Minor units, in the order's currency; 0 for a free rate. */
  amount: number;
}

/** What replaces personal data when an admin forgets a customer. */
export const FORGOTTEN = "[forgotten]";

export interface Order {
  id: string;
  number: string;
  items: OrderItem[];
  /** The items alone; `total` = subtotal + shipping.amount. */
  subtotal: number;
  total: number;
  /** Absent on orders placed before checkout asked (and on API orders that sent none). */
  customer?: Customer | null;
  /** Absent when nothing in the order ships (or on older orders). */
  shipping?: Shipping | null;
  currency: string;
  status: OrderStatus;
  payment: Payment;
  fulfillment: Fulfillment;
  stock: StockState;
  /** Open needs-attention flags; empty when nothing needs a person. */
  needsAttention: Attention[];
  /** The cart that created the order: the owner check for retry, and what to trim on payment. */
  cartId: string | null;
  metadata: Record<string, string>;
  /** Bumped by every history entry; the next entry's seq is historySeq + 1. */
  historySeq: number;
  createdAt: string;
  updatedAt: string;
}

/** Where a fact came from. */
export type FactSource =
  | { kind: "provider"; eventId: string; eventType: string }
  | { kind: "admin"; actor: string; reason: string }
  | { kind: "reconcile" }
  | { kind: "success_page" }
  | { kind: "system" };

/** Something that happened to an order, normalised from a provider event or an admin action. */
export type Fact =
  /** A confirmed payment (money moved). */
  | {
    kind: "payment_succeeded";
    sessionId: string | null;
    paymentIntentId: string | null;
    amount: number;
    currency: string;
    /**
     * The same payment in the other currency of a conversion, when the provider names one:
     * the domain compares whichever side is in the order's currency.
     */
    presentment?: Money;
    /** The e-mail the provider collected from the shopper, when it names one. */
    customerEmail?: string;
    /** The card that paid, when the provider names it. */
    method?: PaymentMethod;
  }
  /** Checkout completed but the (async) payment has not settled yet. */
  | { kind: "payment_processing"; sessionId: string | null; paymentIntentId: string | null }
  | {
    kind: "payment_failed";
    sessionId: string | null;
    paymentIntentId: string | null;
    reason: string;
    /**
     * The checkout attempt (1 = the order's first session) the failed payment belonged to,
     * when the provider says: events about a payment intent name no session.
     */
    attempt?: number;
  }
  | { kind: "session_expired"; sessionId: string }
  /**
   * The order's checkout window passed without it ever getting a provider session (creating
   * one failed), so no session expiry will come to release its stock.
   */
  | { kind: "checkout_lapsed" }
  /** A new checkout session now carries the order (a retry). */
  /** `provider`: who issued the session (absent in facts recorded before there were two). */
  | { kind: "session_created"; sessionId: string; provider?: string }
  /** `amountRefunded` is cumulative, as Stripe's charge.amount_refunded. */
  | { kind: "refunded"; paymentIntentId: string | null; amountRefunded: number; currency: string }
  /** One refund Settle made, named by the provider's refund id; `amount` is its own. */
  | {
    kind: "refund_issued";
    refundId: string;
    paymentIntentId: string;
    amount: number;
    currency: string;
  }
  /** The provider could not carry out a refund (Razorpay's refund.failed). */
  | {
    kind: "refund_failed";
    refundId: string;
    paymentIntentId: string;
    amount: number;
    currency: string;
  }
  | { kind: "dispute_opened"; paymentIntentId: string | null; amount: number; reason: string }
  | { kind: "cancelled" }
  | { kind: "manually_paid" }
  | { kind: "attention_acknowledged"; reason: AttentionReason; note: string }
  | { kind: "fulfillment_started" }
  | { kind: "fulfillment_succeeded"; externalId: string }
  | { kind: "fulfillment_failed"; error: string; final: boolean }
  | { kind: "stock_committed"; available: boolean }
  | { kind: "stock_released" }
  | { kind: "task_dead"; taskKind: string; error: string }
  /** Something about a provider event a person must check (the event itself applied apart). */
  | {
    kind: "flag_raised";
    reason: Extract<AttentionReason, "metadata_mismatch" | "unverified_payment">;
    detail: string;
  }
  /**
   * An admin forgot the order's customer: e-mail, name, phone and the delivery address (all
   * but its country) read FORGOTTEN; money, items and shipping price stay.
   */
  | { kind: "customer_forgotten" };

export type FactKind = Fact["kind"];

export type IgnoredReason =
  | "stale_session"
  | "would_downgrade"
  | "unknown_session"
  | "unhandled_type"
  | "malformed_payload"
  | "not_allowed";

export type Outcome =
  | { kind: "applied" }
  | { kind: "duplicate" }
  | { kind: "ignored"; reason: IgnoredReason }
  | { kind: "flagged"; reason: AttentionReason };

/** Follow-up work a transition asks for; written to the outbox in the same commit. */
export type FollowUp =
  | "on_paid"
  | "release_stock"
  | "fulfil"
  | "send_receipt"
  /** The shopper hears their order shipped (once: only the first fulfilment success asks). */
  | "send_shipped_notice"
  | "alert";

export interface Transition {
  order: Order;
  outcome: Outcome;
  followUps: FollowUp[];
}

/** One entry of `["order_history", orderId, seq]`. */
export interface HistoryEntry {
  seq: number;
  at: string;
  /** null for a provider event Settle does not act on (its type is in `source`). */
  fact: Fact | null;
  source: FactSource;
  outcome: Outcome;
  /** Status before and after, for the admin's timeline. */
  from: OrderStatus;
  to: OrderStatus;
}
