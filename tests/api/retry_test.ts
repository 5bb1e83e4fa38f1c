/**
 * POST /api/orders/:orderId/retry-session: who may retry, and what a retry does to the
 * order, the provider's sessions and the stock.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { keys } from "@/lib/db/keys.ts";
import { getProduct, getStock } from "@/lib/db/products.ts";
import { setStockLevel } from "@/lib/stock/stock.ts";
import { recordFact } from "@/lib/facts/record_fact.ts";
import { BANK_DEBIT, TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { createTestApp, eventually, type TestApp } from "../support/app.ts";
import {
  assertUnchanged,
  type Checkout,
  checkout,
  checkoutOk,
  orderOf,
  snapshot,
  stockedProducts,
} from "../support/shop.ts";

async function testApp(options: Parameters<typeof createTestApp>[0] = {}) {
  const app = await createTestApp(options);
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

/** How the retry request carries the owner's credential. */
type Credential =
  | { cookie: string }
  | { query: string }
  | { header: string }
  | { json: string }
  | { form: string }
  | Record<string, never>;

async function retry(
  app: TestApp,
  orderId: string,
  credential: Credential = {},
): Promise<Response> {
  let path = `/api/orders/${encodeURIComponent(orderId)}/retry-session`;
  const init: RequestInit = { method: "POST", headers: {} };
  const headers = init.headers as Record<string, string>;
  if ("cookie" in credential) headers.cookie = credential.cookie;
  if ("query" in credential) path += `?token=${encodeURIComponent(credential.query)}`;
  if ("header" in credential) headers["x-order-token"] = credential.header;
  if ("json" in credential) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify({ token: credential.json });
  }
  if ("form" in credential) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    init.body = new URLSearchParams({ token: credential.form }).toString();
  }
  return await app.app.request(path, init);
}

async function retryOk(app: TestApp, orderId: string, credential: Credential) {
  const res = await retry(app, orderId, credential);
  if (res.status !== 200) throw new Error(`retry ${res.status}: ${await res.text()}`);
  return await res.json() as { id: string; url: string };
}

/** A cart cookie holding one unit of `productId`. */
async function cartWith(app: TestApp, productId: string): Promise<string> {
  const res = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ productId, quantity: 1 }),
  });
  return res.headers.get("set-cookie")!.split(";")[0];
}

function sessionAt(app: TestApp, id: string) {
  const session = app.emulator!.sessions().find((s) => s.id === id);
  if (!session) throw new Error(`no emulator session ${id}`);
  return session;
}

/** Waits until the expired order's stock is back on the shelf. */
async function released(app: TestApp, placed: Checkout) {
  app.emulator!.expireNow(placed.id);
  await eventually(async () => (await orderOf(app, placed.orderId)).stock === "released");
}

Deno.test("only the order's owner may retry: its cart cookie, or its token in the query, a header, a JSON body or a form", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const cookie = await cartWith(app, a.id);
  const placed = await (await checkout(app, {}, { cookie })).json() as Checkout;
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  const otherCookie = await cartWith(app, a.id);
  const other = await checkoutOk(app, { items: [{ productId: a.id, quantity: 1 }] });
  const otherToken = await signOrderToken(app.deps.secret, other.orderId);

  const before = await snapshot(app.kv);
  const refused: Credential[] = [
    {},
    { cookie: otherCookie },
    { cookie: cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A")) },
    { query: otherToken },
    { header: otherToken },
    { json: "not-a-token" },
    { form: token.slice(0, -1) + (token.endsWith("A") ? "B" : "A") },
  ];
  for (const credential of refused) {
    const res = await retry(app, placed.orderId, credential);
    assertEquals(res.status, 403, JSON.stringify(credential));
    assertEquals((await res.json()).error.code, "forbidden");
  }
  const unknown = await retry(app, "01JUNKNOWNORDER0000000000", { query: token });
  assertEquals(unknown.status, 404);
  await assertUnchanged(app.kv, before);

  const accepted: Credential[] = [
    { cookie },
    { query: token },
    { header: token },
    { json: token },
    { form: token },
  ];
  const sessions = [placed.id];
  for (const credential of accepted) {
    const { id, url } = await retryOk(app, placed.orderId, credential);
    ok(url.includes(`/pay/${id}`), url);
    sessions.push(id);
  }
  assertEquals(new Set(sessions).size, 6, "each retry opens a new session");
  assertEquals((await orderOf(app, placed.orderId)).payment.sessionIds, sessions);
});

