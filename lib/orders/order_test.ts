import assert from "node:assert/strict";
import { canFulfill, isPaid, isPayable, newOrder, normaliseOrder, publicView } from "./order.ts";
import { AT, orderIn, T0, TOTAL } from "./order_fixtures.ts";
import { apply } from "./transitions.ts";
import { type Order, ORDER_STATUSES, type OrderStatus, type PaymentMethod } from "./types.ts";

const input = () => ({
  id: "01JORDER0000000000000000BB",
  number: "SO-20260304-0002",
  items: [
    { productId: "p_tee", title: "Tee", unitAmount: 2500, quantity: 2 },
    { productId: "p_mug", title: "Mug", unitAmount: 1500, quantity: 1 },
  ],
  currency: "NZD",
  cartId: "cart_9",
  metadata: { ref: "x" },
  now: T0,
});

Deno.test("newOrder starts pending, unpaid, with its stock reserved", () => {
  const order = newOrder(input());
  assert.equal(order.status, "pending");
  assert.equal(order.currency, "nzd");
  assert.equal(order.subtotal, TOTAL);
  assert.equal(order.total, TOTAL);
  assert.equal(order.stock, "reserved");
  assert.equal(order.historySeq, 0);
  assert.equal(order.createdAt, "2026-03-04T10:00:00.000Z");
  assert.equal(order.updatedAt, order.createdAt);
  assert.deepEqual(order.payment, {
    status: "pending",
    provider: "stripe",
    sessionId: null,
    sessionIds: [],
    paymentIntentId: null,
    paidIntentIds: [],
    paidSessionIds: [],
    amountReceived: 0,
    currency: null,
    failureReason: null,
    refundedAmount: 0,
    refundedByIntent: {},
    refunds: [],
  });
  assert.deepEqual(order.fulfillment, {
    status: "not_attempted",
    attempts: 0,
    externalId: null,
    error: null,
  });
  assert.deepEqual(order.needsAttention, []);
});

Deno.test("newOrder copies what it is given", () => {
  const given = input();
  const order = newOrder(given);
  given.items[0].quantity = 99;
  given.metadata.ref = "changed";
  assert.equal(order.items[0].quantity, 2);
  assert.deepEqual(order.metadata, { ref: "x" });
  assert.equal(newOrder({ ...given, cartId: undefined, metadata: undefined }).cartId, null);
  const fromIso = newOrder({ ...input(), now: "2026-03-04T23:00:00+13:00" });
  assert.equal(fromIso.createdAt, "2026-03-04T10:00:00.000Z");
});

Deno.test("newOrder refuses empty, fractional or negative lines and bad input", () => {
  assert.throws(() => newOrder({ ...input(), items: [] }), RangeError);
  const line = input().items[0];
  assert.throws(() => newOrder({ ...input(), items: [{ ...line, quantity: 0 }] }), RangeError);
  assert.throws(() => newOrder({ ...input(), items: [{ ...line, unitAmount: 25.5 }] }), RangeError);
  assert.throws(() => newOrder({ ...input(), items: [{ ...line, unitAmount: -1 }] }), RangeError);
  assert.throws(() => newOrder({ ...input(), currency: "dollars" }), RangeError);
  assert.throws(() => newOrder({ ...input(), now: new Date("x") }), RangeError);
  assert.throws(() => newOrder({ ...input(), now: "yesterday" }), RangeError);
});

Deno.test("publicView shows the order without cart, metadata or provider ids", () => {
  const view = publicView(orderIn("paid"));
  assert.deepEqual(view, {
    id: "01JORDER0000000000000000AA",
    number: "SO-20260304-0001",
    status: "paid",
    paymentStatus: "paid",
    amounts: { received: TOTAL, refunded: 0 },
    items: [
      { title: "Tee", unitAmount: 2500, quantity: 2, lineTotal: 5000 },
      { title: "Mug", unitAmount: 1500, quantity: 1, lineTotal: 1500 },
    ],
    subtotal: TOTAL,
    total: TOTAL,
    currency: "nzd",
    delivery: null,
    email: null,
    paymentMethod: null,
    createdAt: "2026-03-04T10:00:00.000Z",
    updatedAt: "2026-03-04T10:00:00.000Z",
  });
  const json = JSON.stringify(view);
  for (const secret of ["cart_1", "spring", "cs_1", "pi_1", "p_tee", "task_dead"]) {
    assert.ok(!json.includes(secret), secret);
  }
});

