import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { keys } from "../db/keys.ts";
import { getOrder, listHistory, writeNewOrder } from "../db/orders.ts";
import { newOrder } from "../orders/order.ts";
import type { Fact, Order } from "../orders/types.ts";
import { listOrderTasks } from "../tasks/outbox.ts";
import { recordFact } from "./record_fact.ts";

const now = () => new Date("2026-11-22T10:00:00Z");

async function placeOrder(kv: Deno.Kv, sessionId = "cs_test_1"): Promise<Order> {
  const order = newOrder({
    id: `01ORDER${crypto.randomUUID().slice(0, 8)}`,
    number: "SO-20261122-0001",
    items: [{ productId: "p1", title: "Mug", unitAmount: 2500, quantity: 2 }],
    currency: "nzd",
    cartId: "cart-1",
    now: now(),
  });
  const op = kv.atomic();
  writeNewOrder(op, order);
  await op.commit();
  await recordFact({ kv, now }, order.id, { kind: "session_created", sessionId }, {
    kind: "system",
  });
  return (await getOrder(kv, order.id)).value!;
}

const paid: Fact = {
  kind: "payment_succeeded",
  sessionId: "cs_test_1",
  paymentIntentId: "pi_test_1",
  amount: 5000,
  currency: "nzd",
};
const event = (id: string) => ({ provider: "stripe", id, type: "checkout.session.completed" });
const source = (id: string) => ({ kind: "provider" as const, eventId: id, eventType: "x" });

Deno.test("an event is applied once: state, history, dedupe record and tasks in one commit", async () => {
  using kv = await Deno.openKv(":memory:");
  const order = await placeOrder(kv);
  const first = await recordFact(
    { kv, now, event: event("evt_1") },
    order.id,
    paid,
    source("evt_1"),
  );
  assertEquals([first.outcome.kind, first.alreadyProcessed, first.order?.status], [
    "applied",
    false,
    "paid",
  ]);
  const again = await recordFact(
    { kv, now, event: event("evt_1") },
    order.id,
    paid,
    source("evt_1"),
  );
  assertEquals([again.alreadyProcessed, again.order?.status], [true, "paid"]);
  const history = await listHistory(kv, order.id);
  assertEquals(history.map((h) => h.outcome.kind), ["applied", "applied"]);
  assertEquals((await kv.get(keys.providerEvent("stripe", "evt_1"))).value !== null, true);
  const tasks = await listOrderTasks(kv, order.id);
  assertEquals(tasks.map((t) => t.kind).sort(), ["commit_stock", "trim_cart"]);
  assertEquals((await kv.get(keys.orderByStatus("paid", order.id))).value, order.id);
  assertEquals((await kv.get(keys.orderByStatus("pending", order.id))).value, null);
});

Deno.test("20 concurrent deliveries of one event apply it once", async () => {
  using kv = await Deno.openKv(":memory:");
  const order = await placeOrder(kv);
  const results = await Promise.all(
    Array.from(
      { length: 20 },
      () => recordFact({ kv, now, event: event("evt_c") }, order.id, paid, source("evt_c")),
    ),
  );
  assertEquals(results.filter((r) => !r.alreadyProcessed).length, 1);
  const stored = (await getOrder(kv, order.id)).value!;
  assertEquals([stored.status, stored.payment.amountReceived], ["paid", 5000]);
  assertEquals((await listOrderTasks(kv, order.id)).length, 2);
});

Deno.test("a second event reporting the same payment is a recorded duplicate, not a second payment", async () => {
  using kv = await Deno.openKv(":memory:");
  const order = await placeOrder(kv);
  await recordFact({ kv, now, event: event("evt_a") }, order.id, paid, source("evt_a"));
  const dup = await recordFact(
    { kv, now, event: event("evt_b") },
    order.id,
    { ...paid, sessionId: null },
    source("evt_b"),
  );
  assertEquals(dup.outcome.kind, "duplicate");
  assertEquals(dup.order?.payment.amountReceived, 5000);
  assertEquals((await listOrderTasks(kv, order.id)).length, 2, "no second set of follow-ups");
});

Deno.test("events for unknown orders and unhandled types are recorded as ignored", async () => {
  using kv = await Deno.openKv(":memory:");
  const order = await placeOrder(kv);
  const unknown = await recordFact({ kv, now, event: event("evt_u") }, null, paid, source("evt_u"));
  assertEquals(unknown.outcome, { kind: "ignored", reason: "unknown_session" });
  const unhandled = await recordFact(
    { kv, now, event: event("evt_h") },
    order.id,
    null,
    source("evt_h"),
  );
  assertEquals(unhandled.outcome, { kind: "ignored", reason: "unhandled_type" });
  const history = await listHistory(kv, order.id);
  assertEquals(history.at(-1)?.fact, null);
  assertEquals(history.at(-1)?.outcome.kind, "ignored");
  ok((await kv.get(keys.providerEvent("stripe", "evt_u"))).value);
  const stored = (await getOrder(kv, order.id)).value!;
  assertEquals(stored.status, "pending");
});
