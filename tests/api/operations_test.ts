/**
 * Operations end to end on a real Settle (KV :memory:, the Stripe emulator, the background
 * outbox worker): fulfilment with retries and a final failure, receipts once, Slack alerts,
 * and reconciliation repairing what webhooks never said.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { keys } from "@/lib/db/keys.ts";
import { FulfilmentRetryRefused, retryFulfilment } from "@/lib/fulfilment/retry.ts";
import { verifySignature } from "@/lib/fulfilment/signature.ts";
import type { SlackMessage } from "@/lib/notify/alerts.ts";
import { startTestReceiver } from "@/lib/notify/test_receiver.ts";
import { takeLease } from "@/lib/reconcile/lease.ts";
import { latestReconcile, reconcile } from "@/lib/reconcile/run.ts";
import { BANK_DEBIT } from "@/lib/payments/emulator/server.ts";
import { listHistory, writeNewOrder } from "@/lib/db/orders.ts";
import { newOrder } from "@/lib/orders/order.ts";
import { ulid } from "ulid";
import { getStock, listProducts } from "@/lib/db/products.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { createTestApp, eventually, type TestApp, type TestAppOptions } from "../support/app.ts";
import { type Checkout, checkoutOk, orderOf, outcomes } from "../support/shop.ts";

const CARD = "4242424242424242";
const SUPPLIER_SECRET = "supplier-secret-for-tests";

async function testApp(options: TestAppOptions = {}) {
  const app = await createTestApp(options);
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

/** An active demo product with stock to spare, and how many are on the shelf. */
async function stocked(app: TestApp): Promise<{ id: string; stock: number }> {
  const products = await listProducts(app.kv);
  const stock = await getStock(app.kv, products.map((p) => p.id));
  const id = products.find((p) => (stock.get(p.id) ?? 0) >= 4)!.id;
  return { id, stock: stock.get(id)! };
}

async function placed(app: TestApp, metadata?: Record<string, string>): Promise<Checkout> {
  const { id } = await stocked(app);
  return await checkoutOk(app, { items: [{ productId: id, quantity: 1 }], metadata });
}

const allTasksDone = (app: TestApp, orderId: string) =>
  eventually(async () => {
    const tasks = await listOrderTasks(app.kv, orderId);
    return tasks.length > 0 && tasks.every((t) => t.status !== "pending") ? tasks : null;
  }, { timeoutMs: 10_000 });

const factKinds = async (app: TestApp, orderId: string) =>
  (await listHistory(app.kv, orderId)).map((h) => h.fact?.kind);

Deno.test("a paid order is fulfilled and its receipt e-mailed once", async () => {
  await using mail = startTestReceiver();
  await using app = await testApp({
    env: {
      FULFILLMENT_ADAPTER: "demo",
      MAIL_API_URL: `${mail.url}/emails`,
      MAIL_API_KEY: "key_1",
      MAIL_FROM: "shop@example.com",
    },
  });
  const s = await placed(app, { email: "kiri@example.nz" });
  app.emulator!.pay(s.id, CARD);
  const order = await eventually(async () => {
    const o = await orderOf(app, s.orderId);
    return o.status === "fulfilled" ? o : null;
  });
  assertEquals(order.fulfillment, {
    status: "success",
    attempts: 1,
    externalId: `demo_${s.orderId.toLowerCase()}`,
    error: null,
  });
  const kinds = await factKinds(app, s.orderId);
  const at = (kind: string) => kinds.indexOf(kind as never);
  ok(
    at("stock_committed") < at("fulfillment_started") &&
      at("fulfillment_started") < at("fulfillment_succeeded"),
    kinds.join(),
  );
  const tasks = await allTasksDone(app, s.orderId);
  assertEquals(tasks.map((t) => t.kind).sort(), [
    "apply_kept_events",
    "commit_stock",
    "fulfil",
    "lapse_checkout",
    "send_receipt",
    "send_shipped_notice",
  ]);
  // The receipt and, once fulfilled, the shipped notice.
  assertEquals(mail.requests.length, 2);
  const email = mail.requests.find((r) => r.headers.get("idempotency-key")?.startsWith("receipt:"))!
    .json as Record<string, string>;
  assertEquals([email.from, email.to], ["shop@example.com", "kiri@example.nz"]);
  ok(email.subject.includes(s.orderNumber), email.subject);
});

Deno.test("a refused fulfilment is retried with backoff and then ships", async () => {
  await using app = await testApp({
    env: { FULFILLMENT_ADAPTER: "demo", FULFILLMENT_DEMO_FAIL: "once", TASK_RETRY_BASE_MS: "5" },
  });
  const s = await placed(app);
  app.emulator!.pay(s.id, CARD);
  const order = await eventually(async () => {
    const o = await orderOf(app, s.orderId);
    return o.status === "fulfilled" ? o : null;
  }, { timeoutMs: 10_000 });
  assertEquals([order.fulfillment.status, order.fulfillment.attempts], ["success", 2]);
  assertEquals(order.needsAttention, []);
  const history = await listHistory(app.kv, s.orderId);
  const failed = history.find((h) => h.fact?.kind === "fulfillment_failed");
  assertEquals(failed?.fact, {
    kind: "fulfillment_failed",
    error: "demo supplier refused the order",
    final: false,
  });
  const [fulfil] = (await listOrderTasks(app.kv, s.orderId)).filter((t) => t.kind === "fulfil");
  assertEquals([fulfil.status, fulfil.attempts], ["done", 2]);
});

