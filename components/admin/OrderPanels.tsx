/**
 * The facts of one order on its admin page: the customer and delivery (address lines with
 * copy buttons, the shipping method and price), items and totals, payment details (every
 * checkout session, the current one marked), fulfilment, the e-mails sent, timestamps and
 * metadata.
 */
import type { ComponentChildren } from "preact";
import CopyText from "../../islands/CopyText.tsx";
import { MAIL_TASKS } from "../../lib/admin/resend.ts";
import { FORGOTTEN, type HistoryEntry, type Order } from "../../lib/orders/types.ts";
import type { Task } from "../../lib/tasks/outbox.ts";
import { Button } from "../Button.tsx";
import { Price } from "../Price.tsx";
import { FulfilmentBadge, OrderStatusBadge, PaymentBadge } from "./Badge.tsx";
import { ORDER_STATUS } from "./labels.ts";
import { ScrollRegion } from "./ScrollRegion.tsx";
import { MONO, PANEL, PANEL_HEADING, TD, TH } from "./styles.ts";
import { AdminTime } from "./time.tsx";

export function Panel(
  { title, children, class: extra = "", id }: {
    title: ComponentChildren;
    children: ComponentChildren;
    class?: string;
    id?: string;
  },
) {
  const headingId = id ? `${id}-heading` : undefined;
  return (
    <section class={`${PANEL} ${extra}`} aria-labelledby={headingId} id={id}>
      <h2 id={headingId} class={PANEL_HEADING}>{title}</h2>
      {children}
    </section>
  );
}

export interface FactRow {
  label: string;
  value: ComponentChildren;
}

/** A two-column list of label → value rows. */
export function Facts({ rows }: { rows: FactRow[] }) {
  return (
    <dl class="divide-y divide-slate-100 text-sm">
      {rows.map(({ label, value }, i) => (
        <div key={i} class="grid grid-cols-[9rem_1fr] gap-3 px-4 py-1.5">
          <dt class="text-slate-500">{label}</dt>
          <dd class="min-w-0 break-words text-slate-900">{value ?? "–"}</dd>
        </div>
      ))}
    </dl>
  );
}

const money = (amount: number, currency: string) => <Price amount={amount} currency={currency} />;

