/**
 * The admin orders table: one dense row per order, newest first, with its three statuses
 * side by side (order, payment, fulfilment: a refund shows under Payment). Rows with an open
 * needs-attention flag are tinted and say why under the order number.
 */
import type { Order } from "../../lib/orders/types.ts";
import { Price } from "../Price.tsx";
import { FulfilmentBadge, OrderStatusBadge, PaymentBadge } from "./Badge.tsx";
import { ATTENTION, formatTime } from "./labels.ts";
import { LINK, MONO, PANEL, TD, TH } from "./styles.ts";

function itemsSummary(order: Order): string {
  const [first, ...rest] = order.items;
  if (!first) return "–";
  const more = rest.length ? `, +${rest.length} more` : "";
  return `${first.quantity} × ${first.title}${more}`;
}

function OrderRow({ order }: { order: Order }) {
  const flagged = order.needsAttention.length > 0;
  const pay = order.payment;
  return (
    <tr
      class={flagged ? "bg-amber-50 shadow-[inset_3px_0_0_#f59e0b]" : "hover:bg-slate-50"}
      data-order={order.id}
      data-attention={flagged ? "" : undefined}
    >
      <td class={`${TD} whitespace-nowrap`}>
        <a href={`/admin/orders/${order.id}`} class={`${LINK} font-medium`}>{order.number}</a>
        {flagged && (
          <ul class="mt-1 space-y-0.5 whitespace-normal text-xs text-amber-900">
            {order.needsAttention.map((a, i) => (
              <li key={i} class="max-w-xs">
                <span class="font-semibold">{ATTENTION[a.reason] ?? a.reason}</span>
                {a.detail && <span class="text-amber-800">: {a.detail}</span>}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td class={`${TD} whitespace-nowrap tabular-nums text-slate-600`}>
        {formatTime(order.createdAt)}
      </td>
      <td class={TD}>
        <OrderStatusBadge status={order.status} />
      </td>
      <td class={TD}>
        <PaymentBadge status={pay.status} />
        {pay.failureReason && pay.status !== "paid" && (
          <p class="mt-1 max-w-[12rem] text-xs text-red-700">{pay.failureReason}</p>
        )}
      </td>
      <td class={TD}>
        <FulfilmentBadge status={order.fulfillment.status} />
      </td>
      <td class={`${TD} text-slate-700`}>
        <div class="max-w-[14rem] truncate" title={itemsSummary(order)}>{itemsSummary(order)}</div>
      </td>
      <td class={`${TD} whitespace-nowrap text-right font-medium text-slate-900`}>
        <Price amount={order.total} currency={order.currency} />{" "}
        <span class="text-xs font-normal text-slate-500">{order.currency.toUpperCase()}</span>
      </td>
      <td class={TD}>
        <div class={`${MONO} max-w-[11rem] truncate`} title={pay.sessionId ?? undefined}>
          {pay.sessionId ?? "–"}
        </div>
      </td>
    </tr>
  );
}

export function OrdersTable({ orders }: { orders: Order[] }) {
  return (
    <div class={`${PANEL} overflow-x-auto`}>
      <table class="min-w-full divide-y divide-slate-200 text-sm">
        <thead class="bg-slate-50">
          <tr>
            <th scope="col" class={`${TH} text-left`}>Number</th>
            <th scope="col" class={`${TH} text-left`}>Created</th>
            <th scope="col" class={`${TH} text-left`}>Order</th>
            <th scope="col" class={`${TH} text-left`}>Payment</th>
            <th scope="col" class={`${TH} text-left`}>Fulfilment</th>
            <th scope="col" class={`${TH} text-left`}>Items</th>
            <th scope="col" class={`${TH} text-right`}>Total</th>
            <th scope="col" class={`${TH} text-left`}>Checkout session</th>
          </tr>
        </thead>
        <tbody class="divide-y divide-slate-100">
          {orders.map((order) => <OrderRow key={order.id} order={order} />)}
        </tbody>
      </table>
      {orders.length === 0 && (
        <p class="px-4 py-10 text-center text-sm text-slate-500">No orders match.</p>
      )}
    </div>
  );
}
