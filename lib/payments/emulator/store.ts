/**
 * The emulator's in-memory account: every object it has created and every event, in creation
 * order. Sessions expire lazily when read and on the server's sweep, so a paused clock and a
 * real one behave alike.
 */
import type {
  Charge,
  CheckoutSession,
  Dispute,
  EventObject,
  LineItem,
  Metadata,
  PaymentIntent,
  Refund,
  StripeEvent,
} from "./objects.ts";

export interface StoreOptions {
  /** Milliseconds since the epoch. */
  now: () => number;
  apiVersion: string;
  pageUrl: (sessionId: string) => string;
  /** Whether a webhook endpoint is configured (Stripe's `pending_webhooks`). */
  hasEndpoint: () => boolean;
  onEvent: (event: StripeEvent) => void;
}

/** The API request behind a change; the shopper's own actions have none. */
export interface RequestContext {
  id: string | null;
  idempotency_key: string | null;
}

export const NO_REQUEST: RequestContext = { id: null, idempotency_key: null };

export interface SessionRecord {
  session: CheckoutSession;
  lineItems: LineItem[];
  /** `payment_intent_data[…]`, applied when the PaymentIntent is created. */
  intentData: {
    metadata: Metadata;
    description: string | null;
    /** `payment_intent_data[shipping]`, as Stripe's PaymentIntent `shipping` holds it. */
    shipping?: IntentShipping | null;
  };
  /** Set while a bank debit is processing: the outcome its test account settles with. */
  pendingSettlement?: "succeeded" | "failed";
  /** The e-mail the shopper typed on the hosted page (when none was prefilled). */
  collectedEmail?: string;
}

/** Stripe's shipping hash (PaymentIntent `shipping`). */
export interface IntentShipping {
  name: string;
  phone: string | null;
  address: {
    line1: string;
    line2: string | null;
    city: string | null;
    state: string | null;
    postal_code: string | null;
    country: string | null;
  };
}

export interface NewSession {
  lineItems: {
    name: string;
    currency: string;
    unitAmount: number;
    quantity: number;
  }[];
  currency: string;
  expiresAt: number;
  successUrl: string | null;
  cancelUrl: string | null;
  clientReferenceId: string | null;
  customerEmail: string | null;
  locale: string | null;
  metadata: Metadata;
  intentData: SessionRecord["intentData"];
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomId(prefix: string, length = 24): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return `${prefix}${out}`;
}

export class Store {
  readonly sessions = new Map<string, SessionRecord>();
  readonly intents = new Map<string, PaymentIntent>();
  readonly charges = new Map<string, Charge>();
  readonly refunds = new Map<string, Refund>();
  readonly disputes = new Map<string, Dispute>();
  readonly events: StripeEvent[] = [];

  constructor(readonly options: StoreOptions) {}

  nowSeconds(): number {
    return Math.floor(this.options.now() / 1000);
  }

  /** Records an event with a snapshot of `object` as it is now, and hands it to delivery. */
  emit(
    type: string,
    object: EventObject,
    request: RequestContext = NO_REQUEST,
  ): StripeEvent {
    const event: StripeEvent = {
      id: randomId("evt_test_"),
      object: "event",
      api_version: this.options.apiVersion,
      created: this.nowSeconds(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: this.options.hasEndpoint() ? 1 : 0,
      request: { ...request },
      type,
    };
    this.events.push(event);
    this.options.onEvent(event);
    return event;
  }

  createSession(input: NewSession): CheckoutSession {
    const id = randomId("cs_test_", 58);
    const lineItems = input.lineItems.map((item): LineItem => {
      const amount = item.unitAmount * item.quantity;
      return {
        id: randomId("li_test_"),
        object: "item",
        amount_subtotal: amount,
        amount_total: amount,
        currency: item.currency,
        description: item.name,
        price: {
          id: randomId("price_test_"),
          object: "price",
          currency: item.currency,
          unit_amount: item.unitAmount,
          product: randomId("prod_test_", 14),
          type: "one_time",
        },
        quantity: item.quantity,
      };
    });
    const total = lineItems.reduce((sum, item) => sum + item.amount_total, 0);
    const session: CheckoutSession = {
      id,
      object: "checkout.session",
      amount_subtotal: total,
      amount_total: total,
      cancel_url: input.cancelUrl,
      client_reference_id: input.clientReferenceId,
      created: this.nowSeconds(),
      currency: input.currency,
      customer: null,
      customer_details: null,
      customer_email: input.customerEmail,
      expires_at: input.expiresAt,
      livemode: false,
      locale: input.locale,
      metadata: input.metadata,
      mode: "payment",
      payment_intent: null,
      payment_method_types: ["card", "bank_debit"],
      payment_status: "unpaid",
      shipping_details: null,
      status: "open",
      success_url: input.successUrl,
      ui_mode: "hosted",
      url: this.options.pageUrl(id),
    };
    this.sessions.set(id, { session, lineItems, intentData: input.intentData });
    return session;
  }

  /** The session's record, expiring it first if its time has passed. */
  session(id: string): SessionRecord | undefined {
    const record = this.sessions.get(id);
    if (record && this.isDue(record)) this.expire(record);
    return record;
  }

  /** Expires every open session whose `expires_at` has passed. */
  sweep(): void {
    for (const record of this.sessions.values()) {
      if (this.isDue(record)) this.expire(record);
    }
  }

  /** Closes an open session; an unfinished PaymentIntent is canceled with it. */
  expire(record: SessionRecord, request: RequestContext = NO_REQUEST): void {
    const { session } = record;
    session.status = "expired";
    session.url = null;
    const intent = session.payment_intent ? this.intents.get(session.payment_intent) : undefined;
    if (intent?.status === "requires_payment_method") {
      intent.status = "canceled";
      intent.canceled_at = this.nowSeconds();
      intent.cancellation_reason = "abandoned";
      this.emit("payment_intent.canceled", intent, request);
    }
    this.emit("checkout.session.expired", session, request);
  }

  /** Resolves an id that an `expand[]` path points at. */
  lookup(id: string): EventObject | undefined {
    if (id.startsWith("cs_")) return this.session(id)?.session;
    if (id.startsWith("pi_")) return this.intents.get(id);
    if (id.startsWith("ch_")) return this.charges.get(id);
    if (id.startsWith("re_")) return this.refunds.get(id);
    if (id.startsWith("dp_")) return this.disputes.get(id);
    return undefined;
  }

  private isDue(record: SessionRecord): boolean {
    return record.session.status === "open" &&
      this.nowSeconds() >= record.session.expires_at;
  }
}
