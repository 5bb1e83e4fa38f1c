import { deepStrictEqual as assertEquals, equal, throws } from "node:assert/strict";
import { ValidationError } from "../http/errors.ts";
import { toMajorUnits } from "../orders/money.ts";
import { orderIn } from "../orders/order_fixtures.ts";
import { ORDER_STATUSES, type OrderStatus } from "../orders/types.ts";
import type { Task } from "../tasks/outbox.ts";
import {
  ActionInputSchema,
  type ActionName,
  availableActions,
  toMinorUnits,
} from "./order_action.ts";

Deno.test("refund amounts typed in major units become minor units without rounding", () => {
  const cases: [string, string, number][] = [
    ["12.50", "nzd", 1250],
    ["12.5", "nzd", 1250],
    ["12", "nzd", 1200],
    ["0.01", "nzd", 1],
    [" 7.05 ", "usd", 705],
    ["1200", "jpy", 1200],
    ["1.234", "kwd", 1234],
    ["0.29", "nzd", 29],
    ["999999999999.99", "nzd", 99999999999999],
  ];
  for (const [input, currency, minor] of cases) {
    equal(toMinorUnits(input, currency), minor, `${input} ${currency}`);
  }
  const refused: [string, string][] = [
    ["12.345", "nzd"],
    ["12.5", "jpy"],
    ["-1", "nzd"],
    ["1e3", "nzd"],
    ["1,000.00", "nzd"],
    ["", "nzd"],
    [".5", "nzd"],
    ["$5", "nzd"],
    ["12.", "nzd"],
  ];
  for (const [input, currency] of refused) {
    throws(() => toMinorUnits(input, currency), ValidationError, `${input} ${currency}`);
  }
});

Deno.test("minor units print back as the refund field expects them", () => {
  for (const [minor, currency, text] of [[1640, "nzd", "16.40"], [5, "nzd", "0.05"]] as const) {
    equal(toMajorUnits(minor, currency), text);
    equal(toMinorUnits(text, currency), minor);
  }
  equal(toMajorUnits(1200, "jpy"), "1200");
  equal(toMajorUnits(1234, "kwd"), "1.234");
});

Deno.test("the actions offered follow the order's state", () => {
  const expected: Record<OrderStatus, ActionName[]> = {
    pending: ["retry_session", "reconcile", "mark_paid", "cancel", "acknowledge"],
    failed: ["retry_session", "reconcile", "mark_paid", "cancel", "acknowledge"],
    expired: ["retry_session", "mark_paid", "cancel", "acknowledge"],
    // Cancelled means no money is coming: nothing is offered that would take some.
    cancelled: ["acknowledge"],
    paid: ["refund", "acknowledge"],
    fulfilled: ["refund", "acknowledge"],
  };
  for (const status of ORDER_STATUSES) {
    // The fixtures carry one open flag, hence "acknowledge" everywhere.
    assertEquals(
      [...availableActions(orderIn(status), [])].sort(),
      expected[status].sort(),
      status,
    );
  }
  // Refunds move the payment only: what is left can still be refunded, until nothing is.
  assertEquals([...availableActions(orderIn("paid", "partially_refunded"), [])].sort(), [
    "acknowledge",
    "refund",
  ]);
  const quiet = orderIn("fulfilled", "refunded");
  quiet.needsAttention = [];
  assertEquals([...availableActions(quiet, [])], []);
});

Deno.test("retry fulfilment is offered only for a failed, unheld, not already queued one", () => {
  const order = orderIn("paid");
  order.needsAttention = [];
  order.fulfillment = { status: "failed", attempts: 6, externalId: null, error: "503" };
  equal(availableActions(order, []).has("retry_fulfilment"), true);
  const queued = { kind: "fulfil", status: "pending" } as Task;
  equal(availableActions(order, [queued]).has("retry_fulfilment"), false);
  equal(availableActions(order, [{ ...queued, status: "done" }]).has("retry_fulfilment"), true);
  order.needsAttention = [{ reason: "amount_mismatch", at: "2026-11-22T00:00:00Z" }];
  equal(availableActions(order, []).has("retry_fulfilment"), false, "a hold comes first");
  order.needsAttention = [];
  order.payment.status = "refunded";
  equal(availableActions(order, []).has("retry_fulfilment"), false, "so does a full refund");
  const noIntent = orderIn("paid");
  noIntent.payment.paymentIntentId = null;
  equal(availableActions(noIntent, []).has("refund"), false, "a manual payment has no refund");
});

Deno.test("action forms are parsed strictly: a reason is required where one is asked", () => {
  const ok = (input: unknown) => ActionInputSchema.safeParse(input).success;
  equal(ok({ action: "refund", reason: "damaged in post" }), false, "a blank amount is not all");
  equal(ok({ action: "refund", amount: " ", reason: "damaged in post" }), false);
  equal(ok({ action: "refund", full: "yes", reason: "damaged in post" }), true);
  equal(ok({ action: "refund", full: true, reason: "damaged in post" }), true);
  equal(ok({ action: "refund", full: "yes", amount: "5.00", reason: "damaged" }), false);
  equal(ok({ action: "refund", amount: "5.00", reason: "damaged in post", _token: "t" }), true);
  equal(ok({ action: "refund", amount: "5.00" }), false);
  equal(ok({ action: "mark_paid", reason: "  " }), false);
  equal(ok({ action: "cancel", reason: "x".repeat(501) }), false);
  equal(ok({ action: "acknowledge", flag: "dispute", note: "called the bank" }), true);
  equal(ok({ action: "acknowledge", flag: "nonsense", note: "called the bank" }), false);
  equal(ok({ action: "delete_everything" }), false);
  equal(ok({}), false);
});
