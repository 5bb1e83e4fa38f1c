/**
 * The payment provider contract (DESIGN.md "Payments provider"). Services talk to this
 * interface only; `stripe.ts` implements it on the real SDK, pointed at Stripe or at the
 * local emulator. Providers never touch KV.
 */

export interface LineItemInput {
  title: string;
  /** Minor units. */
  unitAmount: number;
  quantity: number;
}

export interface CreateSessionInput {
  orderId: string;
  orderNumber: string;
  /** 1 for the first session of an order, +1 per retry; part of the idempotency key. */
  attempt: number;
  /**
   * Within an attempt, 1 and then +1 after each create that failed: a new idempotency key,
   * so the provider's stored failure is not replayed for good. Default 1.
   */
  try?: number;
  items: LineItemInput[];
  currency: string;
  /** Must contain `{CHECKOUT_SESSION_ID}`, which the provider fills in. */
  successUrl: string;
  cancelUrl: string;
  /** Unix seconds. Keep it fixed per attempt: a retried create must send identical params. */
  expiresAt: number;
  /** Extra metadata; `order_id` and `order_number` are always set by the provider. */
  metadata: Record<string, string>;
  /** Prefills the payment page's e-mail (Stripe `customer_email`). */
  customerEmail?: string;
  /**
   * Where the goods go, for the provider's records (Stripe `payment_intent_data.shipping`).
   * The shipping charge itself travels as a line item in `items`, so the provider's total
   * equals the order's.
   */
  shipping?: ShippingAddressInput;
}

/** A delivery address as the provider is told it. */
export interface ShippingAddressInput {
  name: string;
  phone?: string;
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export type SessionStatus = "open" | "complete" | "expired";
export type SessionPaymentStatus = "paid" | "unpaid" | "no_payment_required";

/** A checkout session, normalised from the provider's object. */
export interface CheckoutSession {
  id: string;
  /** The hosted payment page; null once the session is complete or expired. */
  url: string | null;
  status: SessionStatus;
  paymentStatus: SessionPaymentStatus;
  /** Minor units, in the order's currency (before any presentment conversion). */
  amountTotal: number;
  currency: string;
  paymentIntentId: string | null;
  /** Unix seconds. */
  expiresAt: number;
  metadata: Record<string, string>;
  clientReferenceId: string | null;
  /** The address the shopper gave on the payment page (customer_details.email), once known. */
  customerEmail?: string | null;
}

export type RefundReason = "duplicate" | "fraudulent" | "requested_by_customer";

export interface RefundInput {
  paymentIntentId: string;
  /** Minor units; omitted refunds whatever is left. */
  amount?: number;
  /** The caller's key, stable across retries of the same refund. */
  idempotencyKey: string;
  reason?: RefundReason;
  metadata?: Record<string, string>;
}

export interface RefundResult {
  id: string;
  /** Stripe's refund status: pending, requires_action, succeeded, failed or canceled. */
  status: string;
  amount: number;
  currency: string;
  paymentIntentId: string | null;
}

/** A webhook whose signature, freshness and event shape have been checked. */
export interface VerifiedEvent {
  id: string;
  type: string;
  /** Unix seconds. */
  created: number;
  /** The event's `data.object`, still unparsed: stripe_events.ts reads what it needs. */
  object: unknown;
}

export interface PaymentProvider {
  readonly name: string;
  createCheckoutSession(input: CreateSessionInput): Promise<CheckoutSession>;
  retrieveSession(id: string): Promise<CheckoutSession>;
  expireSession(id: string): Promise<CheckoutSession>;
  refund(input: RefundInput): Promise<RefundResult>;
  /** Throws WebhookVerificationError for anything that is not a fresh, signed event. */
  parseWebhook(rawBody: string, headers: Headers): Promise<VerifiedEvent>;
}

export type WebhookFailure =
  | "missing_header"
  | "malformed_header"
  | "no_signature"
  | "signature_mismatch"
  | "timestamp_too_old"
  | "timestamp_in_future"
  | "invalid_payload";

/** The webhook is not a fresh event signed with our secret (the edge answers 400). */
export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
  constructor(readonly reason: WebhookFailure, message: string) {
    super(message);
  }
}

export interface ProviderErrorDetails {
  provider: string;
  /** What we were doing: "create_session", "refund", … */
  action: string;
  /** The provider's HTTP status, when it answered at all. */
  statusCode?: number;
  /** The provider's error type and code (e.g. invalid_request_error / resource_missing). */
  type?: string;
  providerCode?: string;
  requestId?: string;
}

/**
 * The provider failed us. Domain errors, not HTTP ones: lib/http/errors.ts maps them to 502
 * at the edge; services decide what each means for the order.
 */
export abstract class ProviderError extends Error {
  abstract readonly code: "provider_unavailable" | "provider_rejected";
  abstract readonly retryable: boolean;
  constructor(message: string, readonly details: ProviderErrorDetails) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * provider_unavailable: network failure, timeout, 5xx, rate limit or a response we could
 * not read. Retrying later (with the same idempotency key) can succeed.
 */
export class ProviderUnavailableError extends ProviderError {
  readonly code = "provider_unavailable";
  readonly retryable = true;
}

/**
 * provider_rejected: the provider answered 4xx (unknown session, session no longer
 * open, refund larger than the charge, idempotency key reused with other params). Retrying
 * the same request cannot succeed; callers decide what the rejection means.
 */
export class ProviderRejectedError extends ProviderError {
  readonly code = "provider_rejected";
  readonly retryable = false;
}
