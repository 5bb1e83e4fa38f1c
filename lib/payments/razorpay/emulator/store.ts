/**
 * The emulator's state and every change to it. Each change that Razorpay announces emits its
 * webhook event here, with a snapshot of the entities at that moment, so the API, the checkout
 * stand-in and the test helpers all produce the same events.
 */
import {
  type EventName,
  type EventPayload,
  type Notes,
  type RazorpayDispute,
  RazorpayError,
  razorpayId,
  type RazorpayOrder,
  type RazorpayPayment,
  type RazorpayRefund,
  type StoredEvent,
} from "./objects.ts";

export interface StoreOptions {
  now: () => number;
  accountId: string;
  /** Whether to capture `payment` as soon as it is authorized, as Razorpay's auto-capture does. */
  autoCapture: (payment: RazorpayPayment) => boolean;
  /** `pending` leaves new refunds for `settleRefund`; `processed` settles them at once. */
  refundOutcome: "processed" | "pending";
  onEvent: (event: StoredEvent) => void;
}

export interface NewOrder {
  amount: number;
  currency: string;
  receipt: string | null;
  notes: Notes;
}

export interface NewRefund {
  amount: number;
  notes: Notes;
  receipt: string | null;
  speed: "normal" | "optimum";
}

export class Store {
  readonly orders = new Map<string, RazorpayOrder>();
  readonly payments = new Map<string, RazorpayPayment>();
  readonly refunds = new Map<string, RazorpayRefund>();
  readonly events: StoredEvent[] = [];

  constructor(readonly options: StoreOptions) {}

  seconds(): number {
    return Math.floor(this.options.now() / 1000);
  }

  createOrder(input: NewOrder): RazorpayOrder {
    const order: RazorpayOrder = {
      id: razorpayId("order_"),
      entity: "order",
      amount: input.amount,
      amount_paid: 0,
      amount_due: input.amount,
      currency: input.currency,
      receipt: input.receipt,
      offer_id: null,
      status: "created",
      attempts: 0,
      notes: input.notes,
      created_at: this.seconds(),
    };
    this.orders.set(order.id, order);
    return order;
  }

  /** Razorpay answers an unknown id with 400, not 404. */
  order(id: string): RazorpayOrder {
    return this.orders.get(id) ?? notFound();
  }

  payment(id: string): RazorpayPayment {
    return this.payments.get(id) ?? notFound();
  }

  refund(id: string): RazorpayRefund {
    return this.refunds.get(id) ?? notFound();
  }

  paymentsOf(orderId: string): RazorpayPayment[] {
    return [...this.payments.values()].filter((p) => p.order_id === orderId).reverse();
  }

  refundsOf(paymentId: string): RazorpayRefund[] {
    return [...this.refunds.values()].filter((r) => r.payment_id === paymentId).reverse();
  }

  /** A new attempt on `order`; Razorpay refuses one on an order that is already paid. */
  startPayment(
    order: RazorpayOrder,
    fields: Pick<RazorpayPayment, "method" | "email" | "contact" | "card" | "bank" | "vpa">,
  ): RazorpayPayment {
    if (order.status === "paid") {
      throw RazorpayError.badRequest("Order has already been paid", "order_id");
    }
    order.attempts += 1;
    order.status = "attempted";
    const payment: RazorpayPayment = {
      id: razorpayId("pay_"),
      entity: "payment",
      amount: order.amount,
      currency: order.currency,
      status: "created",
      order_id: order.id,
      invoice_id: null,
      international: false,
      amount_refunded: 0,
      refund_status: null,
      captured: false,
      description: null,
      card_id: fields.card?.id ?? null,
      wallet: null,
      notes: [],
      fee: null,
      tax: null,
      error_code: null,
      error_description: null,
      error_source: null,
      error_step: null,
      error_reason: null,
      created_at: this.seconds(),
      ...fields,
    };
    if (!payment.card) delete payment.card;
    this.payments.set(payment.id, payment);
    return payment;
  }

