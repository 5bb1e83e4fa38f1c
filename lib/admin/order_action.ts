/**
 * One admin action on one order, as the order page's forms and
 * `POST /api/admin/orders/:id/actions` send it: parsed with zod, run through the audited
 * services (actions.ts, fulfilment/retry.ts) and told back in one sentence. Also which
 * actions an order's state allows, so pages offer only those; the services refuse the rest;
 * and, for the destructive ones, what they would do (the confirm step's question).
 */
import { z } from "zod";
import { getOrder } from "../db/orders.ts";
import { TASK } from "../facts/follow_ups.ts";
import { retryFulfilment } from "../fulfilment/retry.ts";
import { ConflictError, NotFoundError, ValidationError } from "../http/errors.ts";
import { parseInput } from "../http/json_body.ts";
import { fulfillmentHold } from "../orders/attention.ts";
import { formatMoney, minorUnitDigits, parseMajorUnits, toMajorUnits } from "../orders/money.ts";
import { isPaid, isPayable, refundable } from "../orders/order.ts";
import { ATTENTION_REASONS, type Order } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";
import type { Task } from "../tasks/outbox.ts";
import {
  acknowledge,
  type Acted,
  assertCancellable,
  cancel,
  createRetrySession,
  markPaid,
  ReasonSchema,
  reconcileOne,
  refund,
  refundAmount,
  type RefundDone,
} from "./actions.ts";
import type { AdminSession } from "./auth.ts";
import { forgetCustomer, hasPersonalData } from "./forget.ts";
import { isMailTask, label as mailLabel, resendMail } from "./resend.ts";
import {
  cancelDetail,
  cancelFacts,
  cancelQuestion,
  refundDetail,
  refundFacts,
  refundQuestion,
} from "./confirm.ts";

export const ACTIONS = [
  "retry_session",
  "reconcile",
  "mark_paid",
  "refund",
  "cancel",
  "acknowledge",
  "retry_fulfilment",
  "resend_email",
  "forget_customer",
] as const;
export type ActionName = typeof ACTIONS[number];

/** A refund amount as people type it: major units, e.g. "12.50". */
const MajorAmount = z.union([z.string(), z.number()]).transform((v) => String(v).trim())
  .optional();

/** A ticked box: `true` in JSON, "yes" from a form. */
const Ticked = z.union([z.boolean(), z.literal("yes").transform(() => true)]).default(false);

const EVERYTHING = "choose “Refund everything”";

/** A refund names its amount or asks for everything explicitly: a blank never means "all". */
const RefundInputSchema = z.object({
  action: z.literal("refund"),
  amount: MajorAmount,
  full: Ticked,
  reason: ReasonSchema,
}).check((ctx) => {
  const { amount, full } = ctx.value;
  if (full === Boolean(amount)) {
    ctx.issues.push({
      code: "custom",
      input: amount,
      path: ["amount"],
      message: full
        ? `Enter an amount or ${EVERYTHING}, not both`
        : `Enter the amount to refund, or ${EVERYTHING}`,
    });
  }
});

const CancelInputSchema = z.object({ action: z.literal("cancel"), reason: ReasonSchema });
const ForgetInputSchema = z.object({ action: z.literal("forget_customer"), reason: ReasonSchema });

export const ActionInputSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("retry_session") }),
  z.object({ action: z.literal("reconcile") }),
  z.object({ action: z.literal("mark_paid"), reason: ReasonSchema }),
  RefundInputSchema,
  CancelInputSchema,
  z.object({
    action: z.literal("acknowledge"),
    flag: z.enum(ATTENTION_REASONS),
    note: ReasonSchema,
  }),
  z.object({ action: z.literal("retry_fulfilment") }),
  z.object({ action: z.literal("resend_email"), task: z.string().trim().min(1).max(64) }),
  ForgetInputSchema,
]);
export type ActionInput = z.infer<typeof ActionInputSchema>;

/** The actions the order page runs only after a confirm step that says what they will do. */
const ConfirmInputSchema = z.discriminatedUnion("action", [
  RefundInputSchema,
  CancelInputSchema,
  ForgetInputSchema,
]);
export const needsConfirm = (action: unknown) =>
  action === "refund" || action === "cancel" || action === "forget_customer";

export interface ActionResult {
  action: ActionName;
  /** What happened, for the flash message or the JSON answer. */
  message: string;
  /** retry_session: the checkout URL to send to the customer. */
  url?: string;
}

/** "12.50" in `currency` → 1250 minor units; 400 for anything parseMajorUnits refuses. */
export function toMinorUnits(amount: string, currency: string): number {
  const minor = parseMajorUnits(amount, currency);
  if (typeof minor === "number") return minor;
  const digits = minorUnitDigits(currency);
  const example = digits === 0 ? "1200" : `12.${"5".padEnd(digits, "0")}`;
  if (minor === "too_many_decimals") {
    throw new ValidationError(
      `${currency.toUpperCase()} amounts have ${digits} decimal places, e.g. ${example}`,
      [{ path: "amount", message: `at most ${digits} decimal places` }],
    );
  }
  throw new ValidationError(`Enter the amount as a number, e.g. ${example}`, [
    { path: "amount", message: "not a plain decimal number" },
  ]);
}