Deno.test("the last failed attempt flags the order and alerts Slack; an admin retry ships it", async () => {
  await using supplier = startTestReceiver(() => new Response("warehouse closed", { status: 503 }));
  await using slack = startTestReceiver(() => new Response("ok"));
  await using app = await testApp({
    env: {
      FULFILLMENT_URL: `${supplier.url}/orders`,
      FULFILLMENT_SECRET: SUPPLIER_SECRET,
      FULFILLMENT_MAX_ATTEMPTS: "2",
      TASK_RETRY_BASE_MS: "5",
      SLACK_WEBHOOK_URL: `${slack.url}/hook`,
      PUBLIC_ORIGIN: "https://shop.example",
    },
  });
  const s = await placed(app);
  app.emulator!.pay(s.id, CARD);
  await eventually(() => slack.requests.length > 0, { timeoutMs: 10_000 });
  const order = await orderOf(app, s.orderId);
  assertEquals([order.status, order.fulfillment.status], ["paid", "failed"]);
  assertEquals(order.needsAttention.map((a) => [a.reason, a.detail]), [
    ["fulfillment_failed", "supplier answered 503: warehouse closed"],
  ]);
  assertEquals(supplier.requests.length, 2);
  for (const req of supplier.requests) {
    assertEquals(req.headers.get("idempotency-key"), s.orderId);
    ok(await verifySignature(SUPPLIER_SECRET, req.headers.get("x-settle-signature"), req.body));
  }
  const alert = slack.requests[0].json as SlackMessage;
  const link = `https://shop.example/admin/orders/${s.orderId}`;
  ok(alert.text.includes(s.orderNumber), alert.text);
  ok(alert.text.includes("Paid, but fulfilment failed (supplier answered 503"), alert.text);
  ok(JSON.stringify(alert.blocks).includes(`<${link}|`), JSON.stringify(alert.blocks));

  const publicView = await (await app.app.request(`/api/orders/by-session/${s.id}`)).json();
  assertEquals(publicView.status, "paid");
  ok(!JSON.stringify(publicView).includes("warehouse"), "supplier errors stay inside");

  supplier.respond = () => Response.json({ externalId: "ship_1" });
  await retryFulfilment(app.deps, s.orderId, "alice");
  const shipped = await eventually(async () => {
    const o = await orderOf(app, s.orderId);
    return o.status === "fulfilled" ? o : null;
  });
  assertEquals([shipped.fulfillment.externalId, shipped.needsAttention], ["ship_1", []]);
  const admin = (await listHistory(app.kv, s.orderId)).find((h) => h.source.kind === "admin");
  assertEquals(admin?.source, { kind: "admin", actor: "alice", reason: "retry fulfilment" });
  await rejects(retryFulfilment(app.deps, s.orderId, "alice"), FulfilmentRetryRefused);
  assertEquals(slack.requests.length, 1, "no alert for the retry that shipped");
});

Deno.test("one receipt per payment when every event arrives twice, by two event types", async () => {
  await using mail = startTestReceiver();
  await using app = await testApp({
    env: { MAIL_API_URL: mail.url, MAIL_FROM: "shop@example.com" },
    emulator: { duplicateRate: 1 },
  });
  const s = await placed(app, { email: "kiri@example.nz" });
  app.emulator!.pay(s.id, CARD);
  await app.emulator!.idle();
  await allTasksDone(app, s.orderId);
  const delivered = app.emulator!.deliveries().filter((d) => d.outcome === "delivered");
  const count = (type: string) => delivered.filter((d) => d.type === type).length;
  assertEquals(
    [count("checkout.session.completed"), count("payment_intent.succeeded")],
    [2, 2],
    JSON.stringify(app.emulator!.deliveries()),
  );
  const history = await outcomes(app, s.orderId);
  assertEquals(history.filter((h) => h === "payment_succeeded:applied").length, 1, history.join());
  assertEquals(mail.requests.length, 1, JSON.stringify(await listOrderTasks(app.kv, s.orderId)));
  const receipt = (await app.kv.list({ prefix: ["receipts_sent", s.orderId] }).next()).value;
  assertEquals((receipt?.value as { status: string }).status, "sent");
});

