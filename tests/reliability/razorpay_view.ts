/**
 * Razorpay's side of the oracle: what each Razorpay order of the suite must be, worked out
 * from the Razorpay emulator's own records (its orders, tied to ours by `notes.order_id`,
 * their payments, and the disputes it announced).
 */
import type {
  RazorpayOrder,
  RazorpayPayment,
  StoredEvent,
} from "@/lib/payments/razorpay/emulator/server.ts";
import type { Expected, OrderView, PaymentAttempt } from "./provider_view.ts";
import type { PlacedOrder } from "./suite.ts";

/** A payment the provider holds money for. */
const TAKEN = new Set<RazorpayPayment["status"]>(["captured", "refunded"]);

export class RazorpayView implements OrderView {
  readonly #orders = new Map<string, RazorpayOrder[]>();
  readonly #payments = new Map<string, RazorpayPayment[]>();
  readonly #disputes = new Map<string, number>();

  /** `payments` in the order they were made (the emulator lists them so). */
  constructor(orders: RazorpayOrder[], payments: RazorpayPayment[], events: StoredEvent[]) {
    for (const o of orders) {
      const orderId = Array.isArray(o.notes) ? undefined : o.notes.order_id;
      if (!orderId) continue;
      this.#orders.set(orderId, [...(this.#orders.get(orderId) ?? []), o]);
    }
    for (const p of payments) {
      this.#payments.set(p.order_id, [...(this.#payments.get(p.order_id) ?? []), p]);
    }
    for (const e of events) {
      const paymentId = e.body.payload.payment?.entity.id;
      if (e.body.event === "payment.dispute.created" && paymentId) {
        this.#disputes.set(paymentId, (this.#disputes.get(paymentId) ?? 0) + 1);
      }
    }
  }

  attemptsOf(orderId: string): PaymentAttempt[] {
    // Razorpay orders never expire; an unpaid one simply stays payable.
    return (this.#orders.get(orderId) ?? []).map((o) => ({
      id: o.id,
      amount: o.amount,
      expired: false,
    }));
  }

  paymentsOf(orderId: string): RazorpayPayment[] {
    return (this.#orders.get(orderId) ?? []).flatMap((o) => this.#payments.get(o.id) ?? []);
  }

  expected(placed: Pick<PlacedOrder, "orderId">): Expected {
    const payments = this.paymentsOf(placed.orderId);
    const taken = payments.filter((p) => TAKEN.has(p.status));
    const sum = (f: (p: RazorpayPayment) => number) => taken.reduce((n, p) => n + f(p), 0);
    const base = {
      paidIntents: taken.map((p) => p.id),
      received: sum((p) => p.amount),
      refunded: sum((p) => p.amount_refunded),
      disputes: sum((p) => this.#disputes.get(p.id) ?? 0),
    };
    if (taken.length) return { state: "paid", ...base };
    // A declined attempt leaves the order failed (still payable); nothing yet, pending.
    return { state: payments.at(-1)?.status === "failed" ? "failed" : "pending", ...base };
  }

  /** Authorized and never captured: Settle (verify or the webhook) should have captured it. */
  stranded(orderId: string): string[] {
    return this.paymentsOf(orderId).filter((p) => p.status === "authorized")
      .map((p) => `payment ${p.id} authorized, never captured`);
  }
}
