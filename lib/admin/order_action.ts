/**
 * One admin action on one order, as the order page's forms and
 * `POST /api/admin/orders/:id/actions` send it: parsed with zod, run through the audited
 * services (actions.ts, fulfilment/retry.ts) and told back in one sentence. Also which
 * actions an order's state allows, so pages offer only those; the services refuse the rest.
 */
import { z } from "zod";
import { getOrder } from "../db/orders.ts";
import { TASK } from "../facts/follow_ups.ts";
import { retryFulfilment } from "../fulfilment/retry.ts";
import { NotFoundError, ValidationError } from "../http/errors.ts";
import { fulfillmentHold } from "../orders/attention.ts";
import { formatMoney, minorUnitDigits } from "../orders/money.ts";
import { isPaid, isPayable, refundable } from "../orders/order.ts";
import { ATTENTION_REASONS, type Order } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";
import type { Task } from "../tasks/outbox.ts";
import {
  acknowledge,
  type Acted,
  cancel,
  createRetrySession,
  markPaid,
  ReasonSchema,
  reconcileOne,
  refund,
  type RefundDone,
} from "./actions.ts";
import type { AdminSession } from "./auth.ts";

export const ACTIONS = [
  "retry_session",
  "reconcile",
  "mark_paid",
  "refund",
  "cancel",
  "acknowledge",
  "retry_fulfilment",
] as const;
export type ActionName = typeof ACTIONS[number];

/** A refund amount as people type it: major units, e.g. "12.50"; blank refunds the rest. */
const MajorAmount = z.union([z.string(), z.number()]).transform((v) => String(v).trim())
  .optional();

export const ActionInputSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("retry_session") }),
  z.object({ action: z.literal("reconcile") }),
  z.object({ action: z.literal("mark_paid"), reason: ReasonSchema }),
  z.object({ action: z.literal("refund"), amount: MajorAmount, reason: ReasonSchema }),
  z.object({ action: z.literal("cancel"), reason: ReasonSchema }),
  z.object({
    action: z.literal("acknowledge"),
    flag: z.enum(ATTENTION_REASONS),
    note: ReasonSchema,
  }),
  z.object({ action: z.literal("retry_fulfilment") }),
]);
export type ActionInput = z.infer<typeof ActionInputSchema>;

export interface ActionResult {
  action: ActionName;
  /** What happened, for the flash message or the JSON answer. */
  message: string;
  /** retry_session: the checkout URL to send to the customer. */
  url?: string;
}

/**
 * "12.50" in `currency` → 1250 minor units, without floating point; 400 for anything that
 * is not a plain positive decimal with at most the currency's digits.
 */
export function toMinorUnits(amount: string, currency: string): number {
  const digits = minorUnitDigits(currency);
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(amount.trim());
  const example = digits === 0 ? "1200" : `12.${"5".padEnd(digits, "0")}`;
  if (!match) {
    throw new ValidationError(`Enter the amount as a number, e.g. ${example}`, [
      { path: "amount", message: "not a plain decimal number" },
    ]);
  }
  const fraction = match[2] ?? "";
  if (fraction.length > digits) {
    throw new ValidationError(
      `${currency.toUpperCase()} amounts have ${digits} decimal places, e.g. ${example}`,
      [{ path: "amount", message: `at most ${digits} decimal places` }],
    );
  }
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
}