Deno.test("a retry expires the open session first, then charges the saved items at the saved prices", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app, 3);
  const placed = await checkoutOk(app, { items: [{ productId: a.id, quantity: 2 }] });
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  const product = (await getProduct(app.kv, a.id))!;
  await app.kv.set(keys.product(a.id), { ...product, unitAmount: product.unitAmount + 500 });

  const second = await retryOk(app, placed.orderId, { json: token });
  assertEquals(sessionAt(app, placed.id).status, "expired");
  const opened = sessionAt(app, second.id);
  assertEquals([opened.status, opened.amount_total], ["open", 2 * a.unitAmount]);
  const session = await app.deps.provider.retrieveSession(second.id);
  assertEquals(session.metadata.order_id, placed.orderId);
  const third = await retryOk(app, placed.orderId, { json: token });
  assertEquals(sessionAt(app, second.id).status, "expired");
  assertEquals(sessionAt(app, third.id).amount_total, 2 * a.unitAmount);

  const order = await orderOf(app, placed.orderId);
  assertEquals(order.payment.sessionIds, [placed.id, second.id, third.id]);
  assertEquals([order.status, order.payment.sessionId, order.total], [
    "pending",
    third.id,
    2 * a.unitAmount,
  ]);
  assertEquals((await getStock(app.kv, [a.id])).get(a.id), a.stock - 2, "still one reservation");

  app.emulator!.pay(third.id, TEST_CARDS.success);
  await eventually(async () => (await orderOf(app, placed.orderId)).status === "paid");
  await app.emulator!.idle();
  const paid = await orderOf(app, placed.orderId);
  assertEquals([paid.status, paid.payment.amountReceived], ["paid", 2 * a.unitAmount]);
  assertEquals(paid.payment.sessionIds, [placed.id, second.id, third.id]);
});

Deno.test("a paid order answers 409 with its status page; a payment behind the retry is recorded, not doubled", async () => {
  // Webhooks held back: only the retry itself can learn that the session was paid.
  await using app = await testApp({ emulator: { delayMs: 60_000 } });
  const [a] = await stockedProducts(app);
  const placed = await checkoutOk(app, { items: [{ productId: a.id, quantity: 1 }] });
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  app.emulator!.pay(placed.id, TEST_CARDS.success);

  const res = await retry(app, placed.orderId, { query: token });
  assertEquals(res.status, 409);
  const { error } = await res.json();
  assertEquals(error.code, "order_paid");
  assertEquals(error.details.statusUrl, `/orders/${placed.orderId}?token=${token}`);
  assertEquals(app.emulator!.sessions().length, 1, "no second session was opened");
  const order = await orderOf(app, placed.orderId);
  assertEquals([order.status, order.payment.sessionIds], ["paid", [placed.id]]);

  const again = await retry(app, placed.orderId, { query: token });
  assertEquals(again.status, 409);
  const page = await app.app.request(error.details.statusUrl);
  assertEquals(page.status, 200);
  ok((await page.text()).includes(placed.orderNumber));
});

