/**
 * The admin and the background repairs for Razorpay orders, through the real app and the
 * embedded Razorpay emulator: refunds (full, partial, pending; never issued twice, not on a
 * repeated request nor after a crash between Razorpay's answer and the record),
 * reconciliation repairing a missed webhook, an abandoned popup's order expiring (its stock
 * back) only after Razorpay is asked, the ids in the payment panel and the search, and
 * cancel, mark paid and retry on Razorpay orders.
 */
import assert from "node:assert/strict";
import { cancel, createRetrySession, markPaid, refund } from "@/lib/admin/actions.ts";
import { listOrders } from "@/lib/admin/orders_list.ts";
import { getStock } from "@/lib/db/products.ts";
import type { HistoryEntry, Order } from "@/lib/orders/types.ts";
import type { RazorpayEmulatorOptions } from "@/lib/payments/razorpay/emulator/server.ts";
import { reconcile } from "@/lib/reconcile/run.ts";
import { createTestApp, eventually } from "../support/app.ts";
import { ADMIN_PASSWORD, API_TOKEN, getPage, signIn } from "../support/admin.ts";
import { NZ_DELIVERY, orderOf, stockedProducts } from "../support/shop.ts";

const MINUTE = 60_000;
const ADMIN = { actor: "admin" };

async function testApp(razorpayEmulator: Partial<RazorpayEmulatorOptions> = {}) {
  const app = await createTestApp({
    env: {
      PAYMENT_PROVIDERS: "stripe,razorpay",
      RAZORPAY_KEY_SECRET: "razorpay-test-key-secret",
      RAZORPAY_WEBHOOK_SECRET: "razorpay-test-webhook-secret",
      ADMIN_PASSWORD,
      ADMIN_API_TOKEN: API_TOKEN,
    },
    razorpayEmulator: { maxAttempts: 1, ...razorpayEmulator },
  });
  // Webhooks are missed on purpose: what these tests prove must hold without them.
  app.razorpayEmulator!.setWebhookUrl(undefined);
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

type App = Awaited<ReturnType<typeof testApp>>;

interface Created {
  providerOrderId: string;
  orderId: string;
  orderToken: string;
  amount: number;
}

/** A Razorpay order for `quantity` of a cheap product (shipping included), not paid yet. */
async function placed(app: App, quantity = 1) {
  const product = (await stockedProducts(app, 3)).find((p) => p.unitAmount < 8000)!;
  const res = await app.app.request("/api/payments/create-order", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      items: [{ productId: product.id, quantity }],
      customer: { email: "kim@example.com", name: "Kim Tan" },
      ...NZ_DELIVERY,
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return { product, created: await res.json() as Created };
}

/** Paid in the popup and verified by the shop: a paid Razorpay order. */
async function paidOrder(app: App): Promise<Order> {
  const { created } = await placed(app);
  const result = await app.razorpayEmulator!.pay(created.providerOrderId, "success");
  const res = await app.app.request("/api/payments/verify", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId: created.orderId, ...result.response }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const order = await orderOf(app, created.orderId);
  assert.equal(order.status, "paid");
  assert.ok(order.payment.paymentIntentId?.startsWith("pay_"));
  return order;
}

const refundsOf = (app: App, order: Order) =>
  app.razorpayEmulator!.refunds().filter((r) => r.payment_id === order.payment.paymentIntentId);

async function history(app: App, orderId: string): Promise<HistoryEntry[]> {
  const res = await app.app.request(`/api/admin/orders/${orderId}`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  return body.history as HistoryEntry[];
}

const refundFacts = async (app: App, orderId: string) =>
  (await history(app, orderId)).filter((h) =>
    h.fact?.kind === "refund_issued" && h.outcome.kind === "applied"
  );

async function refundApi(app: App, orderId: string, fields: Record<string, unknown>) {
  return await app.app.request(`/api/admin/orders/${orderId}/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ action: "refund", reason: "customer asked", ...fields }),
  });
}

/** The real store, except that the first commit `fail` picks after arming throws. */
function failingOnce(kv: Deno.Kv, fail: (values: unknown[]) => boolean) {
  let armed = true;
  return new Proxy(kv, {
    get(target, prop) {
      if (prop !== "atomic") {
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return () => {
        const op = target.atomic();
        const values: unknown[] = [];
        const proxy: Deno.AtomicOperation = new Proxy(op, {
          get(t, p) {
            if (p === "set") {
              return (key: Deno.KvKey, value: unknown, options?: { expireIn?: number }) => {
                values.push(value);
                t.set(key, value, options);
                return proxy;
              };
            }
            if (p === "commit") {
              return () => {
                if (armed && fail(values)) {
                  armed = false;
                  return Promise.reject(new Error("injected: the commit failed"));
                }
                return t.commit();
              };
            }
            const value = Reflect.get(t, p, t);
            if (typeof value !== "function") return value;
            return (...args: unknown[]) => {
              const out = value.apply(t, args);
              return out === t ? proxy : out;
            };
          },
        });
        return proxy;
      };
    },
  });
}

const recordsRefund = (values: unknown[]) =>
  values.some((v) => (v as HistoryEntry | null)?.fact?.kind === "refund_issued");

Deno.test("a full refund of a Razorpay order goes through Razorpay once, a repeat refunds nothing", async () => {
  await using app = await testApp();
  const order = await paidOrder(app);
  const res = await refundApi(app, order.id, { full: true });
  assert.equal(res.status, 200, await res.clone().text());
  const [made] = refundsOf(app, order);
  assert.equal(made.amount, order.total);
  assert.equal(made.status, "processed");
  const after = await orderOf(app, order.id);
  assert.equal(after.payment.refundedAmount, order.total);
  assert.deepEqual(after.payment.refunds?.map((r) => r.id), [made.id]);
  // The admin asks again: refused (nothing left), and Razorpay was not asked.
  const again = await refundApi(app, order.id, { full: true });
  assert.ok(again.status >= 400 && again.status < 500, `${again.status}`);
  assert.equal(refundsOf(app, order).length, 1);
  assert.equal((await refundFacts(app, order.id)).length, 1);
});

Deno.test("partial refunds add up to the total and no more", async () => {
  await using app = await testApp();
  const order = await paidOrder(app);
  const first = await refund(app.deps, order.id, { amount: 500, reason: "one broken" }, ADMIN);
  assert.equal(first.refund.amount, 500);
  const rest = order.total - 500;
  const second = await refund(app.deps, order.id, { amount: "all", reason: "all broken" }, ADMIN);
  assert.equal(second.refund.amount, rest);
  assert.deepEqual(
    refundsOf(app, order).map((r) => r.amount).sort((a, b) => a - b),
    [
      500,
      rest,
    ].sort((a, b) => a - b),
  );
  const after = await orderOf(app, order.id);
  assert.equal(after.payment.refundedAmount, order.total);
  assert.equal(after.payment.status, "refunded");
  await assert.rejects(() => refund(app.deps, order.id, { amount: 1, reason: "more?" }, ADMIN));
  assert.equal(refundsOf(app, order).length, 2);
});

Deno.test("a crash between Razorpay's refund and its record, then the admin's retry: one refund, recorded once", async () => {
  await using app = await testApp();
  const order = await paidOrder(app);
  const kv = app.deps.kv;
  app.deps.kv = failingOnce(kv, recordsRefund);
  await assert.rejects(
    () => refund(app.deps, order.id, { amount: 700, reason: "damaged" }, ADMIN),
    /injected/,
  );
  assert.equal(refundsOf(app, order).length, 1, "Razorpay made the refund");
  assert.equal((await orderOf(app, order.id)).payment.refundedAmount, 0, "not recorded");
  const retried = await refund(app.deps, order.id, { amount: 700, reason: "damaged" }, ADMIN);
  const made = refundsOf(app, order);
  assert.equal(made.length, 1, "the retry got the same refund back");
  assert.equal(retried.refund.id, made[0].id);
  const after = await orderOf(app, order.id);
  assert.equal(after.payment.refundedAmount, 700);
  assert.deepEqual(after.payment.refunds?.map((r) => r.id), [made[0].id]);
  // And once more through the admin API, as a double-click would: still one.
  app.deps.kv = kv;
  const api = await refundApi(app, order.id, { amount: "7.00" });
  assert.equal(api.status, 200, await api.clone().text());
  assert.equal((await refundFacts(app, order.id)).length, 2);
  assert.equal(refundsOf(app, order).length, 2, "a second, deliberate refund is a new one");
});

Deno.test("a pending Razorpay refund is recorded now, by its refund id", async () => {
  await using app = await testApp({ refundOutcome: "pending" });
  const order = await paidOrder(app);
  const done = await refund(app.deps, order.id, { amount: "all", reason: "returned" }, ADMIN);
  const [made] = refundsOf(app, order);
  assert.equal(made.status, "pending");
  assert.equal(done.refund.id, made.id);
  const after = await orderOf(app, order.id);
  assert.equal(after.payment.refundedAmount, order.total);
  assert.deepEqual(after.payment.refunds?.map((r) => r.id), [made.id]);
});

Deno.test("reconciliation repairs a missed webhook: a captured Razorpay payment is paid, once", async () => {
  await using app = await testApp();
  const { created } = await placed(app);
  await app.razorpayEmulator!.pay(created.providerOrderId, "success");
  assert.equal((await orderOf(app, created.orderId)).status, "pending", "no webhook came");
  const now = new Date(Date.now() + 20 * MINUTE);
  const run = await reconcile(app.deps, { olderThanMinutes: 0, now });
  assert.ok(run.ran);
  assert.equal(run.summary.paid, 1);
  assert.equal(run.summary.errors, 0, JSON.stringify(run.summary.failures));
  const order = await orderOf(app, created.orderId);
  assert.equal(order.status, "paid");
  assert.equal(order.payment.amountReceived, created.amount);
  const again = await reconcile(app.deps, { olderThanMinutes: 0, now });
  assert.ok(again.ran);
  assert.equal(again.summary.paid, 0);
  const applied = (await history(app, created.orderId)).filter((h) =>
    h.fact?.kind === "payment_succeeded" && h.outcome.kind === "applied"
  );
  assert.equal(applied.length, 1, "paid once");
  const payments = (await orderOf(app, created.orderId)).payment;
  assert.equal(payments.paidIntentIds.length, 1);
});

Deno.test("reconciliation captures an authorized Razorpay payment, and records a failed one", async () => {
  await using app = await testApp({ autoCapture: false });
  const { created } = await placed(app);
  const result = await app.razorpayEmulator!.pay(created.providerOrderId, "success");
  const now = new Date(Date.now() + 20 * MINUTE);
  const run = await reconcile(app.deps, { olderThanMinutes: 0, now });
  assert.ok(run.ran && run.summary.paid === 1, JSON.stringify(run));
  const payment = app.razorpayEmulator!.payments().find((p) => p.id === result.payment.id)!;
  assert.equal(payment.status, "captured");
  assert.equal((await orderOf(app, created.orderId)).status, "paid");

  const other = await placed(app);
  await app.razorpayEmulator!.pay(other.created.providerOrderId, "decline");
  await reconcile(app.deps, { olderThanMinutes: 0, now: new Date(Date.now() + MINUTE) });
  assert.equal((await orderOf(app, other.created.orderId)).status, "failed");
});

Deno.test("an abandoned Razorpay order expires at its window's end and gives its stock back", async () => {
  await using app = await testApp();
  const { product, created } = await placed(app, 2);
  const before = (await getStock(app.kv, [product.id])).get(product.id)!;
  const windowMs = app.deps.config.checkoutExpiresMinutes * MINUTE;
  // Not before the window's end.
  const early = await reconcile(app.deps, {
    olderThanMinutes: 0,
    now: new Date(Date.now() + windowMs - MINUTE),
  });
  assert.ok(early.ran && early.summary.expired === 0);
  assert.equal((await orderOf(app, created.orderId)).status, "pending");
  const run = await reconcile(app.deps, {
    olderThanMinutes: 0,
    now: new Date(Date.now() + windowMs + 1000),
  });
  assert.ok(run.ran && run.summary.expired === 1, JSON.stringify(run));
  assert.equal((await orderOf(app, created.orderId)).status, "expired");
  await eventually(async () => (await orderOf(app, created.orderId)).stock === "released");
  const after = (await getStock(app.kv, [product.id])).get(product.id)!;
  assert.equal(after, before + 2);
});

Deno.test("at the window's end Razorpay is asked first: money there means paid, a UPI still pending means wait", async () => {
  await using app = await testApp();
  const windowEnd = () =>
    new Date(Date.now() + app.deps.config.checkoutExpiresMinutes * MINUTE + 1000);
  const paidLate = await placed(app);
  await app.razorpayEmulator!.pay(paidLate.created.providerOrderId, "success");
  const pending = await placed(app);
  const upi = await app.razorpayEmulator!.pay(pending.created.providerOrderId, "pending");
  const run = await reconcile(app.deps, { olderThanMinutes: 0, now: windowEnd() });
  assert.ok(run.ran && run.summary.paid === 1 && run.summary.expired === 0, JSON.stringify(run));
  assert.equal((await orderOf(app, paidLate.created.orderId)).status, "paid");
  assert.equal((await orderOf(app, pending.created.orderId)).status, "pending");
  app.razorpayEmulator!.settle(upi.payment.id, "approved");
  await reconcile(app.deps, { olderThanMinutes: 0, now: windowEnd() });
  assert.equal((await orderOf(app, pending.created.orderId)).status, "paid");
});

Deno.test("the admin shows a Razorpay order's ids and finds it by order_, pay_ and rfnd_ ids", async () => {
  await using app = await testApp();
  const order = await paidOrder(app);
  const done = await refund(app.deps, order.id, { amount: 300, reason: "goodwill" }, ADMIN);
  const cookie = await signIn(app);
  const html = await (await getPage(app, cookie, `/admin/orders/${order.id}`)).text();
  assert.match(html, /razorpay/i);
  assert.ok(html.includes(order.payment.sessionId!), "the order_ id");
  assert.ok(html.includes(order.payment.paymentIntentId!), "the pay_ id");
  assert.ok(html.includes(done.refund.id), "the rfnd_ id");
  for (const q of [order.payment.sessionId!, order.payment.paymentIntentId!, done.refund.id]) {
    const page = await listOrders(app.kv, { q }, "stripe");
    assert.deepEqual(page.orders.map((o) => o.id), [order.id], q);
  }
  const list = await (await getPage(app, cookie, `/admin?q=${done.refund.id}`)).text();
  assert.ok(list.includes(order.number));
  assert.deepEqual((await listOrders(app.kv, { q: "order_Nope0000000000" })).orders, []);
});

Deno.test("cancelling a Razorpay order asks Razorpay first: paid there means refused, else cancelled", async () => {
  await using app = await testApp();
  const { created } = await placed(app);
  await app.razorpayEmulator!.pay(created.providerOrderId, "success");
  await assert.rejects(
    () => cancel(app.deps, created.orderId, "customer changed mind", ADMIN),
    (err: Error & { code?: string }) => err.code === "order_paid",
  );
  assert.equal((await orderOf(app, created.orderId)).status, "paid", "the payment recorded");

  const pending = await placed(app);
  const upi = await app.razorpayEmulator!.pay(pending.created.providerOrderId, "pending");
  await assert.rejects(
    () => cancel(app.deps, pending.created.orderId, "customer changed mind", ADMIN),
    (err: Error & { code?: string }) =>
      err.code === "session_not_closed" || err.code === "payment_processing",
  );
  app.razorpayEmulator!.settle(upi.payment.id, "rejected");
  const done = await cancel(app.deps, pending.created.orderId, "customer changed mind", ADMIN);
  assert.equal(done.order.status, "cancelled");

  const quiet = await placed(app);
  assert.equal(
    (await cancel(app.deps, quiet.created.orderId, "never paid", ADMIN)).order.status,
    "cancelled",
  );
});

Deno.test("mark paid and retry payment work on Razorpay orders", async () => {
  await using app = await testApp();
  const { created } = await placed(app);
  const retried = await createRetrySession(app.deps, created.orderId, ADMIN);
  assert.ok(retried.id.startsWith("order_"));
  assert.notEqual(retried.id, created.providerOrderId, "a new Razorpay order");
  assert.ok(retried.url?.includes(`/orders/${created.orderId}?token=`));
  const order = await orderOf(app, created.orderId);
  assert.equal(order.payment.sessionId, retried.id);
  assert.equal(order.payment.sessionIds.length, 2);

  const marked = await markPaid(app.deps, created.orderId, "paid at the counter", ADMIN);
  assert.equal(marked.order.status, "paid");

  // A payment that came on the first Razorpay order meanwhile is found, not overwritten.
  const other = await placed(app);
  await app.razorpayEmulator!.pay(other.created.providerOrderId, "success");
  await createRetrySession(app.deps, other.created.orderId, ADMIN).catch(() => {});
  await assert.rejects(() => markPaid(app.deps, other.created.orderId, "cash", ADMIN));
  assert.equal((await orderOf(app, other.created.orderId)).status, "paid");
});
