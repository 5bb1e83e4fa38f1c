/**
 * What an admin can do to one order: plain forms posting to the order page (they work
 * without JavaScript), each with the page's single-use token. Only the actions the order's
 * state allows are offered; the server refuses the others anyway.
 */
import type { ComponentChildren } from "preact";
import { type ActionName, refundable, toMajorUnits } from "../../lib/admin/order_action.ts";
import type { Order } from "../../lib/orders/types.ts";
import { Button } from "../Button.tsx";
import { Price } from "../Price.tsx";
import { ATTENTION, formatTime } from "./labels.ts";
import { FIELD, LABEL } from "./styles.ts";
import { Panel } from "./OrderPanels.tsx";

/** The fields of a form that was refused, to fill it in again. */
export type Draft = Record<string, string>;

interface FormProps {
  order: Order;
  token: string;
  action: ActionName;
  children: ComponentChildren;
  /** Hidden fields besides the token and the action. */
  hidden?: Record<string, string>;
}

function ActionForm({ order, token, action, children, hidden = {} }: FormProps) {
  return (
    <form
      method="post"
      action={`/admin/orders/${order.id}`}
      class="flex flex-col gap-2 px-4 py-3"
      data-action={action}
    >
      <input type="hidden" name="_token" value={token} />
      <input type="hidden" name="action" value={action} />
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children}
    </form>
  );
}

function Reason(
  { id, name = "reason", label, value }: {
    id: string;
    name?: string;
    label: string;
    value?: string;
  },
) {
  return (
    <div>
      <label for={id} class={LABEL}>{label}</label>
      <textarea
        id={id}
        name={name}
        required
        minLength={3}
        maxLength={500}
        rows={2}
        class={`${FIELD} mt-1`}
      >
        {value ?? ""}
      </textarea>
    </div>
  );
}

const Help = ({ children }: { children: ComponentChildren }) => (
  <p class="text-xs text-slate-500">{children}</p>
);

export interface OrderActionsProps {
  order: Order;
  allowed: ActionName[];
  token: string;
  draft: Draft | null;
}

export function OrderActions({ order, allowed, token, draft }: OrderActionsProps) {
  const can = new Set(allowed);
  const form = { order, token };
  const drafted = (action: ActionName, field: string) =>
    draft?.action === action ? draft[field] : undefined;
  const currency = order.payment.currency ?? order.currency;
  const left = refundable(order);
  const shown = allowed.filter((a) => a !== "acknowledge");
  return (
    <Panel title="Actions" id="actions" class="divide-y divide-slate-100">
      {shown.length === 0 && (
        <p class="px-4 py-3 text-sm text-slate-500">The order's state allows no actions.</p>
      )}
      {can.has("retry_session") && (
        <ActionForm {...form} action="retry_session">
          <Help>A new checkout link for the same items; the old one stops working.</Help>
          <Button type="submit" size="sm" variant="secondary">Create retry session</Button>
        </ActionForm>
      )}
      {can.has("reconcile") && (
        <ActionForm {...form} action="reconcile">
          <Help>Ask the provider about the current session and record what it says.</Help>
          <Button type="submit" size="sm" variant="secondary">Reconcile with provider</Button>
        </ActionForm>
      )}
      {can.has("retry_fulfilment") && (
        <ActionForm {...form} action="retry_fulfilment">
          <Help>Send the order to the supplier again.</Help>
          <Button type="submit" size="sm" variant="secondary">Retry fulfilment</Button>
        </ActionForm>
      )}
      {can.has("refund") && (
        <ActionForm {...form} action="refund">
          <div>
            <label for="refund-amount" class={LABEL}>
              Refund amount ({currency.toUpperCase()})
            </label>
            <input
              id="refund-amount"
              name="amount"
              inputMode="decimal"
              autocomplete="off"
              placeholder={toMajorUnits(left, currency)}
              value={drafted("refund", "amount") ?? ""}
              class={`${FIELD} mt-1`}
            />
          </div>
          <Help>
            Leave blank to refund everything still refundable:{" "}
            <Price amount={left} currency={currency} />.
          </Help>
          <Reason id="refund-reason" label="Reason" value={drafted("refund", "reason")} />
          <Button type="submit" size="sm">Refund</Button>
        </ActionForm>
      )}
      {can.has("mark_paid") && (
        <ActionForm {...form} action="mark_paid">
          <Reason
            id="mark-paid-reason"
            label="Paid how? (e.g. bank transfer reference)"
            value={drafted("mark_paid", "reason")}
          />
          <Button type="submit" size="sm" variant="secondary">Mark paid</Button>
        </ActionForm>
      )}
      {can.has("cancel") && (
        <ActionForm {...form} action="cancel">
          <Reason id="cancel-reason" label="Why cancel?" value={drafted("cancel", "reason")} />
          <Help>Closes any open checkout session and puts the stock back.</Help>
          <Button type="submit" size="sm" variant="danger" class="ring-1 ring-inset ring-red-200">
            Cancel order
          </Button>
        </ActionForm>
      )}
    </Panel>
  );
}

/** The order's open needs-attention flags, each with a form to acknowledge it. */
export function AttentionPanel({ order, token, draft }: Omit<OrderActionsProps, "allowed">) {
  if (order.needsAttention.length === 0) return null;
  return (
    <section
      aria-labelledby="attention-heading"
      class="rounded-lg border border-amber-300 bg-amber-50 shadow-sm"
      id="attention"
    >
      <h2 id="attention-heading" class="px-4 pt-3 text-sm font-semibold text-amber-900">
        Needs attention
      </h2>
      <ul class="divide-y divide-amber-200">
        {order.needsAttention.map((flag, i) => (
          <li key={i} class="grid gap-2 px-4 py-3 md:grid-cols-[1fr_22rem]" data-flag={flag.reason}>
            <div class="text-sm text-amber-900">
              <p class="font-semibold">{ATTENTION[flag.reason] ?? flag.reason}</p>
              {flag.detail && <p class="mt-0.5 break-words">{flag.detail}</p>}
              <p class="mt-0.5 text-xs tabular-nums text-amber-800">
                Since {formatTime(flag.at)}
              </p>
            </div>
            <form
              method="post"
              action={`/admin/orders/${order.id}`}
              class="flex items-end gap-2"
              data-action="acknowledge"
            >
              <input type="hidden" name="_token" value={token} />
              <input type="hidden" name="action" value="acknowledge" />
              <input type="hidden" name="flag" value={flag.reason} />
              <div class="flex-1">
                <label for={`ack-${i}`} class={LABEL}>Note</label>
                <input
                  id={`ack-${i}`}
                  name="note"
                  required
                  minLength={3}
                  maxLength={500}
                  value={draft?.action === "acknowledge" && draft.flag === flag.reason
                    ? draft.note
                    : ""}
                  class={`${FIELD} mt-1`}
                />
              </div>
              <Button type="submit" size="sm" variant="secondary">Acknowledge</Button>
            </form>
          </li>
        ))}
      </ul>
    </section>
  );
}