Deno.test("reconciliation records a payment whose webhooks were all dropped", async () => {
  await using app = await testApp({
    env: { FULFILLMENT_ADAPTER: "demo" },
    emulator: { dropRate: 1 },
  });
  const s = await placed(app);
  app.emulator!.pay(s.id, CARD);
  await app.emulator!.idle();
  assertEquals((await orderOf(app, s.orderId)).status, "pending");
  const result = await reconcile(app.deps, { olderThanMinutes: 0 });
  ok(result.ran);
  assertEquals(
    [result.summary.checked, result.summary.paid, result.summary.expired, result.summary.errors],
    [1, 1, 0, 0],
  );
  assertEquals(await latestReconcile(app.kv), result.summary);
  const run = await app.kv.get(keys.reconcileRun(result.summary.runId));
  assertEquals(run.value, result.summary);
  const order = await eventually(async () => {
    const o = await orderOf(app, s.orderId);
    return o.status === "fulfilled" ? o : null;
  });
  assertEquals(order.payment.amountReceived, order.total);
  const paid = (await listHistory(app.kv, s.orderId)).find((h) =>
    h.fact?.kind === "payment_succeeded"
  );
  assertEquals(paid?.source, { kind: "reconcile" });
  const again = await reconcile(app.deps, { olderThanMinutes: 0 });
  ok(again.ran);
  assertEquals(again.summary.checked, 0, "a paid order is no longer a candidate");
});

Deno.test("reconciliation expires an order whose expiry nobody heard of, and frees its stock", async () => {
  await using app = await testApp({ emulator: { dropRate: 1 } });
  const product = await stocked(app);
  const s = await checkoutOk(app, { items: [{ productId: product.id, quantity: 2 }] });
  app.emulator!.expireNow(s.id);
  await app.emulator!.idle();
  assertEquals((await orderOf(app, s.orderId)).status, "pending");
  const result = await reconcile(app.deps, { olderThanMinutes: 0 });
  ok(result.ran);
  assertEquals([result.summary.expired, result.summary.paid], [1, 0]);
  await eventually(async () => (await orderOf(app, s.orderId)).stock === "released");
  assertEquals((await getStock(app.kv, [product.id])).get(product.id), product.stock);
  assertEquals((await orderOf(app, s.orderId)).status, "expired");
});

Deno.test("reconciliation closes a session still open past its expiry; leaves a settling debit", async () => {
  await using app = await testApp({ emulator: { dropRate: 1 } });
  const open = await placed(app);
  const settling = await placed(app);
  app.emulator!.pay(settling.id, BANK_DEBIT.succeeds);
  await app.emulator!.idle();
  const later = new Date(Date.now() + 3 * 60 * 60_000);
  const result = await reconcile(app.deps, { olderThanMinutes: 0, now: later });
  ok(result.ran);
  assertEquals(
    [result.summary.checked, result.summary.expired, result.summary.paid],
    [2, 1, 0],
  );
  const session = app.emulator!.sessions().find((x) => x.id === open.id);
  assertEquals(session?.status, "expired", "closed at the provider before the stock goes");
  assertEquals((await orderOf(app, open.orderId)).status, "expired");
  assertEquals((await orderOf(app, settling.orderId)).status, "pending");
});

Deno.test("the reconcile lease: of two runs at once one runs; a live lease elsewhere wins", async () => {
  await using app = await testApp({ emulator: { dropRate: 1 } });
  await placed(app);
  const runs = await Promise.all([
    reconcile(app.deps, { olderThanMinutes: 0 }),
    reconcile(app.deps, { olderThanMinutes: 0 }),
  ]);
  assertEquals(runs.map((r) => r.ran).sort(), [false, true]);
  const other = await takeLease(app.kv, "reconcile", "instance-b", 60_000, Date.now());
  ok("held" in other);
  const blocked = await reconcile(app.deps, { olderThanMinutes: 0 });
  assertEquals(blocked.ran ? null : blocked.heldBy, "instance-b");
  const afterExpiry = await reconcile(app.deps, {
    olderThanMinutes: 0,
    now: new Date(Date.now() + 61_000),
  });
  ok(afterExpiry.ran, "an expired lease is taken over");
});

Deno.test("reconciliation expires an order that never got a session once its checkout window has passed", async () => {
  await using app = await testApp({ emulator: { dropRate: 1 } });
  const createdAt = Date.now() - 31 * 60_000;
  const stranded = newOrder({
    id: ulid(createdAt),
    number: "SO-20261121-0001",
    items: [{ productId: "p_ghost", title: "Ghost", unitAmount: 500, quantity: 3 }],
    currency: "nzd",
    now: new Date(createdAt),
  });
  const fresh = newOrder({
    ...stranded,
    id: ulid(Date.now() - 60_000),
    number: "SO-20261122-0099",
    now: new Date(Date.now() - 60_000),
  });
  const op = app.kv.atomic();
  writeNewOrder(op, stranded);
  writeNewOrder(op, fresh);
  await op.commit();
  const result = await reconcile(app.deps, { olderThanMinutes: 0 });
  ok(result.ran);
  assertEquals([result.summary.checked, result.summary.lapsed], [2, 1]);
  assertEquals((await orderOf(app, fresh.id)).status, "pending", "a checkout may still attach one");
  assertEquals((await orderOf(app, stranded.id)).status, "expired");
  await eventually(async () => (await orderOf(app, stranded.id)).stock === "released");
  assertEquals((await getStock(app.kv, ["p_ghost"])).get("p_ghost"), 3);
});