Deno.test("publicView shows the owner's delivery, e-mail and card brand and last four, nothing more", () => {
  const stored = orderIn("paid");
  const address = {
    name: "Kiri Tane",
    line1: "12 Cuba Street",
    city: "Wellington",
    postalCode: "6011",
    country: "NZ",
  };
  const withMethod = (method: unknown): Order => ({
    ...stored,
    customer: { email: "kiri@example.nz", phone: "+64 21 555 0123" },
    shipping: { address, rateId: "express", label: "Express", amount: 1200 },
    payment: { ...stored.payment, method: method as PaymentMethod },
  });
  const view = publicView(withMethod({ brand: "visa", last4: "4242", fingerprint: "fp_secret" }));
  assert.deepEqual(view.delivery, { address, method: "Express", amount: 1200 });
  assert.equal(view.email, "kiri@example.nz");
  assert.deepEqual(view.paymentMethod, { type: "card", brand: "visa", last4: "4242" });
  const json = JSON.stringify(view);
  for (const secret of ["fp_secret", "+64 21", 'express"']) {
    assert.ok(!json.includes(secret), secret);
  }
  // Whatever else the provider's record holds, only a plain brand and four digits leave.
  assert.deepEqual(publicView(withMethod({ brand: "mastercard", last4: "44" })).paymentMethod, {
    type: "card",
    brand: "mastercard",
  });
  assert.equal(publicView(withMethod({ brand: "<script>", last4: "x" })).paymentMethod, null);
  assert.equal(publicView(withMethod(null)).paymentMethod, null);
});

Deno.test("publicView's amounts are what was paid and refunded, none for a payment in another currency", () => {
  assert.deepEqual(publicView(orderIn("pending")).amounts, { received: 0, refunded: 0 });
  const refunded = orderIn("paid", "partially_refunded");
  assert.deepEqual(publicView(refunded).amounts, {
    received: TOTAL,
    refunded: refunded.payment.refundedAmount,
  });
  const foreign = orderIn("paid");
  foreign.payment.received = { amount: 4000, currency: "usd" };
  assert.equal(publicView(foreign).amounts, null);
});

Deno.test("payable, paid and fulfillable, state by state", () => {
  const states = [
    ...ORDER_STATUSES.map((s) => [s, orderIn(s)] as const),
    ["paid, partially refunded", orderIn("paid", "partially_refunded")] as const,
    ["paid, refunded", orderIn("paid", "refunded")] as const,
    ["fulfilled, refunded", orderIn("fulfilled", "refunded")] as const,
  ];
  const table = Object.fromEntries(
    states.map(([name, order]) => [name, [isPayable(order), isPaid(order), canFulfill(order)]]),
  );
  assert.deepEqual(table, {
    pending: [true, false, false],
    failed: [true, false, false],
    paid: [false, true, true],
    fulfilled: [false, true, false],
    expired: [true, false, false],
    cancelled: [false, false, false],
    // A partial refund holds nothing; a full one before shipping holds it.
    "paid, partially refunded": [false, true, true],
    "paid, refunded": [false, true, false],
    "fulfilled, refunded": [false, true, false],
  });
});

Deno.test("orders stored with a refund as their status read as paid or fulfilled", () => {
  const stored = (status: OrderStatus, refund: "refunded" | "partially_refunded") => {
    const order = orderIn(status, refund);
    // As written before refunds moved to payment.status alone.
    (order as { status: string }).status = refund;
    return order;
  };
  const shipped = stored("fulfilled", "refunded");
  assert.equal(normaliseOrder(shipped).status, "fulfilled");
  assert.equal(shipped.status as string, "refunded", "the stored order is not changed");
  const unshipped = stored("paid", "partially_refunded");
  assert.equal(normaliseOrder(unshipped).status, "paid");
  assert.deepEqual(
    [publicView(unshipped).status, publicView(unshipped).paymentStatus],
    ["paid", "partially_refunded"],
  );
  // The next fact writes the order back healed, whatever its outcome.
  const seen = apply(unshipped, { kind: "stock_released" }, AT);
  assert.deepEqual(seen.outcome, { kind: "ignored", reason: "would_downgrade" });
  assert.equal(seen.order.status, "paid");
  const refunded = apply(unshipped, {
    kind: "refunded",
    paymentIntentId: "pi_1",
    amountRefunded: 2000,
    currency: "nzd",
  }, AT);
  assert.deepEqual(refunded.outcome, { kind: "applied" });
  assert.deepEqual([refunded.order.status, refunded.order.payment.refundedAmount], ["paid", 2000]);
  const orders = [orderIn("paid"), orderIn("fulfilled", "refunded")];
  for (const order of orders) assert.equal(normaliseOrder(order), order, "others as they are");
});
