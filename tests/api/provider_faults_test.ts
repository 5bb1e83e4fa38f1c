/**
 * A provider that fails halfway never strands an order or its stock: each fault is
 * provoked through the emulator's knobs (or a store whose commit fails once) and the next
 * Pay must work.
 */
import assert from "node:assert/strict";
import { keys } from "@/lib/db/keys.ts";
import { getStock } from "@/lib/db/products.ts";
import { orderTaskHandlers } from "@/lib/facts/task_handlers.ts";
import type { Order } from "@/lib/orders/types.ts";
import { createStripeProvider } from "@/lib/payments/stripe.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { createWorker } from "@/lib/tasks/worker.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { checkout, clientHeaders, orderOf, stockedProducts } from "../support/shop.ts";

const MINUTE = 60_000;

/** The app with a provider that does not retry on its own and gives up after 300 ms. */
async function testApp() {
  const app = await createTestApp({ emulator: { dropRate: 1 } });
  app.deps.provider = createStripeProvider({
    secretKey: "sk_test_emulator",
    webhookSecret: "whsec_test_secret",
    api: app.emulator!.apiBase,
    maxNetworkRetries: 0,
    timeoutMs: 300,
  });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

async function firstPay(app: TestApp) {
  const [product] = await stockedProducts(app);
  const headers = { "idempotency-key": "pay-1", ...await clientHeaders(app) };
  const body = { items: [{ productId: product.id, quantity: 2 }] };
  return { product, headers, body, pay: () => checkout(app, body, headers) };
}

const sessionsOf = (app: TestApp, orderId: string) =>
  app.emulator!.sessions().filter((s) => s.metadata?.order_id === orderId);

async function onlyOrder(app: TestApp): Promise<Order> {
  const orders: Order[] = [];
  for await (const e of app.kv.list<Order>({ prefix: keys.orders() })) orders.push(e.value);
  assert.equal(orders.length, 1, "exactly one order");
  return orders[0];
}

Deno.test("after a create that failed with a stored 500, the next Pay opens a session with a fresh expiry", async () => {
  await using app = await testApp();
  const { pay } = await firstPay(app);
  app.emulator!.failNext("create_session", "error_500");
  const failed = await pay();
  assert.equal(failed.status, 502);
  const order = await onlyOrder(app);
  assert.equal(order.payment.sessionId, null);
  const later = Date.now() + 10 * MINUTE;
  app.deps.now = () => new Date(later);
  const res = await pay();
  assert.equal(res.status, 200, await res.clone().text());
  const opened = await res.json();
  assert.equal(opened.orderId, order.id);
  const [session] = sessionsOf(app, order.id);
  assert.equal(sessionsOf(app, order.id).length, 1);
  assert.equal(session.id, opened.id);
  assert.ok(
    session.expires_at * 1000 >= later + 30 * MINUTE,
    "the expiry counts from this Pay, not the failed one",
  );
  assert.equal((await orderOf(app, order.id)).payment.sessionId, opened.id);
});

Deno.test("after a create whose response was lost, the next Pay finds that session instead of opening a second", async () => {
  await using app = await testApp();
  const { pay } = await firstPay(app);
  app.emulator!.failNext("create_session", "drop_response");
  assert.equal((await pay()).status, 502);
  const order = await onlyOrder(app);
  const [made] = sessionsOf(app, order.id);
  assert.equal(made.status, "open", "the provider made it all the same");
  const res = await pay();
  assert.equal(res.status, 200);
  assert.equal((await res.json()).id, made.id);
  assert.equal(sessionsOf(app, order.id).length, 1, "never two open sessions");
});

Deno.test("after a create that timed out, the next Pay opens a session", async () => {
  await using app = await testApp();
  const { pay } = await firstPay(app);
  app.emulator!.failNext("create_session", "timeout");
  assert.equal((await pay()).status, 502);
  const order = await onlyOrder(app);
  const res = await pay();
  assert.equal(res.status, 200);
  assert.equal((await orderOf(app, order.id)).payment.sessionId, (await res.json()).id);
  assert.equal(sessionsOf(app, order.id).length, 1);
});

Deno.test("a failed try is marked failed through a locked store, so the next Pay makes a fresh try", async () => {
  await using app = await testApp();
  const { pay } = await firstPay(app);
  app.emulator!.failNext("create_session", "error_500");
  let locked = false;
  app.deps.kv = failingCommits(app.kv, (writes) => {
    // Another process holds the SQLite file just as the failed try is recorded.
    const marking = !locked &&
      writes.some(([key, value]) =>
        key[0] === "checkout_attempts" && (value as { state?: string }).state === "failed"
      );
    if (marking) locked = true;
    return marking ? "locked" : false;
  });
  assert.equal((await pay()).status, 502);
  assert.ok(locked, "the failed try's mark met a locked store");
  const order = await onlyOrder(app);
  const attempt = await app.kv.get<{ try: number; state: string }>(keys.checkoutAttempt(order.id));
  assert.deepEqual([attempt.value?.try, attempt.value?.state], [1, "failed"]);
  // Left "opening", the try would be joined as if in flight: its 500 replayed, no fresh try.
  const res = await pay();
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal((await orderOf(app, order.id)).payment.sessionId, (await res.json()).id);
  assert.deepEqual(app.emulator!.pendingFaults(), []);
});

Deno.test("a session whose attach commit failed is expired at the provider, and the next Pay opens another", async () => {
  await using app = await testApp();
  const { pay } = await firstPay(app);
  const real = app.kv;
  let failAttach = true;
  app.deps.kv = failingCommits(real, (writes) => {
    const attaching = failAttach &&
      writes.some(([key, value]) =>
        key[0] === "checkout_attempts" && (value as { state?: string }).state === "attached"
      );
    if (attaching) failAttach = false;
    return attaching;
  });
  const failed = await pay();
  assert.equal(failed.status, 500);
  const order = await onlyOrder(app);
  const [stranded] = sessionsOf(app, order.id);
  assert.equal(stranded.status, "expired", "closed at the provider, so it cannot take money");
  const res = await pay();
  assert.equal(res.status, 200);
  const opened = await res.json();
  assert.notEqual(opened.id, stranded.id);
  assert.equal((await orderOf(app, order.id)).payment.sessionId, opened.id);
});

Deno.test("a placement commit that reported a failure but had landed yields one order, not two", async () => {
  await using app = await testApp();
  const [product] = await stockedProducts(app);
  // No Idempotency-Key: only the placement's own id can tell that its commit landed.
  const pay = () => checkout(app, { items: [{ productId: product.id, quantity: 2 }] });
  let timedOut = false;
  app.deps.kv = failingCommits(app.kv, (writes) => {
    const placing = !timedOut && writes.some(([key]) => key[0] === "orders_by_number");
    if (placing) timedOut = true;
    return placing ? "landed" : false;
  });
  const res = await pay();
  assert.equal(res.status, 200, await res.clone().text());
  assert.ok(timedOut);
  const order = await onlyOrder(app);
  assert.equal((await res.json()).orderId, order.id);
  assert.equal((await getStock(app.kv, [product.id])).get(product.id), product.stock - 2);
});

Deno.test("an order that never got a session gives its stock back when its checkout window closes", async () => {
  await using app = await testApp();
  const { pay, product } = await firstPay(app);
  app.emulator!.failNext("create_session", "error_500", 2);
  assert.equal((await pay()).status, 502);
  assert.equal((await pay()).status, 502, "the fresh try failed too");
  const order = await onlyOrder(app);
  assert.equal((await getStock(app.kv, [product.id])).get(product.id), product.stock - 2);
  const windowEnd = new Date(order.createdAt).getTime() +
    app.deps.config.checkoutExpiresMinutes * MINUTE;
  const early = createWorker({
    kv: app.kv,
    handlers: orderTaskHandlers,
    now: () => new Date(windowEnd - 1000),
  });
  await early.runOnce();
  assert.equal((await orderOf(app, order.id)).status, "pending", "not before the window closes");
  const onTime = createWorker({
    kv: app.kv,
    handlers: orderTaskHandlers,
    now: () => new Date(windowEnd),
  });
  while (await onTime.runOnce() > 0);
  const after = await orderOf(app, order.id);
  assert.deepEqual([after.status, after.stock], ["expired", "released"]);
  assert.equal((await getStock(app.kv, [product.id])).get(product.id), product.stock);
});

Deno.test("the lapse task is retired as soon as a session is attached", async () => {
  await using app = await testApp();
  const { pay } = await firstPay(app);
  assert.equal((await pay()).status, 200);
  const order = await onlyOrder(app);
  const lapse = (await listOrderTasks(app.kv, order.id)).find((t) => t.kind === "lapse_checkout");
  assert.deepEqual([lapse?.status, lapse?.result], ["done", "a session was attached"]);
});

type Write = [Deno.KvKey, unknown];
type Verdict = boolean | "landed" | "locked";

/**
 * The real store, except that a commit whose writes match `fail` throws once: before
 * committing (a failed commit; for "locked", the SQLite file held by another process), or,
 * for "landed", after committing (a commit that timed out but had landed).
 */
function failingCommits(kv: Deno.Kv, fail: (writes: Write[]) => Verdict): Deno.Kv {
  return new Proxy(kv, {
    get(target, prop) {
      if (prop !== "atomic") {
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return () => recordingOp(target.atomic(), fail);
    },
  });
}

function recordingOp(
  op: Deno.AtomicOperation,
  fail: (writes: Write[]) => Verdict,
): Deno.AtomicOperation {
  const writes: Write[] = [];
  const proxy: Deno.AtomicOperation = new Proxy(op, {
    get(target, prop) {
      if (prop === "set") {
        return (key: Deno.KvKey, value: unknown, options?: { expireIn?: number }) => {
          writes.push([key, value]);
          target.set(key, value, options);
          return proxy;
        };
      }
      if (prop === "commit") {
        return async () => {
          const verdict = fail(writes);
          if (verdict === true) throw new Error("injected: the commit failed");
          if (verdict === "locked") throw new TypeError("database is locked");
          const result = await target.commit();
          if (verdict === "landed") throw new Error("injected: the commit timed out");
          return result;
        };
      }
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const out = value.apply(target, args);
        return out === target ? proxy : out;
      };
    },
  });
  return proxy;
}
