/**
 * Admin actions through the order page's forms, on orders put in each state by the Stripe
 * emulator and signed webhooks: each works where the state allows it, is audited, cannot
 * happen twice, and is refused with the service's message where it does not. Refunds and
 * cancels post as their confirm step does (`confirmed=yes`; the step has its own tests in
 * admin_confirm_test.ts).
 */
import { deepStrictEqual as assertEquals, equal, match, ok } from "node:assert/strict";
import { listHistory } from "@/lib/db/orders.ts";
import { getStock } from "@/lib/db/products.ts";
import { formatMoney } from "@/lib/orders/money.ts";
import { stripeSession } from "@/lib/payments/stripe_fixtures.ts";
import { latestReconcile, reconcile } from "@/lib/reconcile/run.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { eventually, type TestApp } from "../support/app.ts";
import {
  act,
  adminApp,
  followFlash,
  getPage,
  postForm,
  signIn,
  tokenFrom,
} from "../support/admin.ts";
import { type Checkout, checkoutOk, orderOf, postEvent, stockedProducts } from "../support/shop.ts";

const CARD = "4242424242424242";
const DECLINE = "4000000000000002";

async function placed(app: TestApp, quantity = 1): Promise<Checkout & { productId: string }> {
  const [product] = await stockedProducts(app, quantity + 1);
  const s = await checkoutOk(app, { items: [{ productId: product.id, quantity }] });
  return { ...s, productId: product.id };
}

async function paid(app: TestApp): Promise<Checkout & { productId: string }> {
  const s = await placed(app);
  app.emulator!.pay(s.id, CARD);
  await eventually(async () => (await orderOf(app, s.orderId)).payment.paymentIntentId);
  return s;
}

/** The page's actions, as the forms it offers. */
/**
 * The order actions the page offers. Resending an e-mail appears once the receipt task has
 * run, whenever the worker gets to it: it has its own tests (admin_customers_test.ts).
 */
async function offered(app: TestApp, cookie: string, orderId: string): Promise<string[]> {
  const html = await (await getPage(app, cookie, `/admin/orders/${orderId}`)).text();
  const actions = [...html.matchAll(/data-action="([a-z_]+)"/g)].map((m) => m[1]);
  return [...new Set(actions)].filter((a) => a !== "resend_email").sort();
}

async function adminEntries(app: TestApp, orderId: string) {
  return (await listHistory(app.kv, orderId)).filter((h) => h.source.kind === "admin");
}

/** A refused action answers 303 to the order page, whose next view says why. */
async function refused(app: TestApp, cookie: string, res: Response, message: RegExp) {
  equal(res.status, 303, await res.text());
  const page = await followFlash(app, cookie, res);
  match(page, /Not done/);
  match(page, message);
}

/** The fields the confirm step posts for a refund or cancel. */
const confirmed = (fields: Record<string, string>) => ({ ...fields, confirmed: "yes" });

Deno.test("retry session: a link for a declined order, refused once it is paid", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const s = await placed(app);
  app.emulator!.pay(s.id, DECLINE);
  await eventually(async () => (await orderOf(app, s.orderId)).status === "failed");
  ok((await offered(app, cookie, s.orderId)).includes("retry_session"));

  const res = await act(app, cookie, s.orderId, { action: "retry_session" });
  equal(res.status, 303);
  const page = await followFlash(app, cookie, res);
  match(page, /Send this link to the customer/);
  const url = /data-retry-url[^>]*value="([^"]+)"|value="([^"]+)"[^>]*data-retry-url/.exec(page);
  const link = (url?.[1] ?? url?.[2])!.replaceAll("&amp;", "&");
  ok(link.startsWith(app.emulator!.url), link);
  const order = await orderOf(app, s.orderId);
  equal(order.payment.sessionIds.length, 2);
  ok(link.includes(order.payment.sessionId!), "the link is the new session's");
  assertEquals((await adminEntries(app, s.orderId)).map((h) => h.source), [
    { kind: "admin", actor: "admin", reason: "retry session" },
  ]);

  app.emulator!.pay(order.payment.sessionId!, CARD);
  await eventually(async () => (await orderOf(app, s.orderId)).status === "paid");
  ok(!(await offered(app, cookie, s.orderId)).includes("retry_session"));
  await refused(
    app,
    cookie,
    await act(app, cookie, s.orderId, { action: "retry_session" }),
    /already paid/,
  );
});