export function ItemsPanel({ order }: { order: Order }) {
  const { currency } = order;
  return (
    <Panel title="Items" id="items">
      <ScrollRegion label="Items table" class="rounded-b-lg">
        <table class="min-w-full text-sm">
          <thead class="bg-slate-50">
            <tr>
              <th scope="col" class={`${TH} text-left`}>Product</th>
              <th scope="col" class={`${TH} text-right`}>Unit price</th>
              <th scope="col" class={`${TH} text-right`}>Qty</th>
              <th scope="col" class={`${TH} text-right`}>Line total</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100">
            {order.items.map((item) => (
              <tr key={item.productId}>
                <td class={TD}>
                  <span class="text-slate-900">{item.title}</span>
                  <span class={`${MONO} ml-2`}>{item.productId}</span>
                </td>
                <td class={`${TD} text-right`}>{money(item.unitAmount, currency)}</td>
                <td class={`${TD} text-right tabular-nums`}>{item.quantity}</td>
                <td class={`${TD} text-right`}>
                  {money(item.unitAmount * item.quantity, currency)}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot class="border-t border-slate-200 text-sm">
            <tr>
              <th scope="row" colSpan={3} class="px-3 py-1.5 text-right font-normal text-slate-500">
                Subtotal
              </th>
              <td class="px-3 py-1.5 text-right">{money(order.subtotal, currency)}</td>
            </tr>
            <tr>
              <th scope="row" colSpan={3} class="px-3 py-1.5 text-right font-semibold">Total</th>
              <td class="px-3 py-1.5 text-right font-semibold">
                {money(order.total, currency)}{" "}
                <span class="text-xs font-normal text-slate-500">{currency.toUpperCase()}</span>
              </td>
            </tr>
          </tfoot>
        </table>
      </ScrollRegion>
    </Panel>
  );
}

const withCode = (amount: number, currency: string) => (
  <>
    {money(amount, currency)} <span class="text-xs text-slate-500">{currency.toUpperCase()}</span>
  </>
);

/**
 * What came in, in the currencies it came in: a payment in another currency than the
 * order's is counted in its own minor units (see Payment.received), never shown as the
 * order's money.
 */
function amountReceived(order: Order): ComponentChildren {
  const pay = order.payment;
  const currency = pay.currency ?? order.currency;
  const foreign = pay.received && pay.received.currency !== currency ? pay.received : null;
  if (!foreign) return money(pay.amountReceived, currency);
  const inOrder = pay.amountReceived - foreign.amount;
  if (inOrder <= 0) return withCode(foreign.amount, foreign.currency);
  return <>{withCode(inOrder, currency)} + {withCode(foreign.amount, foreign.currency)}</>;
}

/** The payment that did not match the order, as it arrived, beside what the order asked. */
function arrivedRow(order: Order): FactRow[] {
  const got = order.payment.received;
  if (!got) return [];
  const value = (
    <span class="text-amber-800" data-payment-received={`${got.amount} ${got.currency}`}>
      {withCode(got.amount, got.currency)}, but the order asks for{" "}
      {withCode(order.total, order.currency)}
    </span>
  );
  return [{ label: "Did not match", value }];
}

/** Razorpay's ids (order_…, pay_…) mark a Razorpay payment, whatever the order was placed with. */
function isRazorpay(order: Order): boolean {
  const pay = order.payment;
  return pay.paymentIntentId?.startsWith("pay_") ??
    (pay.sessionId ? pay.sessionId.startsWith("order_") : pay.provider === "razorpay");
}

/** The provider that took (or is taking) the payment; the one placed with when they differ. */
function providerName(order: Order): string {
  const placed = order.payment.provider;
  const paying = isRazorpay(order) ? "razorpay" : placed === "razorpay" ? "stripe" : placed;
  return paying === placed ? placed : `${paying} (placed for ${placed})`;
}

export function PaymentPanel({ order }: { order: Order }) {
  const pay = order.payment;
  const currency = pay.currency ?? order.currency;
  const sessions = pay.sessionIds.length
    ? (
      <ul class="space-y-0.5">
        {pay.sessionIds.toReversed().map((id) => (
          <li key={id} class="flex items-center gap-2">
            <span class={`${MONO} break-all`}>{id}</span>
            {id === pay.sessionId && (
              <span class="rounded bg-sky-100 px-1 text-[11px] font-semibold text-sky-800">
                current
              </span>
            )}
          </li>
        ))}
      </ul>
    )
    : "None yet";
  const intent = pay.paymentIntentId;
  const razorpay = isRazorpay(order);
  const rows: FactRow[] = [
    { label: "Status", value: <PaymentBadge order={order} /> },
    { label: "Provider", value: providerName(order) },
    { label: "Amount received", value: amountReceived(order) },
    ...arrivedRow(order),
    ...(pay.presentment
      ? [{ label: "Paid as", value: money(pay.presentment.amount, pay.presentment.currency) }]
      : []),
    { label: "Refunded", value: money(pay.refundedAmount, currency) },
    {
      label: "Currency",
      value: pay.currency?.toUpperCase() ?? `${order.currency.toUpperCase()} (order)`,
    },
    {
      label: razorpay ? "Razorpay payment" : "Payment intent",
      value: intent && <span class={MONO}>{intent}</span>,
    },
    { label: razorpay ? "Razorpay orders" : "Checkout sessions", value: sessions },
  ];
  const refunds = pay.refunds ?? [];
  if (refunds.length) {
    const value = (
      <ul class="space-y-0.5">
        {refunds.map((r) => (
          <li key={r.id}>
            <span class={`${MONO} break-all`}>{r.id}</span> {money(r.amount, currency)}
            {r.failed && <span class="ml-1 text-red-700">failed, not returned</span>}
          </li>
        ))}
      </ul>
    );
    rows.push({ label: "Refunds", value });
  }
  if (pay.paidIntentIds.length > 1) {
    const value = <span class={MONO}>{pay.paidIntentIds.join(", ")}</span>;
    rows.push({ label: "Paid intents", value });
  }
  if (pay.failureReason) {
    const value = <span class="text-red-700">{pay.failureReason}</span>;
    rows.push({ label: "Failure reason", value });
  }
  return (
    <Panel title="Payment" id="payment">
      <Facts rows={rows} />
    </Panel>
  );
}

export function FulfilmentPanel({ order }: { order: Order }) {
  const f = order.fulfillment;
  const rows: FactRow[] = [
    { label: "Status", value: <FulfilmentBadge status={f.status} /> },
    { label: "Attempts", value: <span class="tabular-nums">{f.attempts}</span> },
    { label: "Stock", value: order.stock },
  ];
  if (f.externalId) {
    rows.push({ label: "Supplier ref", value: <span class={MONO}>{f.externalId}</span> });
  }
  if (f.error) {
    rows.push({ label: "Last error", value: <span class="text-red-700">{f.error}</span> });
  }
  return (
    <Panel title="Fulfilment" id="fulfilment">
      <Facts rows={rows} />
    </Panel>
  );
}

/** Created, updated, every status change and every refund the history records. */
export function TimesPanel({ order, history }: { order: Order; history: HistoryEntry[] }) {
  const times = [{ label: "Created", at: order.createdAt }];
  for (const entry of history) {
    // Refunds move the payment's status, which history entries do not carry.
    const refund = entry.fact?.kind === "refunded" || entry.fact?.kind === "refund_issued";
    if (refund && entry.outcome.kind === "applied") {
      times.push({ label: "Refunded", at: entry.at });
    }
    if (entry.from === entry.to) continue;
    times.push({ label: ORDER_STATUS[entry.to]?.[0] ?? entry.to, at: entry.at });
  }
  times.push({ label: "Last updated", at: order.updatedAt });
  const rows = times.map(({ label, at }) => ({
    label,
    value: <AdminTime at={at} />,
  }));
  return (
    <Panel title="Timestamps" id="times">
      <Facts rows={rows} />
    </Panel>
  );
}

export function MetadataPanel({ order }: { order: Order }) {
  const entries = Object.entries(order.metadata);
  return (
    <Panel title="Metadata" id="metadata">
      {entries.length
        ? (
          <Facts
            rows={entries.map(([label, v]) => ({
              label,
              value: <span class="break-all">{v}</span>,
            }))}
          />
        )
        : <p class="px-4 py-2 text-sm text-slate-500">None</p>}
    </Panel>
  );
}

/** The heading's badges: order, payment and fulfilment status. */
export function StatusBadges({ order }: { order: Order }) {
  return (
    <span class="flex flex-wrap items-center gap-1.5">
      <OrderStatusBadge status={order.status} />
      <span class="text-xs text-slate-600">payment</span>
      <PaymentBadge order={order} />
      <span class="text-xs text-slate-600">fulfilment</span>
      <FulfilmentBadge status={order.fulfillment.status} />
    </span>
  );
}

/** A value that can be copied: plain selectable text, with a Copy button once JS runs. */
function Copyable({ text, label }: { text: string; label: string }) {
  if (text === FORGOTTEN) return <span class="italic text-slate-500">{text}</span>;
  return (
    <>
      <span class="select-all">{text}</span>
      <CopyText text={text} label={label} />
    </>
  );
}

/** The address as one block of lines, the way a label prints it. */
export function addressLines(order: Order): string[] {
  const a = order.shipping?.address;
  if (!a) return [];
  const place = [a.city, a.region, a.postalCode].filter(Boolean).join(" ");
  return [a.name, a.line1, a.line2 ?? "", place, a.country].filter(Boolean);
}

/** Who bought it and where it goes: each part copyable, then the shipping method and price. */
export function CustomerPanel({ order }: { order: Order }) {
  const c = order.customer;
  const s = order.shipping;
  const rows: FactRow[] = [];
  if (c) {
    rows.push({ label: "E-mail", value: <Copyable text={c.email} label="e-mail" /> });
    if (c.name) rows.push({ label: "Name", value: <Copyable text={c.name} label="name" /> });
    if (c.phone) rows.push({ label: "Phone", value: <Copyable text={c.phone} label="phone" /> });
  }
  if (s) {
    const a = s.address;
    const parts: [string, string | undefined][] = [
      ["Ship to", a.name],
      ["Line 1", a.line1],
      ["Line 2", a.line2],
      ["City", a.city],
      ["Region", a.region],
      ["Postcode", a.postalCode],
      ["Country", a.country],
    ];
    for (const [label, text] of parts) {
      if (text) rows.push({ label, value: <Copyable text={text} label={label.toLowerCase()} /> });
    }
    const whole = addressLines(order).join("\n");
    if (!whole.includes(FORGOTTEN)) {
      rows.push({
        label: "Whole address",
        value: (
          <>
            <span class="sr-only">{whole}</span>
            <CopyText text={whole} label="whole address" />
          </>
        ),
      });
    }
    rows.push({ label: "Shipping", value: s.label });
    rows.push({
      label: "Shipping price",
      value: s.amount === 0 ? "Free" : money(s.amount, order.currency),
    });
  }
  return (
    <Panel title="Customer and delivery" id="customer">
      {rows.length ? <Facts rows={rows} /> : (
        <p class="px-4 py-2 text-sm text-slate-500">
          No customer details: the order was placed without them.
        </p>
      )}
    </Panel>
  );
}

/** The e-mails Settle sent (or tried to) for the order, each with Resend once it has run. */
export function EmailsPanel(
  { tasks, token, orderId }: { tasks: Task[]; token: string; orderId: string },
) {
  const mails = tasks.filter((t) => t.kind in MAIL_TASKS).toReversed();
  return (
    <Panel title="E-mails" id="emails">
      {mails.length === 0
        ? <p class="px-4 py-2 text-sm text-slate-500">None sent yet.</p>
        : (
          <ul class="divide-y divide-slate-100 text-sm">
            {mails.map((task) => (
              <li
                key={task.id}
                class="flex flex-wrap items-start gap-2 px-4 py-2"
                data-mail={task.kind}
              >
                <div class="min-w-0 flex-1">
                  <p class="font-medium text-slate-900">
                    {MAIL_TASKS[task.kind]}
                    {"resend" in task.payload && (
                      <span class="ml-1 text-xs font-normal text-slate-500">(resent)</span>
                    )}
                  </p>
                  <p class="text-xs text-slate-600">
                    {task.status === "done"
                      ? (task.result ?? "sent")
                      : task.status === "dead"
                      ? `failed: ${task.lastError ?? "unknown error"}`
                      : "queued"} · <AdminTime at={task.updatedAt} />
                  </p>
                </div>
                {task.status !== "pending" && (
                  <form
                    method="post"
                    action={`/admin/orders/${encodeURIComponent(orderId)}`}
                    data-action="resend_email"
                  >
                    <input type="hidden" name="_token" value={token} />
                    <input type="hidden" name="action" value="resend_email" />
                    <input type="hidden" name="task" value={task.id} />
                    <Button type="submit" size="sm" variant="secondary">
                      Resend<span class="sr-only">{` ${MAIL_TASKS[task.kind].toLowerCase()}`}</span>
                    </Button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        )}
    </Panel>
  );
}
