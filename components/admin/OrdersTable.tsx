/**
 * The admin orders list, newest first: on wide screens a dense table, one row per order with
 * its customer and its three statuses side by side (order, payment, fulfilment: a refund
 * shows under Payment);
 * on narrower ones a card per order, so nothing scrolls sideways on a phone. Orders with an
 * open needs-attention flag are tinted and say why under the order number.
 */
import type { ComponentChildren } from "preact";
import type { Order } from "../../lib/orders/types.ts";
import { Price } from "../Price.tsx";
import { FulfilmentBadge, OrderStatusBadge, PaymentBadge } from "./Badge.tsx";
import { ATTENTION } from "./labels.ts";
import { ScrollRegion } from "./ScrollRegion.tsx";
import { LINK, MONO, PANEL, TD, TH } from "./styles.ts";
import { AdminTime } from "./time.tsx";

function itemsSummary(order: Order): string {
  const [first, ...rest] = order.items;
  if (!first) return "–";
  const more = rest.length ? `, +${rest.length} more` : "";
  return `${first.quantity} × ${first.title}${more}`;
}

/** Who bought it: the name, else the e-mail; null for an order placed without either. */
export function customerLabel(order: Order): string | null {
  const c = order.customer;
  return c?.name?.trim() || c?.email || order.shipping?.address.name || null;
}

/** The customer's name with the e-mail under it (either alone when that is all there is). */
function Customer({ order }: { order: Order }) {
  const label = customerLabel(order);
  if (!label) return <span class="text-slate-400">–</span>;
  const email = order.customer?.email;
  return (
    <div class="max-w-[14rem]" data-customer>
      <div class="truncate text-slate-900" title={label}>{label}</div>
      {email && email !== label && (
        <div class="truncate text-xs text-slate-500" title={email}>{email}</div>
      )}
    </div>
  );
}

/** Why an order needs attention, under its number. */
function AttentionReasons({ order }: { order: Order }) {
  if (order.needsAttention.length === 0) return null;
  return (
    <ul class="mt-1 space-y-0.5 whitespace-normal text-xs text-amber-900">
      {order.needsAttention.map((a, i) => (
        <li key={i} class="max-w-xs">
          <span class="font-semibold">{ATTENTION[a.reason] ?? a.reason}</span>
          {a.detail && <span class="text-amber-800">: {a.detail}</span>}
        </li>
      ))}
    </ul>
  );
}

function Total({ order }: { order: Order }) {
  return (
    <>
      <Price amount={order.total} currency={order.currency} />{" "}
      <span class="text-xs font-normal text-slate-500">{order.currency.toUpperCase()}</span>
    </>
  );
}

function FailureReason({ order }: { order: Order }) {
  const pay = order.payment;
  if (!pay.failureReason || pay.status === "paid") return null;
  return <p class="mt-1 max-w-[12rem] text-xs text-red-700">{pay.failureReason}</p>;
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
        <AttentionReasons order={order} />
      </td>
      <td class={`${TD} whitespace-nowrap text-slate-600`}>
        <AdminTime at={order.createdAt} />
      </td>
      <td class={TD}>
        <Customer order={order} />
      </td>
      <td class={TD}>
        <OrderStatusBadge status={order.status} />
      </td>
      <td class={TD}>
        <PaymentBadge order={order} />
        <FailureReason order={order} />
      </td>
      <td class={TD}>
        <FulfilmentBadge status={order.fulfillment.status} />
      </td>
      <td class={`${TD} text-slate-700`}>
        <div class="max-w-[14rem] truncate" title={itemsSummary(order)}>{itemsSummary(order)}</div>
      </td>
      <td class={`${TD} whitespace-nowrap text-right font-medium text-slate-900`}>
        <Total order={order} />
      </td>
      <td class={TD}>
        <div class={`${MONO} max-w-[11rem] truncate`} title={pay.sessionId ?? undefined}>
          {pay.sessionId ?? "–"}
        </div>
      </td>
    </tr>
  );
}

const CARD = "rounded-lg border px-4 py-3 text-sm shadow-sm";

/** One of a card's three statuses, named: the badges alone read "Paid Paid Failed". */
function Status({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="flex items-center gap-1">
      <dt class="text-slate-600">{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** An order on a narrow screen: number and total, then when, why, statuses and items. */
function OrderCard({ order }: { order: Order }) {
  const flagged = order.needsAttention.length > 0;
  return (
    <li
      class={`${CARD} ${flagged ? "border-amber-300 bg-amber-50" : "border-slate-200 bg-white"}`}
      data-order-card={order.id}
    >
      <div class="flex items-baseline justify-between gap-3">
        <a href={`/admin/orders/${order.id}`} class={`${LINK} font-medium`}>{order.number}</a>
        <span class="whitespace-nowrap font-medium text-slate-900">
          <Total order={order} />
        </span>
      </div>
      <p class="text-xs text-slate-600">
        <AdminTime at={order.createdAt} />
      </p>
      {customerLabel(order) && (
        <p class="mt-0.5 break-words text-slate-800" data-card-customer>
          {customerLabel(order)}
          {order.customer?.email && order.customer.email !== customerLabel(order) && (
            <span class="block break-all text-xs text-slate-500">{order.customer.email}</span>
          )}
        </p>
      )}
      <AttentionReasons order={order} />
      <dl class="mt-2 flex flex-wrap gap-x-3 gap-y-1 text-xs">
        <Status label="Order">
          <OrderStatusBadge status={order.status} />
        </Status>
        <Status label="Payment">
          <PaymentBadge order={order} />
        </Status>
        <Status label="Fulfilment">
          <FulfilmentBadge status={order.fulfillment.status} />
        </Status>
      </dl>
      <FailureReason order={order} />
      <p class="mt-1.5 break-words text-slate-700">{itemsSummary(order)}</p>
    </li>
  );
}

export function OrdersTable({ orders }: { orders: Order[] }) {
  if (orders.length === 0) {
    return <p class={`${PANEL} px-4 py-10 text-center text-sm text-slate-500`}>No orders match.</p>;
  }
  return (
    <>
      <ul class="flex flex-col gap-2 lg:hidden" aria-label="Orders">
        {orders.map((order) => <OrderCard key={order.id} order={order} />)}
      </ul>
      <ScrollRegion label="Orders" class={`${PANEL} hidden lg:block`}>
        <table class="min-w-full divide-y divide-slate-200 text-sm">
          <thead class="bg-slate-50">
            <tr>
              <th scope="col" class={`${TH} text-left`}>Number</th>
              <th scope="col" class={`${TH} text-left`}>Created</th>
              <th scope="col" class={`${TH} text-left`}>Customer</th>
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
      </ScrollRegion>
    </>
  );
}