  authorize(payment: RazorpayPayment): void {
    if (payment.status !== "created") throw new Error(`${payment.id} is ${payment.status}`);
    payment.status = "authorized";
    payment.fee = 0;
    payment.tax = 0;
    this.emit("payment.authorized", { payment: { entity: payment } });
    if (this.options.autoCapture(payment)) this.capture(payment);
  }

  capture(payment: RazorpayPayment): void {
    payment.status = "captured";
    payment.captured = true;
    this.emit("payment.captured", { payment: { entity: payment } });
    const order = this.order(payment.order_id);
    order.amount_paid = payment.amount;
    order.amount_due = 0;
    order.status = "paid";
    this.emit("order.paid", { payment: { entity: payment }, order: { entity: order } });
  }

  fail(payment: RazorpayPayment, error: Omit<RazorpayError["error"], "metadata">): void {
    payment.status = "failed";
    payment.error_code = error.code;
    payment.error_description = error.description;
    payment.error_source = error.source;
    payment.error_step = error.step;
    payment.error_reason = error.reason;
    this.emit("payment.failed", { payment: { entity: payment } });
  }

  /** Money leaves at creation: `amount_refunded` counts pending refunds, as Razorpay does. */
  createRefund(payment: RazorpayPayment, input: NewRefund): RazorpayRefund {
    const refund: RazorpayRefund = {
      id: razorpayId("rfnd_"),
      entity: "refund",
      amount: input.amount,
      currency: payment.currency,
      payment_id: payment.id,
      notes: input.notes,
      receipt: input.receipt,
      acquirer_data: { arn: null },
      created_at: this.seconds(),
      batch_id: null,
      status: "pending",
      speed_processed: "normal",
      speed_requested: input.speed,
    };
    this.refunds.set(refund.id, refund);
    this.#applyRefunded(payment, input.amount);
    this.emit("refund.created", { refund: { entity: refund }, payment: { entity: payment } });
    if (this.options.refundOutcome === "processed") this.settleRefund(refund, "processed");
    return refund;
  }

  /** A failed refund gives its amount back to the payment, so it can be refunded again. */
  settleRefund(refund: RazorpayRefund, outcome: "processed" | "failed"): void {
    if (refund.status !== "pending") throw new Error(`${refund.id} is ${refund.status}`);
    const payment = this.payment(refund.payment_id);
    refund.status = outcome;
    if (outcome === "processed") {
      refund.acquirer_data = { arn: `ARN${refund.id.slice(5)}` };
    } else {
      this.#applyRefunded(payment, -refund.amount);
    }
    this.emit(`refund.${outcome}`, { refund: { entity: refund }, payment: { entity: payment } });
  }

  dispute(payment: RazorpayPayment): RazorpayDispute {
    if (!payment.captured) throw new Error(`${payment.id} was never captured`);
    const created = this.seconds();
    const dispute: RazorpayDispute = {
      id: razorpayId("disp_"),
      entity: "dispute",
      payment_id: payment.id,
      amount: payment.amount - payment.amount_refunded,
      currency: payment.currency,
      amount_deducted: 0,
      reason_code: "chargeback",
      respond_by: created + 7 * 86_400,
      status: "open",
      phase: "chargeback",
      created_at: created,
    };
    this.emit("payment.dispute.created", {
      payment: { entity: payment },
      dispute: { entity: dispute },
    });
    return dispute;
  }

  #applyRefunded(payment: RazorpayPayment, delta: number): void {
    payment.amount_refunded += delta;
    const full = payment.amount_refunded === payment.amount;
    payment.refund_status = payment.amount_refunded === 0 ? null : full ? "full" : "partial";
    payment.status = full ? "refunded" : "captured";
  }

  /** Payloads are deep copies: a webhook shows the entity as it was when the event happened. */
  emit(event: EventName, payload: EventPayload): void {
    const stored: StoredEvent = {
      id: razorpayId(""),
      body: {
        entity: "event",
        account_id: this.options.accountId,
        event,
        contains: Object.keys(payload) as (keyof EventPayload)[],
        payload: structuredClone(payload),
        created_at: this.seconds(),
      },
    };
    this.events.push(stored);
    this.options.onEvent(stored);
  }
}

function notFound(): never {
  throw RazorpayError.badRequest("The id provided does not exist");
}