Deno.test("reconcile records a payment whose webhooks were dropped", async () => {
  await using app = await adminApp({ emulator: { dropRate: 1 } });
  const cookie = await signIn(app);
  const s = await placed(app);
  app.emulator!.pay(s.id, CARD);
  await app.emulator!.idle();
  equal((await orderOf(app, s.orderId)).status, "pending");
  const res = await act(app, cookie, s.orderId, { action: "reconcile" });
  equal(res.status, 303);
  match(await followFlash(app, cookie, res), /the order is now paid/);
  equal((await orderOf(app, s.orderId)).status, "paid");
  const payment = (await listHistory(app.kv, s.orderId)).find((h) =>
    h.fact?.kind === "payment_succeeded"
  );
  assertEquals(payment?.source, { kind: "admin", actor: "admin", reason: "reconcile" });

  const run = await reconcile(app.deps, { olderThanMinutes: 0 });
  ok(run.ran);
  const list = await (await getPage(app, cookie, "/admin")).text();
  ok(list.includes("data-reconcile"), "the list shows the latest run");
  equal((await latestReconcile(app.kv))?.runId, run.summary.runId);
});

Deno.test("mark paid: a reason is required, it works once, then it is refused", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const s = await placed(app);
  const missing = await act(app, cookie, s.orderId, { action: "mark_paid", reason: "" });
  await refused(app, cookie, missing, /reason: say why/);
  const res = await act(app, cookie, s.orderId, {
    action: "mark_paid",
    reason: "Bank transfer ref 8812",
  });
  equal(res.status, 303);
  match(await followFlash(app, cookie, res), /Marked paid/);
  const order = await orderOf(app, s.orderId);
  assertEquals([order.status, order.payment.amountReceived], ["paid", order.total]);
  ok(order.needsAttention.some((a) => a.reason === "manual_payment"));
  const [entry] = await adminEntries(app, s.orderId);
  assertEquals(entry.source, { kind: "admin", actor: "admin", reason: "Bank transfer ref 8812" });
  equal(entry.fact?.kind, "manually_paid");
  ok(!(await offered(app, cookie, s.orderId)).includes("mark_paid"));
  await refused(
    app,
    cookie,
    await act(app, cookie, s.orderId, { action: "mark_paid", reason: "again, by mistake" }),
    /Not marked paid: the order is already paid \(\$[\d,]+\.\d\d received\)/,
  );
  equal((await adminEntries(app, s.orderId)).length, 1, "the refusal wrote nothing");
});

Deno.test("refund: partial, then too much is refused, then the rest; a resubmit does nothing", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const s = await paid(app);
  const total = (await orderOf(app, s.orderId)).total;
  assertEquals(await offered(app, cookie, s.orderId), ["refund"]);
  const path = `/admin/orders/${s.orderId}`;
  const _token = await tokenFrom(app, cookie, path);
  const form = confirmed({
    _token,
    action: "refund",
    amount: "2.50",
    reason: "Scuffed on arrival",
  });
  const res = await postForm(app, cookie, path, form);
  equal(res.status, 303);
  match(await followFlash(app, cookie, res), /Refunded \$2\.50\./);
  let order = await orderOf(app, s.orderId);
  assertEquals(
    [order.status, order.payment.status, order.payment.refundedAmount],
    ["paid", "partially_refunded", 250],
  );

  const replay = await postForm(app, cookie, path, form);
  equal(replay.status, 409);
  await replay.body?.cancel();
  await refused(
    app,
    cookie,
    await act(
      app,
      cookie,
      s.orderId,
      confirmed({ action: "refund", amount: "1.234", reason: "typo" }),
    ),
    /2 decimal places/,
  );
  const tooMuch = (total / 100).toFixed(2);
  await refused(
    app,
    cookie,
    await act(
      app,
      cookie,
      s.orderId,
      confirmed({ action: "refund", amount: tooMuch, reason: "all of it" }),
    ),
    new RegExp(`At most \\${formatMoney(total - 250, order.currency)} can still be refunded`),
  );
  equal((await orderOf(app, s.orderId)).payment.refundedAmount, 250, "nothing more went back");

  const rest = await act(
    app,
    cookie,
    s.orderId,
    confirmed({ action: "refund", full: "yes", reason: "Order lost" }),
  );
  equal(rest.status, 303);
  await app.emulator!.idle();
  order = await orderOf(app, s.orderId);
  assertEquals(
    [order.status, order.payment.status, order.payment.refundedAmount],
    ["paid", "refunded", total],
  );
  assertEquals(
    (await adminEntries(app, s.orderId)).map((h) => [h.source, h.outcome.kind]),
    [
      [{ kind: "admin", actor: "admin", reason: "Scuffed on arrival" }, "applied"],
      [{ kind: "admin", actor: "admin", reason: "Order lost" }, "applied"],
    ],
  );
  await refused(
    app,
    cookie,
    await act(app, cookie, s.orderId, confirmed({ action: "refund", full: "yes", reason: "more" })),
    /Nothing is left to refund/,
  );
});

