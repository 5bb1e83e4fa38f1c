import { deepStrictEqual as assertEquals, equal, rejects } from "node:assert/strict";
import { ulid } from "ulid";
import { keys } from "../db/keys.ts";
import { writeNewOrder, writeOrderChange } from "../db/orders.ts";
import { ValidationError } from "../http/errors.ts";
import { newOrder } from "../orders/order.ts";
import { formatOrderNumber } from "../orders/order_number.ts";
import type { Order } from "../orders/types.ts";
import { attentionCount, listOrders, type ListQuery, NUMBER_SCAN_LIMIT } from "./orders_list.ts";

const T0 = Date.parse("2026-11-22T08:00:00Z");

/**
 * 60 orders a second apart, each with a session: every third paid (every sixth of them with
 * part of its payment refunded, every ninth since fulfilled), every fourth flagged.
 */
async function fill(kv: Deno.Kv, count = 60, from = 0): Promise<Order[]> {
  const orders: Order[] = [];
  for (let i = from; i < from + count; i++) {
    const at = new Date(T0 + i * 1000);
    const order = newOrder({
      id: ulid(at.getTime()),
      number: formatOrderNumber("SO", at, i + 1),
      items: [{ productId: "p1", title: "Mug", unitAmount: 1500, quantity: 1 }],
      currency: "nzd",
      now: at,
    });
    order.payment.sessionId = `cs_test_${i}`;
    order.payment.sessionIds = [`cs_test_${i}`];
    if (i % 3 === 0) {
      order.status = "paid";
      order.payment.status = "paid";
      order.payment.paymentIntentId = `pi_test_${i}`;
    }
    if (i % 6 === 0) order.payment.status = "partially_refunded";
    if (i % 9 === 0) {
      order.status = "fulfilled";
      order.fulfillment = { status: "success", attempts: 1, externalId: `f_${i}`, error: null };
    }
    if (i % 4 === 0) order.needsAttention = [{ reason: "dispute", at: at.toISOString() }];
    const op = kv.atomic();
    writeNewOrder(op, order);
    await op.commit();
    orders.push(order);
  }
  return orders;
}

/** Every page from the first, following nextCursor; then back again with prevCursor. */
async function walk(kv: Deno.Kv, query: ListQuery, limit: number) {
  const forward: string[][] = [];
  let page = await listOrders(kv, { ...query, limit });
  equal(page.prevCursor, null, "the first page has nothing newer");
  forward.push(page.orders.map((o) => o.id));
  while (page.nextCursor) {
    page = await listOrders(kv, { ...query, limit, cursor: page.nextCursor });
    forward.push(page.orders.map((o) => o.id));
  }
  const backward: string[][] = [page.orders.map((o) => o.id)];
  while (page.prevCursor) {
    page = await listOrders(kv, { ...query, limit, cursor: page.prevCursor, direction: "newer" });
    backward.unshift(page.orders.map((o) => o.id));
  }
  return { forward, backward };
}

const newestFirst = (orders: Order[]) => orders.map((o) => o.id).reverse();

Deno.test("pages cover every order once, newest first, forwards and back; Paid includes fulfilled", async () => {
  using kv = await Deno.openKv(":memory:");
  const orders = await fill(kv);
  const cases: [ListQuery, Order[]][] = [
    [{}, orders],
    // Both lists merged, by pages of every size.
    [{ status: "paid" }, orders.filter((o) => o.status === "paid" || o.status === "fulfilled")],
    [{ status: "fulfilled" }, orders.filter((o) => o.status === "fulfilled")],
    [{ status: "pending" }, orders.filter((o) => o.status === "pending")],
    [{ attention: true }, orders.filter((o) => o.needsAttention.length > 0)],
    ...(["partially_refunded", "pending"] as const).map((payment): [ListQuery, Order[]] => [
      { payment },
      orders.filter((o) => o.payment.status === payment),
    ]),
  ];
  for (const [query, expected] of cases) {
    for (const limit of [7, 20, 25, expected.length, 100]) {
      const { forward, backward } = await walk(kv, query, limit);
      const label = `${JSON.stringify(query)} by ${limit}`;
      assertEquals(forward.flat(), newestFirst(expected), label);
      assertEquals(backward, forward, `${label}: the same pages on the way back`);
      equal(forward.at(-1)!.length > 0, true, `${label}: no empty last page`);
    }
  }
});

