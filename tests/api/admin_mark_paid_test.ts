/**
 * Admin actions can't open a second charge: mark paid (like cancel) closes the order's
 * sessions at the provider first, and says what was actually recorded.
 */
import assert from "node:assert/strict";
import { createStripeProvider } from "@/lib/payments/stripe.ts";
import { eventually, type TestApp } from "../support/app.ts";
import { adminApp, API_TOKEN } from "../support/admin.ts";
import {
  assertUnchanged,
  checkoutOk,
  orderOf,
  snapshot,
  stockedProducts,
} from "../support/shop.ts";

async function placed(app: TestApp) {
  const [product] = await stockedProducts(app);
  return await checkoutOk(app, { items: [{ productId: product.id, quantity: 1 }] });
}

function action(app: TestApp, orderId: string, body: Record<string, string>) {
  return app.app.request(`/api/admin/orders/${orderId}/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

const sessionOf = (app: TestApp, id: string) => app.emulator!.sessions().find((s) => s.id === id);

Deno.test("mark paid closes the order's open session at the provider before recording the payment", async () => {
  await using app = await adminApp();
  const s = await placed(app);
  assert.equal(sessionOf(app, s.id)?.status, "open");
  const res = await action(app, s.orderId, {
    action: "mark_paid",
    reason: "paid by bank transfer",
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match((await res.json()).message, /Marked paid/);
  assert.equal(sessionOf(app, s.id)?.status, "expired", "the page can no longer take money");
  assert.equal((await orderOf(app, s.orderId)).status, "paid");
});

Deno.test("mark paid is refused, changing nothing, when a session can't be closed at the provider", async () => {
  await using app = await adminApp();
  const s = await placed(app);
  // A provider that never answers: nothing can be closed.
  app.deps.provider = createStripeProvider({
    secretKey: "sk_test_emulator",
    webhookSecret: "whsec_test_secret",
    api: { host: "127.0.0.1", port: 9, protocol: "http" },
    maxNetworkRetries: 0,
    timeoutMs: 300,
  });
  const before = await snapshot(app.kv);
  const res = await action(app, s.orderId, {
    action: "mark_paid",
    reason: "paid by bank transfer",
  });
  assert.equal(res.status, 409);
  const { error } = await res.json();
  assert.equal(error.code, "session_not_closed");
  assert.match(error.message, /could not be closed at the provider/);
  await assertUnchanged(app.kv, before);
  assert.equal(sessionOf(app, s.id)?.status, "open");
});

Deno.test("mark paid on an order the customer has just paid is refused and records their payment", async () => {
  await using app = await adminApp({ emulator: { dropRate: 1 } });
  const s = await placed(app);
  app.emulator!.pay(s.id, "4242424242424242");
  const res = await action(app, s.orderId, {
    action: "mark_paid",
    reason: "paid by bank transfer",
  });
  assert.equal(res.status, 409);
  assert.match((await res.json()).error.message, /customer has just paid/);
  const order = await orderOf(app, s.orderId);
  assert.equal(order.status, "paid");
  assert.ok(!order.needsAttention.some((a) => a.reason === "manual_payment"));
});

Deno.test("cancel reports what it recorded: cancelled once, then already cancelled", async () => {
  await using app = await adminApp();
  const s = await placed(app);
  const first = await action(app, s.orderId, { action: "cancel", reason: "customer asked" });
  assert.match((await first.json()).message, /^Cancelled\. Its stock goes back/);
  await eventually(async () => (await orderOf(app, s.orderId)).stock === "released");
  const again = await action(app, s.orderId, { action: "cancel", reason: "customer asked" });
  assert.match((await again.json()).message, /Already cancelled: nothing changed/);
});
