/**
 * The `alert` outbox task: tells people which flags a transition raised on an order. A dead
 * alert task flags its order `task_dead` without queueing another alert (the state machine
 * sees to that), so a broken Slack hook cannot loop.
 */
import { getOrder } from "../db/orders.ts";
import type { AlertPayload } from "../facts/follow_ups.ts";
import type { TaskHandler } from "../tasks/worker.ts";
import type { Alert, AlertSink } from "./alerts.ts";
import { NOTIFY_TIMEOUT_MS } from "./http_post.ts";

export interface AlertTaskOptions {
  sink: AlertSink;
  publicOrigin: string;
  /** Per delivery (default 10 s). */
  timeoutMs?: number;
}

export function alertHandler(options: AlertTaskOptions): TaskHandler {
  return async (task, run) => {
    const orderId = task.orderId!;
    const order = (await getOrder(run.kv, orderId)).value;
    const raised = (task.payload as unknown as AlertPayload).alerts ?? [];
    const link = `${options.publicOrigin}/admin/orders/${orderId}`;
    const alerts: Alert[] = raised.map(({ reason, detail }) => ({
      orderId,
      orderNumber: order?.number ?? null,
      reason,
      detail,
      link,
    }));
    if (alerts.length === 0) return "nothing to alert";
    await options.sink.send(alerts, AbortSignal.timeout(options.timeoutMs ?? NOTIFY_TIMEOUT_MS));
    return `alerted: ${alerts.map((a) => a.reason).join(", ")}`;
  };
}