/** The actions the order's state allows now; pages show only these. */
export function availableActions(order: Order, tasks: Task[]): Set<ActionName> {
  const allowed = new Set<ActionName>();
  const paid = isPaid(order);
  if (isPayable(order)) allowed.add("retry_session");
  if (order.status === "pending" || order.status === "failed") allowed.add("reconcile");
  if (!paid && order.status !== "cancelled") allowed.add("mark_paid");
  if (!paid && order.status !== "cancelled") allowed.add("cancel");
  if (paid && order.payment.paymentIntentId && refundable(order) > 0) allowed.add("refund");
  if (order.needsAttention.length > 0) allowed.add("acknowledge");
  const fulfilQueued = tasks.some((t) => t.kind === TASK.fulfil && t.status === "pending");
  if (
    order.status === "paid" && order.fulfillment.status === "failed" &&
    fulfillmentHold(order) === null && !fulfilQueued
  ) allowed.add("retry_fulfilment");
  if (tasks.some((t) => isMailTask(t) && t.status !== "pending")) allowed.add("resend_email");
  if (hasPersonalData(order)) allowed.add("forget_customer");
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
function markedPaidMessage({ order, outcome }: Acted): string {
  if (outcome.kind === "duplicate") return "Already marked paid: nothing changed.";
  const done = `Marked paid (${formatMoney(order.total, order.currency)}).`;
  if (outcome.kind === "flagged" && outcome.reason !== "manual_payment") {
    return `${done} The order had been closed, so it is held until someone checks it.`;
  }
  return `${done} The order is flagged until someone checks it.`;
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
      const amount = input.full ? "all" : await typedAmount(deps, orderId, input.amount);
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
    case "resend_email": {
      const task = await resendMail(deps, orderId, input.task, who);
      return { action, message: `The ${mailLabel(task)} is queued to be sent again.` };
    }
    case "forget_customer": {
      const { outcome } = await forgetCustomer(deps, orderId, input.reason, who);
      return {
        action,
        message: outcome.kind === "duplicate"
          ? "Nothing to forget: the order holds no personal data."
          : "Customer forgotten: their e-mail, name, phone and address now read “[forgotten]”.",
      };
    }
  }
}

/** A typed refund amount in minor units of the order's payment currency. */
async function typedAmount(deps: AppDeps, orderId: string, amount = ""): Promise<number> {
  const order = await load(deps, orderId);
  return toMinorUnits(amount, order.payment.currency ?? order.currency);
}

/** What a refund or cancel would do now, as its confirm step asks it. */
export interface Confirmation {
  order: Order;
  /** The one sentence ("Refund $10.00 of $84.80?"). */
  question: string;
  detail: string;
  /** What the confirm form posts: a full refund as the exact amount the question names. */
  fields: Record<string, string>;
}

/**
 * The confirm step of the form `fields` (a refund or cancel): for a known order, checks them
 * as the action will (the same refusals, thrown now so nobody confirms what would be refused)
 * and says what the action would do. Writes nothing.
 */
export async function confirmAction(
  deps: AppDeps,
  orderId: string,
  fields: Record<string, string>,
): Promise<Confirmation> {
  const order = await load(deps, orderId);
  const input = parseInput(ConfirmInputSchema, fields, "Check the form and try again");
  const { reason } = input;
  if (input.action === "forget_customer") {
    if (!hasPersonalData(order)) {
      throw new ConflictError("nothing_to_forget", "The order holds no personal data");
    }
    return {
      order,
      question: `Forget the customer of order ${order.number}?`,
      detail: "Their e-mail, name, phone and delivery address (all but the country) are " +
        "replaced with “[forgotten]” on this order. Payments, refunds, items and the shipping " +
        "price stay. This cannot be undone.",
      fields: { action: "forget_customer", reason },
    };
  }
  if (input.action === "cancel") {
    if (order.status === "cancelled") {
      throw new ConflictError("already_cancelled", "The order is already cancelled");
    }
    assertCancellable(order);
    const facts = cancelFacts(order);
    return {
      order,
      question: cancelQuestion(facts),
      detail: cancelDetail(facts),
      fields: { action: "cancel", reason },
    };
  }
  const facts = refundFacts(order);
  const requested = input.full ? "all" : toMinorUnits(input.amount ?? "", facts.currency);
  const amount = refundAmount(order, requested);
  return {
    order,
    question: refundQuestion(amount, facts),
    detail: refundDetail(facts),
    fields: { action: "refund", amount: toMajorUnits(amount, facts.currency), reason },
  };
}
