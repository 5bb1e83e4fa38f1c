/** A small coloured label: an order's statuses, a history entry's outcome. */
import type { ComponentChildren } from "preact";
import { FULFILLMENT_STATUS, ORDER_STATUS, PAYMENT_STATUS, type Tone } from "./labels.ts";
import type { FulfillmentStatus, Order, OrderStatus } from "../../lib/orders/types.ts";

const TONES: Record<Tone, string> = {
  grey: "bg-slate-100 text-slate-700 ring-slate-300",
  blue: "bg-sky-50 text-sky-800 ring-sky-200",
  green: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  amber: "bg-amber-50 text-amber-800 ring-amber-300",
  red: "bg-red-50 text-red-800 ring-red-200",
  violet: "bg-violet-50 text-violet-800 ring-violet-200",
};

export function Badge({ tone, children }: { tone: Tone; children: ComponentChildren }) {
  return (
    <span
      class={`inline-flex items-center whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${
        TONES[tone]
      }`}
    >
      {children}
    </span>
  );
}

export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  const [label, tone] = ORDER_STATUS[status] ?? [status, "grey"];
  return <Badge tone={tone}>{label}</Badge>;
}

/**
 * The payment's status, in the light of the order's: a cancelled order's payment reads
 * "pending" or "expired" in the record (its session closing, or closed), but nothing is coming.
 */
export function PaymentBadge({ order }: { order: Pick<Order, "status" | "payment"> }) {
  const { status } = order.payment;
  if (order.status === "cancelled" && (status === "pending" || status === "expired")) {
    return <Badge tone="grey">Not paid</Badge>;
  }
  const [label, tone] = PAYMENT_STATUS[status] ?? [status, "grey"];
  return <Badge tone={tone}>{label}</Badge>;
}

export function FulfilmentBadge({ status }: { status: FulfillmentStatus }) {
  const [label, tone] = FULFILLMENT_STATUS[status] ?? [status, "grey"];
  return <Badge tone={tone}>{label}</Badge>;
}
