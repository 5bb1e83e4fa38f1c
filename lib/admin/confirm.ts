/**
 * What a refund or a cancel will do, in the words both confirm steps show: the confirm page
 * (without JavaScript) and the ConfirmAction island's dialog. Pure, with nothing but money
 * formatting, so the island bundles this very module and the two cannot say different things.
 */
import { formatMoney } from "../orders/money.ts";
import { refundable } from "../orders/order.ts";
import type { Order } from "../orders/types.ts";

/** What a refund's sentence needs of its order (plain JSON: islands get it as props). */
export interface RefundFacts {
  /** The payment's currency. */
  currency: string;
  /** Minor units the customer paid. */
  received: number;
  /** Minor units already sent back. */
  refunded: number;
  /** Minor units that can still be refunded: what "Refund everything" sends back. */
  left: number;
}

/** What a cancel's sentence needs of its order. */
export interface CancelFacts {
  number: string;
  total: number;
  currency: string;
  /** Whether cancelling gives stock back. */
  stockReserved: boolean;
}

export function refundFacts(order: Order): RefundFacts {
  const { payment } = order;
  return {
    currency: payment.currency ?? order.currency,
    received: payment.amountReceived,
    refunded: payment.refundedAmount,
    left: refundable(order),
  };
}

export function cancelFacts(order: Order): CancelFacts {
  const { number, total, currency, stock } = order;
  return { number, total, currency, stockReserved: stock === "reserved" };
}

/** "Refund $10.00 of $84.80?": `amount` against all the customer paid. */
export function refundQuestion(amount: number, facts: RefundFacts): string {
  const money = (n: number) => formatMoney(n, facts.currency);
  return `Refund ${money(amount)} of ${money(facts.received)}?`;
}

export function refundDetail(facts: RefundFacts): string {
  const before = facts.refunded > 0
    ? `${formatMoney(facts.refunded, facts.currency)} has already gone back. `
    : "";
  return `${before}The payment provider sends the money back to the customer; this cannot be ` +
    "undone.";
}

/** "Cancel order TS-20261122-0001 for $84.80?" */
export function cancelQuestion(facts: CancelFacts): string {
  return `Cancel order ${facts.number} for ${formatMoney(facts.total, facts.currency)}?`;
}

export function cancelDetail(facts: CancelFacts): string {
  const stock = facts.stockReserved ? ", and its stock goes back on the shelf" : "";
  return `Its checkout page closes, so the customer can no longer pay for it${stock}. This ` +
    "cannot be undone.";
}