/** What `minor` looks like in the refund field (no symbol, no grouping). */
export function toMajorUnits(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(minor);
  const text = String(minor).padStart(digits + 1, "0");
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** Money received and not yet refunded, in minor units (for the pages). */
export { refundable };

/** The actions the order's state allows now; pages show only these. */
export function availableActions(order: Order, tasks: Task[]): Set<ActionName> {
  const allowed = new Set<ActionName>();
  const paid = isPaid(order);
  if (isPayable(order)) allowed.add("retry_session");
  if (order.status === "pending" || order.status === "failed") allowed.add("reconcile");
  if (!paid) allowed.add("mark_paid");
  if (!paid && order.status !== "cancelled") allowed.add("cancel");
  if (paid && order.payment.paymentIntentId && refundable(order) > 0) allowed.add("refund");
  if (order.needsAttention.length > 0) allowed.add("acknowledge");
  const fulfilQueued = tasks.some((t) => t.kind === TASK.fulfil && t.status === "pending");
  if (
    order.status === "paid" && order.fulfillment.status === "failed" &&
    fulfillmentHold(order) === null && !fulfilQueued
  ) allowed.add("retry_fulfilment");
  return allowed;
}

const RECONCILED: Record<string, string> = {
  paid: "The provider reports a payment: the order is now paid.",
  expired: "The provider reports the session expired: the order is now expired.",
  lapsed: "The order never got a checkout session and its window has passed: it is expired.",
  unchanged: "Checked with the provider: nothing new to record.",
};

async function load(deps: AppDeps, orderId: string): Promise<Order> {
  const order = (await getOrder(deps.kv, orderId)).value;
  if (!order) throw new NotFoundError("No such order", { orderId });
  return order;
}

/** What mark paid recorded, in words: a closed order's payment is held, not shipped. */
function markedPaidMessage({ outcome }: Acted): string {
  if (outcome.kind === "duplicate") return "Already marked paid: nothing changed.";
  if (outcome.kind === "flagged" && outcome.reason !== "manual_payment") {
    return "Marked paid. The order had been closed, so it is held until someone checks it.";
  }
  return "Marked paid. The order is flagged until someone checks it.";
}

/** What this refund did, from its own amount (never the order's total, which others move). */
function refundedMessage({ outcome, refund }: RefundDone): string {
  const money = formatMoney(refund.amount, refund.currency);
  if (outcome.kind === "duplicate") {
    return `That refund of ${money} was already recorded: nothing more went back.`;
  }
  return `Refunded ${money}.`;
}

/** Runs one action for `admin`; refusals are the services' 4xx errors. */
export async function runAction(
  deps: AppDeps,
  orderId: string,
  input: ActionInput,
  admin: AdminSession,
): Promise<ActionResult> {
  const who = { actor: admin.actor };
  const { action } = input;
  switch (input.action) {
    case "retry_session": {
      const session = await createRetrySession(deps, orderId, who);
      return {
        action,
        message: "A new checkout session is open. Send this link to the customer:",
        url: session.url ?? undefined,
      };
    }
    case "reconcile":
      return { action, message: RECONCILED[await reconcileOne(deps, orderId, who)] };
    case "mark_paid":
      return {
        action,
        message: markedPaidMessage(await markPaid(deps, orderId, input.reason, who)),
      };
    case "refund": {
      const before = await load(deps, orderId);
      const currency = before.payment.currency ?? before.currency;
      const amount = input.amount ? toMinorUnits(input.amount, currency) : undefined;
      const done = await refund(deps, orderId, { amount, reason: input.reason }, who);
      return { action, message: refundedMessage(done) };
    }
    case "cancel": {
      const { order, outcome } = await cancel(deps, orderId, input.reason, who);
      if (outcome.kind === "duplicate") {
        return { action, message: "Already cancelled: nothing changed." };
      }
      const held = order.stock === "reserved";
      return {
        action,
        message: held ? "Cancelled. Its stock goes back on the shelf." : "Cancelled.",
      };
    }
    case "acknowledge": {
      const { outcome } = await acknowledge(
        deps,
        orderId,
        { flag: input.flag, note: input.note },
        who,
      );
      return {
        action,
        message: outcome.kind === "duplicate"
          ? "That flag was already acknowledged: nothing changed."
          : "Flag acknowledged.",
      };
    }
    case "retry_fulfilment":
      await retryFulfilment(deps, orderId, admin.actor);
      return { action, message: "Fulfilment queued again." };
  }
}
