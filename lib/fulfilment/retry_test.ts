import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { getOrder, listHistory, writeNewOrder } from "../db/orders.ts";
import { TASK } from "../facts/follow_ups.ts";
import { NotFoundError } from "../http/errors.ts";
import { orderIn } from "../orders/order_fixtures.ts";
import type { Order, OrderStatus } from "../orders/types.ts";
import { listOrderTasks } from "../tasks/outbox.ts";
import { FulfilmentRetryRefused, retryFulfilment, type RetryRefusal } from "./retry.ts";

const now = () => new Date("2026-11-22T10:00:00Z");

function failedFulfilment(): Order {
  const order = orderIn("paid");
  order.stock = "committed";
  order.fulfillment = { status: "failed", attempts: 3, externalId: null, error: "supplier down" };
  order.needsAttention = [{
    reason: "fulfillment_failed",
    at: now().toISOString(),
    detail: "supplier down",
  }];
  return order;
}

async function store(kv: Deno.Kv, order: Order): Promise<Order> {
  const op = kv.atomic();
  writeNewOrder(op, order);
  assertEquals((await op.commit()).ok, true);
  return order;
}

const refusedWith = (refusal: RetryRefusal) => (err: unknown) => {
  ok(err instanceof FulfilmentRetryRefused, String(err));
  assertEquals([err.refusal, err.status, err.code], [refusal, 409, `fulfilment_retry_${refusal}`]);
  return true;
};

Deno.test("a retry queues a fulfil task with the admin's history entry, once", async () => {
  using kv = await Deno.openKv(":memory:");
  const order = await store(kv, failedFulfilment());
  const { taskId, order: after } = await retryFulfilment({ kv, now }, order.id, "alice");
  assertEquals(after.needsAttention, [], "the admin has taken the flag over");
  const tasks = await listOrderTasks(kv, order.id);
  assertEquals(tasks.map((t) => [t.id, t.kind, t.status]), [[taskId, TASK.fulfil, "pending"]]);
  const [entry] = await listHistory(kv, order.id);
  assertEquals(entry.source, { kind: "admin", actor: "alice", reason: "retry fulfilment" });
  assertEquals(entry.fact?.kind, "attention_acknowledged");
  assertEquals((await getOrder(kv, order.id)).value?.status, "paid");
  await rejects(retryFulfilment({ kv, now }, order.id, "bob"), refusedWith("already_queued"));
});

Deno.test("a retry is refused unless the order is paid with fulfilment failed and no hold", async () => {
  using kv = await Deno.openKv(":memory:");
  const cases: [OrderStatus | "held" | "refunded" | "shipping", RetryRefusal][] = [
    ["pending", "not_paid"],
    ["cancelled", "not_paid"],
    ["fulfilled", "already_fulfilled"],
    ["shipping", "not_failed"],
    ["held", "on_hold"],
    ["refunded", "on_hold"],
  ];
  for (const [state, refusal] of cases) {
    const failed = ["held", "refunded", "shipping"].includes(state);
    const order = failed ? failedFulfilment() : orderIn(state as OrderStatus);
    order.id = `01ORDER${crypto.randomUUID().slice(0, 8)}`;
    if (state === "shipping") order.fulfillment.status = "pending";
    if (state === "held") order.needsAttention.push({ reason: "amount_mismatch", at: "" });
    if (state === "refunded") order.payment.status = "refunded";
    await store(kv, order);
    await rejects(retryFulfilment({ kv, now }, order.id, "alice"), refusedWith(refusal), state);
    assertEquals(await listOrderTasks(kv, order.id), [], `${state}: nothing queued`);
  }
  await rejects(retryFulfilment({ kv, now }, "01NOSUCHORDER", "alice"), NotFoundError);
});
