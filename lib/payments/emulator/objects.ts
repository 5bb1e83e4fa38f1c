/**
 * The Stripe objects the emulator serves, with the fields Settle reads and the neighbours a
 * Stripe client expects to find beside them. Field names and value sets follow Stripe's API.
 */

export type Metadata = Record<string, string>;

export interface CheckoutSession {
  id: string;
  object: "checkout.session";
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string;
  customer: null;
  /** Who paid: null until the session completes, as on Stripe. */
  customer_details: CustomerDetails | null;
  customer_email: string | null;
  expires_at: number;
  livemode: false;
  locale: string | null;
  metadata: Metadata;
  mode: "payment";
  /** Null until the shopper's first payment attempt creates the PaymentIntent. */
  payment_intent: string | null;
  payment_method_types: string[];
  payment_status: "paid" | "unpaid";
  /** Where the goods go (`payment_intent_data[shipping]`); null when none was given. */
  shipping_details: ShippingDetails | null;
  status: "open" | "complete" | "expired";
  success_url: string | null;
  ui_mode: "hosted";
  /** The hosted page; null once the session is no longer open, as on Stripe. */
  url: string | null;
}

/** Stripe's address hash: every field nullable. */
export interface StripeAddress {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export interface CustomerDetails {
  email: string | null;
  name: string | null;
  phone: string | null;
  address: StripeAddress | null;
}

export interface ShippingDetails {
  name: string;
  address: StripeAddress;
}

/** How a charge was paid: the card's brand and last four digits for a card. */
export interface PaymentMethodDetails {
  type: string;
  card?: { brand: string; last4: string };
}

export interface LineItem {
  id: string;
  object: "item";
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  description: string;
  price: {
    id: string;
    object: "price";
    currency: string;
    unit_amount: number;
    product: string;
    type: "one_time";
  };
  quantity: number;
}

export interface PaymentError {
  type: "card_error";
  code: string;
  decline_code?: string;
  message: string;
  charge: string;
}

export type PaymentIntentStatus =
  | "requires_payment_method"
  | "processing"
  | "succeeded"
  | "canceled";

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_capturable: 0;
  amount_received: number;
  canceled_at: number | null;
  cancellation_reason: "abandoned" | null;
  capture_method: "automatic";
  created: number;
  currency: string;
  description: string | null;
  last_payment_error: PaymentError | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Metadata;
  payment_method_types: string[];
  /**
   * The latest attempt's method, copied from its charge. Not a field of Stripe's
   * PaymentIntent (Stripe has it on the charge, `latest_charge`): the emulator adds it so
   * `payment_intent.succeeded` alone names the card.
   */
  payment_method_details: PaymentMethodDetails | null;
  /** The address Stripe e-mails its own receipt to: the shopper's, once they paid. */
  receipt_email: string | null;
  /** `payment_intent_data[shipping]`, as given when the session was created. */
  shipping: {
    name: string;
    phone: string | null;
    address: StripeAddress;
  } | null;
  status: PaymentIntentStatus;
}

export interface Charge {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: null;
  captured: boolean;
  created: number;
  currency: string;
  disputed: boolean;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Metadata;
  outcome: {
    network_status: "approved_by_network" | "declined_by_network";
    reason: string | null;
    seller_message: string;
    type: "authorized" | "issuer_declined";
  } | null;
  paid: boolean;
  payment_intent: string;
  payment_method_details: PaymentMethodDetails;
  refunded: boolean;
  status: "succeeded" | "pending" | "failed";
}

export interface Refund {
  id: string;
  object: "refund";
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Metadata;
  payment_intent: string;
  reason: string | null;
  status: "succeeded";
}

export interface Dispute {
  id: string;
  object: "dispute";
  amount: number;
  charge: string;
  created: number;
  currency: string;
  is_charge_refundable: false;
  livemode: false;
  metadata: Metadata;
  payment_intent: string;
  reason: "fraudulent";
  status: "needs_response";
}

export type EventObject =
  | CheckoutSession
  | PaymentIntent
  | Charge
  | Refund
  | Dispute;

export interface StripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: EventObject };
  livemode: false;
  pending_webhooks: number;
  /** The API request that caused the event; ids are null for the shopper's own actions. */
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/** A list answer, as every Stripe list endpoint returns it. */
export interface StripeList<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}
