/**
 * Resending an e-mail Settle sent for an order: the order page lists the mail tasks
 * (receipt, shipped notice) and "Resend" queues the same kind of task again, with the same
 * payload plus `resend` (which task it repeats) and a new `idempotencyKey`, so a mail API
 * that drops repeats by key sends this one. The mail task handlers (lib/notify) read both:
 * `resend` lets a receipt already marked sent go out again, the key replaces their own.
 */
import { getOrder } from "../db/orders.ts";
import { keys } from "../db/keys.ts";
import { ConflictError, NotFoundError } from "../http/errors.ts";
import { enqueue, type Task } from "../tasks/outbox.ts";
import type { AppDeps } from "../state.ts";
import type { ResendPayload } from "../notify/receipt_task.ts";
import type { Actor } from "./actions.ts";

/** Task kinds that send the customer an e-mail, with what the admin calls them. */
export const MAIL_TASKS: Record<string, string> = {
  send_receipt: "Receipt",
  send_shipped_notice: "Shipped notice",
};

export const isMailTask = (task: Pick<Task, "kind">) => task.kind in MAIL_TASKS;

/** Queues `taskId` (a mail task of `orderId`) again; returns the new task. */
export async function resendMail(
  deps: Pick<AppDeps, "kv" | "now">,
  orderId: string,
  taskId: string,
  who: Actor,
): Promise<Task> {
  const order = (await getOrder(deps.kv, orderId)).value;
  if (!order) throw new NotFoundError("No such order", { orderId });
  const entry = await deps.kv.get<Task>(keys.task(taskId));
  const task = entry.value;
  if (!task || task.orderId !== orderId || !isMailTask(task)) {
    throw new NotFoundError("No such e-mail for this order", { taskId });
  }
  if (task.status === "pending") {
    throw new ConflictError("mail_pending", `Not resent: the ${label(task)} is still queued`);
  }
  const now = deps.now();
  const { resend: _r, idempotencyKey: _k, ...original } = task.payload;
  const payload = {
    ...original,
    resend: { of: task.id, by: who.actor, at: now.toISOString() },
    idempotencyKey: `${task.kind}:${orderId}:resend:${crypto.randomUUID()}`,
  } satisfies Record<string, unknown> & ResendPayload;
  const op = deps.kv.atomic();
  const queued = enqueue(op, { kind: task.kind, orderId, payload }, now);
  const res = await op.commit();
  if (!res.ok) throw new ConflictError("mail_not_queued", "Not resent: try again");
  return queued;
}

export const label = (task: Pick<Task, "kind">) =>
  (MAIL_TASKS[task.kind] ?? task.kind).toLowerCase();
