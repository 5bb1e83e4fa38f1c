import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { getOrder, writeNewOrder } from "../db/orders.ts";
import { TASK } from "../facts/follow_ups.ts";
import { flagOrderOnDead } from "../facts/task_handlers.ts";
import { configureLog } from "../log.ts";
import { orderIn } from "../orders/order_fixtures.ts";
import { enqueue, listOrderTasks } from "../tasks/outbox.ts";
import { createWorker } from "../tasks/worker.ts";
import { alertHandler } from "./alert_task.ts";
import { createAlertSink, type SlackMessage } from "./alerts.ts";
import { startTestReceiver } from "./test_receiver.ts";

const ORIGIN = "https://shop.example";

async function paidOrderWithTask(kv: Deno.Kv, kind: string, payload: Record<string, unknown>) {
  const order = { ...orderIn("paid"), id: `01ORDER${crypto.randomUUID().slice(0, 8)}` };
  const op = kv.atomic();
  writeNewOrder(op, order);
  const task = enqueue(op, { kind, orderId: order.id, payload, maxAttempts: 2 });
  assertEquals((await op.commit()).ok, true);
  return { order, task };
}

function worker(kv: Deno.Kv, slackWebhookUrl: string) {
  return createWorker({
    kv,
    log: () => {},
    backoffMs: () => 0,
    handlers: {
      [TASK.alert]: alertHandler({
        sink: createAlertSink({ slackWebhookUrl }),
        publicOrigin: ORIGIN,
      }),
      [TASK.fulfil]: () => Promise.reject(new Error("supplier down")),
    },
    onDead: (task, error, op) => flagOrderOnDead(kv, task, error, op, new Date()),
  });
}

Deno.test("an alert is logged and posted to Slack as {text, blocks} with the admin link", async () => {
  using kv = await Deno.openKv(":memory:");
  await using slack = startTestReceiver(() => new Response("ok"));
  const lines: string[] = [];
  const previous = configureLog({ level: "info", write: (line) => lines.push(line) });
  try {
    const { order, task } = await paidOrderWithTask(kv, TASK.alert, {
      alerts: [
        { reason: "fulfillment_failed", detail: "supplier answered 500: <html>" },
        { reason: "stock_unavailable" },
      ],
    });
    assertEquals(await worker(kv, slack.url).runOnce(), 1);
    const [done] = await listOrderTasks(kv, order.id);
    assertEquals([done.id, done.status], [task.id, "done"]);
    assertEquals(slack.requests.length, 1);
    const message = slack.requests[0].json as SlackMessage;
    assertEquals(Object.keys(message).sort(), ["blocks", "text"]);
    const link = `${ORIGIN}/admin/orders/${order.id}`;
    ok(message.text.includes(order.number) && message.text.endsWith(link), message.text);
    ok(message.text.includes("Paid, but fulfilment failed (supplier answered 500: &lt;html&gt;)"));
    assertEquals(message.blocks, [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `:rotating_light: *Order ${order.number} needs attention*\n` +
            "• Paid, but fulfilment failed (supplier answered 500: &lt;html&gt;)\n" +
            "• Paid, but the stock is no longer there",
        },
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `<${link}|Open the order in Settle admin>` }],
      },
    ]);
    const logged = lines.map((l) => JSON.parse(l)).filter((l) =>
      l.message === "order needs attention"
    );
    assertEquals(logged.map((l) => [l.level, l.reason, l.orderNumber, l.link]), [
      ["warn", "fulfillment_failed", order.number, link],
      ["warn", "stock_unavailable", order.number, link],
    ]);
  } finally {
    configureLog(previous);
  }
});

Deno.test("a dead alert task flags its order but queues no further alert; other dead tasks do", async () => {
  using kv = await Deno.openKv(":memory:");
  await using slack = startTestReceiver(() => new Response("no_service", { status: 404 }));
  const previous = configureLog({ level: "error", write: () => {} });
  try {
    const alerting = await paidOrderWithTask(kv, TASK.alert, {
      alerts: [{ reason: "dispute", detail: "pi_1: 6500 (fraudulent)" }],
    });
    const shipping = await paidOrderWithTask(kv, TASK.fulfil, {});
    const w = worker(kv, slack.url);
    while (await w.runOnce() > 0);
    const alerted = (await getOrder(kv, alerting.order.id)).value!;
    ok(
      alerted.needsAttention.some((a) =>
        a.reason === "task_dead" && a.detail?.startsWith("alert: Slack answered 404")
      ),
    );
    const alertTasks = await listOrderTasks(kv, alerting.order.id);
    assertEquals(alertTasks.map((t) => [t.kind, t.status]), [["alert", "dead"]]);
    const shipTasks = await listOrderTasks(kv, shipping.order.id);
    assertEquals(shipTasks.map((t) => t.kind), ["fulfil", "alert"]);
    assertEquals(shipTasks[1].payload, {
      alerts: [{ reason: "task_dead", detail: "fulfil: supplier down" }],
    });
  } finally {
    configureLog(previous);
  }
});
