/**
 * What an admin can do to one order: plain forms posting to the order page (they work
 * without JavaScript), each with the page's single-use token. Refund and cancel go through a
 * confirm step first: their forms ask the confirm page (GET, no token), and the
 * ConfirmAction island asks the same question in a dialog instead when JavaScript runs.
 * Only the actions the order's state allows are offered; the server refuses the others anyway.
 */
import type { ComponentChildren } from "preact";
import ConfirmAction from "../../islands/ConfirmAction.tsx";
import { cancelFacts, refundFacts } from "../../lib/admin/confirm.ts";
import type { ActionName } from "../../lib/admin/order_action.ts";
import { formatMoney } from "../../lib/orders/money.ts";
import type { Order } from "../../lib/orders/types.ts";
import { Button } from "../Button.tsx";
import { ATTENTION } from "./labels.ts";
import { FIELD, LABEL } from "./styles.ts";
import { Panel } from "./OrderPanels.tsx";
import { AdminTime } from "./time.tsx";

/** The fields of a form that was refused, to fill it in again. */
export type Draft = Record<string, string>;

interface FormProps {
  order: Order;
  token: string;
  action: ActionName;
  children: ComponentChildren;
  /** Hidden fields besides the token and the action. */
  hidden?: Record<string, string>;
  /** Ask the confirm step first (refund, cancel): see the module comment. */
  confirm?: boolean;
}

const orderPath = (order: Order) => `/admin/orders/${encodeURIComponent(order.id)}`;

function ActionForm({ order, token, action, children, hidden = {}, confirm = false }: FormProps) {
  return (
    <form
      method={confirm ? "get" : "post"}
      action={confirm ? `${orderPath(order)}/confirm` : orderPath(order)}
      id={`${action}-form`}
      class="flex flex-col gap-2 px-4 py-3"
      data-action={action}
    >
      {!confirm && <input type="hidden" name="_token" value={token} />}
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
  const refund = refundFacts(order);
  // Acknowledging and resending have their own panels.
  const shown = allowed.filter((a) => a !== "acknowledge" && a !== "resend_email");
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
        <>
          <ActionForm {...form} action="refund" confirm>
            <label class="flex items-center gap-2 text-sm text-slate-800">
              <input
                type="checkbox"
                name="full"
                value="yes"
                checked={drafted("refund", "full") === "yes"}
                class="h-4 w-4 rounded border-slate-300"
              />
              Refund everything ({formatMoney(refund.left, refund.currency)})
            </label>
            <div>
              <label for="refund-amount" class={LABEL}>
                Refund amount ({refund.currency.toUpperCase()})
              </label>
              <input
                id="refund-amount"
                name="amount"
                inputMode="decimal"
                autocomplete="off"
                value={drafted("refund", "amount") ?? ""}
                aria-describedby="refund-amount-help"
                class={`${FIELD} mt-1`}
              />
            </div>
            <p id="refund-amount-help" class="text-xs text-slate-500">
              Enter an amount, or choose “Refund everything”. You confirm it on the next step.
            </p>
            <Reason id="refund-reason" label="Reason" value={drafted("refund", "reason")} />
            <Button type="submit" size="sm">Refund</Button>
          </ActionForm>
          <ConfirmAction
            form="refund-form"
            post={orderPath(order)}
            token={token}
            kind="refund"
            facts={refund}
          />
        </>
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
        <>
          <ActionForm {...form} action="cancel" confirm>
            <Reason id="cancel-reason" label="Why cancel?" value={drafted("cancel", "reason")} />
            <Help>Closes any open checkout session and puts the stock back.</Help>
            <Button
              type="submit"
              size="sm"
              variant="danger"
              class="ring-1 ring-inset ring-red-200"
            >
              Cancel order
            </Button>
          </ActionForm>
          <ConfirmAction
            form="cancel-form"
            post={orderPath(order)}
            token={token}
            kind="cancel"
            facts={cancelFacts(order)}
          />
        </>
      )}
      {can.has("forget_customer") && (
        <ActionForm {...form} action="forget_customer" confirm>
          <Reason
            id="forget-reason"
            label="Why forget? (e.g. the customer's request, ticket)"
            value={drafted("forget_customer", "reason")}
          />
          <Help>
            Replaces the customer's e-mail, name, phone and address on this order with
            “[forgotten]”. Payments and refunds stay. You confirm it on the next step.
          </Help>
          <Button type="submit" size="sm" variant="danger" class="ring-1 ring-inset ring-red-200">
            Forget customer
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
                Since <AdminTime at={flag.at} />
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