Deno.test("paging back after new orders arrived skips none and ends on the first page", async () => {
  using kv = await Deno.openKv(":memory:");
  const orders = await fill(kv, 30);
  const first = await listOrders(kv, { limit: 10 });
  const second = await listOrders(kv, { limit: 10, cursor: first.nextCursor! });
  const newer = await fill(kv, 3, 30);
  const back = await listOrders(kv, { limit: 10, cursor: second.prevCursor!, direction: "newer" });
  assertEquals(back.orders.map((o) => o.id), first.orders.map((o) => o.id));
  // Three orders are newer still: fewer than a page, so "newer" shows the first page.
  const top = await listOrders(kv, { limit: 10, cursor: back.prevCursor!, direction: "newer" });
  assertEquals(top.orders.map((o) => o.id), newestFirst([...orders, ...newer]).slice(0, 10));
  equal(top.prevCursor, null);
});

Deno.test("search finds one order by number, session, payment intent or id", async () => {
  using kv = await Deno.openKv(":memory:");
  const orders = await fill(kv, 10);
  const [target] = orders;
  for (
    const q of [
      target.number,
      ` ${target.number.toLowerCase()} `,
      "cs_test_0",
      "pi_test_0",
      target.id,
    ]
  ) {
    const page = await listOrders(kv, { q, cursor: "ignored" });
    assertEquals(page.orders.map((o) => o.id), [target.id], q);
    assertEquals([page.nextCursor, page.prevCursor], [null, null]);
  }
  for (const q of ["SO-20991231-0001", "cs_unknown", "pi_unknown", "nothing"]) {
    assertEquals((await listOrders(kv, { q })).orders, [], q);
  }
});

Deno.test("part of an order number finds the newest orders containing it", async () => {
  using kv = await Deno.openKv(":memory:");
  const orders = await fill(kv, 60);
  const numbers = async (q: string, limit?: number) =>
    (await listOrders(kv, { q, limit })).orders.map((o) => o.number);
  assertEquals(await numbers("0042"), ["SO-20261122-0042"]);
  assertEquals(await numbers(" so-20261122-004"), [
    ...["SO-20261122-0049", "SO-20261122-0048", "SO-20261122-0047", "SO-20261122-0046"],
    ...["SO-20261122-0045", "SO-20261122-0044", "SO-20261122-0043", "SO-20261122-0042"],
    ...["SO-20261122-0041", "SO-20261122-0040"],
  ]);
  const newest = orders.slice(-3).reverse().map((o) => o.number);
  assertEquals(await numbers("20261122-00", 3), newest, "the newest few, newest first");
  for (const q of ["9999", "SO-2025", "00 42"]) assertEquals(await numbers(q), [], q);
});

Deno.test("a partial number is looked for among the newest NUMBER_SCAN_LIMIT numbers only", async () => {
  using kv = await Deno.openKv(":memory:");
  const [oldest] = await fill(kv, 1);
  // Newer numbers (index entries suffice: the scan reads no orders).
  for (let i = 0; i < NUMBER_SCAN_LIMIT; i += 500) {
    const op = kv.atomic();
    for (let j = i; j < i + 500; j++) {
      op.set(keys.orderByNumber(`SO-20261123-${String(j + 1).padStart(5, "0")}`), ulid());
    }
    equal((await op.commit()).ok, true);
  }
  assertEquals((await listOrders(kv, { q: "20261122" })).orders, [], "past the bound");
  const exact = await listOrders(kv, { q: oldest.number });
  assertEquals(exact.orders.map((o) => o.id), [oldest.id], "an exact number is always found");
});

Deno.test("a cursor that is not an order id is a 400, and the attention count stops at its cap", async () => {
  using kv = await Deno.openKv(":memory:");
  await fill(kv, 20);
  await rejects(listOrders(kv, { cursor: "not a cursor!" }), ValidationError);
  equal(await attentionCount(kv), 5);
  equal(await attentionCount(kv, 3), 4, "cap + 1 means more than the cap");
});

Deno.test("a refund moves the order between payment-status lists, not status lists", async () => {
  using kv = await Deno.openKv(":memory:");
  const [order] = await fill(kv, 1, 3);
  const ids = async (query: ListQuery) => (await listOrders(kv, query)).orders.map((o) => o.id);
  assertEquals(await ids({ payment: "paid" }), [order.id]);
  const after = structuredClone(order);
  after.payment.status = "refunded";
  const op = kv.atomic();
  writeOrderChange(op, order, after, []);
  equal((await op.commit()).ok, true);
  assertEquals(await ids({ payment: "paid" }), []);
  assertEquals(await ids({ payment: "refunded" }), [order.id]);
  assertEquals(await ids({ status: "paid" }), [order.id]);
});

Deno.test("an order stored with a refund as its status is listed as paid", async () => {
  using kv = await Deno.openKv(":memory:");
  const [order] = await fill(kv, 1, 3);
  // As written before refunds moved to payment.status alone.
  const legacy = { ...order, status: "refunded" } as unknown as Order;
  await kv.set(keys.order(order.id), legacy);
  const [listed] = (await listOrders(kv, {})).orders;
  equal(listed.status, "paid");
});