Deno.test("cancel: an unpaid order closes and its stock comes back; a paid one is refused", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const [product] = await stockedProducts(app, 3);
  const before = (await getStock(app.kv, [product.id])).get(product.id)!;
  const s = await checkoutOk(app, { items: [{ productId: product.id, quantity: 2 }] });
  equal((await getStock(app.kv, [product.id])).get(product.id), before - 2);
  ok((await offered(app, cookie, s.orderId)).includes("cancel"));

  const res = await act(
    app,
    cookie,
    s.orderId,
    confirmed({ action: "cancel", reason: "Customer asked" }),
  );
  equal(res.status, 303);
  match(await followFlash(app, cookie, res), /Cancelled/);
  equal((await orderOf(app, s.orderId)).status, "cancelled");
  equal(app.emulator!.sessions().find((x) => x.id === s.id)?.status, "expired");
  await eventually(async () => (await getStock(app.kv, [product.id])).get(product.id) === before);
  const again = await act(
    app,
    cookie,
    s.orderId,
    confirmed({ action: "cancel", reason: "double click" }),
  );
  equal(again.status, 303, "cancelling a cancelled order is a quiet no-op");
  const cancels = (await listHistory(app.kv, s.orderId)).filter((h) =>
    h.fact?.kind === "cancelled"
  );
  equal(cancels.length, 1);

  const p = await paid(app);
  ok(!(await offered(app, cookie, p.orderId)).includes("cancel"));
  await refused(
    app,
    cookie,
    await act(app, cookie, p.orderId, confirmed({ action: "cancel", reason: "too late" })),
    /A paid order cannot be cancelled: refund it/,
  );
});

Deno.test("acknowledge: the flag goes, with a note in the history and the count", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const s = await placed(app);
  const total = (await orderOf(app, s.orderId)).total;
  await postEvent(
    app,
    "checkout.session.completed",
    stripeSession({
      id: s.id,
      amount_total: total - 1,
      amount_subtotal: total - 1,
      metadata: { order_id: s.orderId },
      payment_intent: `pi_test_${s.orderId}`,
    }),
  );
  const flagged = await orderOf(app, s.orderId);
  assertEquals(flagged.needsAttention.map((a) => a.reason), ["amount_mismatch"]);
  match(await (await getPage(app, cookie, "/admin")).text(), /data-attention-count="1"/);

  const noNote = await act(app, cookie, s.orderId, {
    action: "acknowledge",
    flag: "amount_mismatch",
    note: "",
  });
  await refused(app, cookie, noNote, /note: say why/);
  const res = await act(app, cookie, s.orderId, {
    action: "acknowledge",
    flag: "amount_mismatch",
    note: "Customer paid 1c short; accepted",
  });
  equal(res.status, 303);
  const page = await followFlash(app, cookie, res);
  match(page, /Flag acknowledged/);
  match(page, /data-attention-count="0"/);
  equal((await orderOf(app, s.orderId)).needsAttention.length, 0);
  const [entry] = await adminEntries(app, s.orderId);
  assertEquals(entry.fact, {
    kind: "attention_acknowledged",
    reason: "amount_mismatch",
    note: "Customer paid 1c short; accepted",
  });
  await refused(
    app,
    cookie,
    await act(app, cookie, s.orderId, {
      action: "acknowledge",
      flag: "amount_mismatch",
      note: "again",
    }),
    /state does not allow it/,
  );
});

Deno.test("retry fulfilment: queued again for a failed one, refused for an unpaid one", async () => {
  await using app = await adminApp({
    env: {
      FULFILLMENT_ADAPTER: "demo",
      FULFILLMENT_DEMO_FAIL: "always",
      FULFILLMENT_MAX_ATTEMPTS: "1",
    },
  });
  const cookie = await signIn(app);
  const s = await paid(app);
  await eventually(async () => (await orderOf(app, s.orderId)).fulfillment.status === "failed");
  await eventually(async () =>
    (await listOrderTasks(app.kv, s.orderId)).every((t) => t.status !== "pending")
  );
  ok((await offered(app, cookie, s.orderId)).includes("retry_fulfilment"));
  const res = await act(app, cookie, s.orderId, { action: "retry_fulfilment" });
  equal(res.status, 303);
  match(await followFlash(app, cookie, res), /Fulfilment queued again/);
  const [entry] = await adminEntries(app, s.orderId);
  assertEquals(entry.source, { kind: "admin", actor: "admin", reason: "retry fulfilment" });
  const fulfils = (await listOrderTasks(app.kv, s.orderId)).filter((t) => t.kind === "fulfil");
  equal(fulfils.length, 2);

  const unpaid = await placed(app);
  await refused(
    app,
    cookie,
    await act(app, cookie, unpaid.orderId, { action: "retry_fulfilment" }),
    /only paid orders are fulfilled/,
  );
});

Deno.test("an unknown order is a 404 for its page and its actions", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const page = await getPage(app, cookie, "/admin/orders/01NOSUCHORDER0000000000000");
  equal(page.status, 404);
  const _token = await tokenFrom(app, cookie);
  const res = await postForm(app, cookie, "/admin/orders/01NOSUCHORDER0000000000000", {
    _token,
    action: "cancel",
    reason: "no such order",
    confirmed: "yes",
  });
  equal(res.status, 404);
});
