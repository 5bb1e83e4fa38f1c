/**
 * The provider's side of the oracle: what each order must be, worked out from the emulator's
 * own records (sessions paid, expired or declined; refunds and disputes by payment intent)
 * and, for a checkout that never got a session, from what the suite did with it.
 */
import type { CheckoutSession, StripeEvent } from "@/lib/payments/emulator/server.ts";
import type { PlacedOrder } from "./suite.ts";

export type ExpectedState = "paid" | "failed" | "expired" | "pending";

export interface Expected {
  state: ExpectedState;
  /** Intents of the order's paid sessions, in session order. */
  paidIntents: string[];
  /** What the provider took in, in total. */
  received: number;
  /** What went back, in total (each charge's cumulative `amount_refunded`). */
  refunded: number;
  /** Disputes opened on the order's payments. */
  disputes: number;
}

/** One place the shopper could pay an order: a Checkout Session, or a Razorpay order. */
export interface PaymentAttempt {
  id: string;
  /** What the provider was asked to take. */
  amount: number;
  expired: boolean;
}

/** What the oracle asks of a provider's records (Stripe's here, Razorpay's in razorpay_view.ts). */
export interface OrderView {
  expected(placed: Pick<PlacedOrder, "orderId" | "plan">): Expected;
  attemptsOf(orderId: string): PaymentAttempt[];
  /** Money the provider holds for the order that Settle never finished taking. */
  stranded?(orderId: string): string[];
}

/** Stripe's view, indexed by order id (taken from the sessions' own metadata). */
export class ProviderView implements OrderView {
  readonly #sessions = new Map<string, CheckoutSession[]>();
  readonly #failedIntents = new Set<string>();
  readonly #refunded = new Map<string, number>();
  readonly #disputes = new Map<string, number>();

  constructor(sessions: CheckoutSession[], events: StripeEvent[]) {
    for (const s of sessions) {
      const orderId = s.metadata?.order_id;
      if (!orderId) continue;
      const list = this.#sessions.get(orderId) ?? [];
      list.push(s);
      this.#sessions.set(orderId, list);
    }
    for (const e of events) {
      const o = e.data.object as { id: string; payment_intent?: string; amount_refunded?: number };
      if (e.type === "payment_intent.payment_failed") this.#failedIntents.add(o.id);
      if (e.type === "charge.refunded" && o.payment_intent) {
        const before = this.#refunded.get(o.payment_intent) ?? 0;
        this.#refunded.set(o.payment_intent, Math.max(before, o.amount_refunded ?? 0));
      }
      if (e.type === "charge.dispute.created" && o.payment_intent) {
        this.#disputes.set(o.payment_intent, (this.#disputes.get(o.payment_intent) ?? 0) + 1);
      }
    }
  }

  sessionsOf(orderId: string): CheckoutSession[] {
    return this.#sessions.get(orderId) ?? [];
  }

  attemptsOf(orderId: string): PaymentAttempt[] {
    return this.sessionsOf(orderId).map((s) => ({
      id: s.id,
      amount: s.amount_total ?? 0,
      expired: s.status === "expired",
    }));
  }

  /** What the order must be now; `placed` says whether the suite ran its lapse. */
  expected(placed: Pick<PlacedOrder, "orderId" | "plan">): Expected {
    const sessions = this.sessionsOf(placed.orderId);
    const paid = sessions.filter((s) => s.payment_status === "paid");
    const received = paid.reduce((sum, s) => sum + (s.amount_total ?? 0), 0);
    const paidIntents = paid.map((s) => s.payment_intent as string);
    const sum = (map: Map<string, number>) =>
      paidIntents.reduce((n, pi) => n + (map.get(pi) ?? 0), 0);
    const base = { paidIntents, received, refunded: sum(this.#refunded), disputes: 0 };
    base.disputes = sum(this.#disputes);
    if (paid.length) return { state: "paid", ...base };
    const latest = sessions.at(-1);
    if (latest?.status === "expired") return { state: "expired", ...base };
    // No session ever: the checkout's window closed (the suite ran its lapse task early).
    if (!latest && placed.plan === "lapsed") return { state: "expired", ...base };
    // A declined attempt on the session still on offer leaves the order failed (payable).
    const intent = latest?.payment_intent as string | null | undefined;
    const failed = intent && this.#failedIntents.has(intent) && latest?.status === "open";
    return { state: failed ? "failed" : "pending", ...base };
  }
}