Deno.test("an expired order's stock is taken again by a retry; when it is gone the retry is a 422 that changes nothing", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app, 3);
  const placed = await checkoutOk(app, { items: [{ productId: a.id, quantity: 2 }] });
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  await released(app, placed);
  assertEquals((await orderOf(app, placed.orderId)).status, "expired");
  assertEquals((await getStock(app.kv, [a.id])).get(a.id), a.stock);

  const revived = await retryOk(app, placed.orderId, { header: token });
  const order = await orderOf(app, placed.orderId);
  assertEquals([order.status, order.stock, order.payment.sessionId], [
    "pending",
    "reserved",
    revived.id,
  ]);
  assertEquals((await getStock(app.kv, [a.id])).get(a.id), a.stock - 2);

  await released(app, { ...placed, id: revived.id });
  await setStockLevel(app.kv, a.id, 1, { reason: "test", actor: "test" });
  await app.emulator!.idle();
  const sessions = app.emulator!.sessions().length;
  const before = await snapshot(app.kv);
  const res = await retry(app, placed.orderId, { header: token });
  assertEquals(res.status, 422);
  const { error } = await res.json();
  assertEquals(error.code, "out_of_stock");
  ok(error.message.includes(order.items[0].title), error.message);
  assertEquals(error.details.available, 1);
  await assertUnchanged(app.kv, before);
  assertEquals(app.emulator!.sessions().length, sessions, "no session was opened");
});

Deno.test("a bank debit still settling blocks a retry; once it has failed the order can be paid again", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const placed = await checkoutOk(app, { items: [{ productId: a.id, quantity: 1 }] });
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  app.emulator!.pay(placed.id, BANK_DEBIT.succeeds);

  const settling = await retry(app, placed.orderId, { query: token });
  assertEquals(settling.status, 409);
  assertEquals((await settling.json()).error.code, "payment_processing");

  app.emulator!.settleAsync(placed.id, "failed");
  await eventually(async () => (await orderOf(app, placed.orderId)).status === "failed");
  const second = await retryOk(app, placed.orderId, { query: token });
  app.emulator!.pay(second.id, TEST_CARDS.success);
  await eventually(async () => (await orderOf(app, placed.orderId)).status === "paid");
  assertEquals((await orderOf(app, placed.orderId)).payment.sessionIds, [placed.id, second.id]);
});

Deno.test("a declined card leaves the order payable; a cancelled order is not", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const placed = await checkoutOk(app, { items: [{ productId: a.id, quantity: 1 }] });
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  app.emulator!.pay(placed.id, TEST_CARDS.genericDecline);
  await eventually(async () => (await orderOf(app, placed.orderId)).status === "failed");
  const second = await retryOk(app, placed.orderId, { query: token });
  assertEquals(sessionAt(app, placed.id).status, "expired");

  await recordFact(app.deps, placed.orderId, { kind: "cancelled" }, { kind: "system" });
  const res = await retry(app, placed.orderId, { query: token });
  assertEquals(res.status, 409);
  assertEquals((await res.json()).error.code, "order_cancelled");
  assertEquals((await orderOf(app, placed.orderId)).payment.sessionId, second.id);
});

Deno.test("two retries at once open one new session", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const placed = await checkoutOk(app, { items: [{ productId: a.id, quantity: 1 }] });
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  const [r1, r2] = await Promise.all([
    retry(app, placed.orderId, { query: token }),
    retry(app, placed.orderId, { query: token }),
  ]);
  assertEquals([r1.status, r2.status], [200, 200]);
  const [b1, b2] = [await r1.json(), await r2.json()];
  assertEquals(b1.id, b2.id);
  assertEquals((await orderOf(app, placed.orderId)).payment.sessionIds, [placed.id, b1.id]);
});

Deno.test("an order id that cannot be one is a 404, however long (found by the fuzzer)", async () => {
  await using app = await testApp();
  for (const id of ["a".repeat(3000), "01JUNKNOWNORDER0000000000", "💥"]) {
    const res = await retry(app, id, { header: "not-a-token" });
    assertEquals(res.status, 404, `${id.slice(0, 20)}: ${await res.text()}`);
  }
});

Deno.test("a malformed token body is a 400", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const placed = await checkoutOk(app, { items: [{ productId: a.id, quantity: 1 }] });
  const res = await app.app.request(`/api/orders/${placed.orderId}/retry-session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{nope",
  });
  assertEquals(res.status, 400);
});
