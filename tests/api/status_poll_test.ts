/**
 * The public status poll (GET /api/orders/by-session/:id) cannot be used to hammer the
 * payment provider: it is rate limited per client, and the provider is asked about an order
 * at most once per PROVIDER_CHECK_WINDOW_MS, shared with the success and order status pages.
 * Time moves through the injected clock; webhooks are held back where the poll must do the
 * confirming on its own.
 */
import assert from "node:assert/strict";
import { PROVIDER_CHECK_WINDOW_MS } from "@/lib/checkout/order_status.ts";
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { keys } from "@/lib/db/keys.ts";
import { listHistory } from "@/lib/db/orders.ts";
import { TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { type Checkout, checkoutOk, orderOf, stockedProducts } from "../support/shop.ts";

async function testApp(options: Parameters<typeof createTestApp>[0] = {}) {
  const app = await createTestApp(options);
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

/** Webhooks held back for the whole test: only the poll can learn what the provider knows. */
const NO_WEBHOOKS = { delayMs: 10 * 60_000 };

async function placed(app: TestApp): Promise<Checkout> {
  const [product] = await stockedProducts(app);
  return await checkoutOk(app, { items: [{ productId: product.id, quantity: 1 }] });
}

/** Pins the app's clock; the returned function moves it by `ms`. */
function pinClock(app: TestApp, at: number) {
  let now = at;
  app.deps.now = () => new Date(now);
  return (ms: number) => {
    now += ms;
  };
}

/** Counts the provider's session retrieves: a wrapper around the real provider, not a mock. */
function countRetrieves(app: TestApp): string[] {
  const real = app.deps.provider;
  const asked: string[] = [];
  app.deps.provider = {
    ...real,
    retrieveSession(id) {
      asked.push(id);
      return real.retrieveSession(id);
    },
  };
  return asked;
}

async function poll(app: TestApp, sessionId: string, client?: string) {
  const res = await app.app.request(`/api/orders/by-session/${sessionId}`, {
    headers: client ? { "x-forwarded-for": client } : {},
  });
  return { res, body: await res.json() };
}

async function historyOf(app: TestApp, orderId: string) {
  return (await listHistory(app.kv, orderId)).map((h) => ({
    fact: h.fact?.kind,
    outcome: h.outcome.kind,
    source: h.source.kind,
  }));
}

Deno.test("the poll is limited per client: the one over RATE_LIMIT_STATUS_PER_MIN gets 429 with Retry-After", async () => {
  await using app = await testApp({ env: { RATE_LIMIT_STATUS_PER_MIN: "3", TRUST_PROXY: "1" } });
  const s = await placed(app);
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const move = pinClock(app, minute + 10_000); // 50 s left in this window
  const shopper = "203.0.113.7";
  for (let i = 0; i < 3; i++) assert.equal((await poll(app, s.id, shopper)).res.status, 200);
  const refused = await poll(app, s.id, shopper);
  assert.equal(refused.res.status, 429);
  assert.equal(refused.res.headers.get("retry-after"), "50");
  assert.equal(refused.body.error.code, "rate_limited");

  const other = await poll(app, s.id, "198.51.100.2");
  assert.equal(other.res.status, 200, "another client is counted apart");
  assert.equal(other.body.number, s.orderNumber);

  move(50_000);
  assert.equal((await poll(app, s.id, shopper)).res.status, 200, "a new minute starts afresh");
});

Deno.test("RATE_LIMIT_STATUS_PER_MIN=0 turns the poll's limit off", async () => {
  await using app = await testApp({ env: { RATE_LIMIT_STATUS_PER_MIN: "0" } });
  const s = await placed(app);
  for (let i = 0; i < 80; i++) assert.equal((await poll(app, s.id)).res.status, 200);
});

Deno.test("polls and pages within the window ask the provider once, concurrent ones included; past it, the next asks again", async () => {
  await using app = await testApp({ env: { RATE_LIMIT_STATUS_PER_MIN: "0" } });
  const s = await placed(app);
  const start = Date.now();
  const move = pinClock(app, start);
  const asked = countRetrieves(app);

  const burst = await Promise.all(Array.from({ length: 10 }, () => poll(app, s.id)));
  assert.deepEqual(burst.map((p) => p.res.status), Array(10).fill(200));
  assert.deepEqual(asked, [s.id], "one of the concurrent polls asked");
  assert.deepEqual((await app.kv.get(keys.providerCheck(s.orderId, s.id))).value, start);

  move(PROVIDER_CHECK_WINDOW_MS - 1);
  for (let i = 0; i < 5; i++) assert.equal((await poll(app, s.id)).body.status, "pending");
  const token = await signOrderToken(app.deps.secret, s.orderId);
  assert.equal((await app.app.request(`/orders/${s.orderId}?token=${token}`)).status, 200);
  assert.equal((await app.app.request(`/checkout/success?session_id=${s.id}`)).status, 200);
  assert.equal(asked.length, 1, "the pages share the window with the poll");

  move(1);
  await poll(app, s.id);
  assert.deepEqual(asked, [s.id, s.id], "past the window the provider is asked again");
  await poll(app, s.id);
  assert.equal(asked.length, 2);
});

Deno.test("the poll confirms a paid session without the webhook, once the window has passed", async () => {
  await using app = await testApp({
    env: { RATE_LIMIT_STATUS_PER_MIN: "0" },
    emulator: NO_WEBHOOKS,
  });
  const s = await placed(app);
  const move = pinClock(app, Date.now());
  const asked = countRetrieves(app);
  assert.equal((await poll(app, s.id)).body.status, "pending");

  app.emulator!.pay(s.id, TEST_CARDS.success);
  const cached = await poll(app, s.id);
  assert.equal(cached.body.status, "pending", "within the window the order is answered as stored");
  assert.equal(asked.length, 1);

  move(PROVIDER_CHECK_WINDOW_MS);
  const paid = await poll(app, s.id);
  assert.deepEqual([paid.body.status, paid.body.paymentStatus], ["paid", "paid"]);
  const order = await orderOf(app, s.orderId);
  assert.deepEqual([order.status, order.payment.amountReceived], ["paid", order.total]);
  assert.deepEqual((await historyOf(app, s.orderId)).at(-1), {
    fact: "payment_succeeded",
    outcome: "applied",
    source: "success_page",
  });

  move(PROVIDER_CHECK_WINDOW_MS);
  assert.equal((await poll(app, s.id)).body.status, "paid");
  assert.equal(asked.length, 2, "a paid order is not asked about again");
});

Deno.test("the poll records an expired session as the order's expiry without the webhook", async () => {
  await using app = await testApp({
    env: { RATE_LIMIT_STATUS_PER_MIN: "0" },
    emulator: NO_WEBHOOKS,
  });
  const s = await placed(app);
  app.emulator!.expireNow(s.id);
  const expired = await poll(app, s.id);
  assert.deepEqual([expired.body.status, expired.body.paymentStatus], ["expired", "expired"]);
  assert.deepEqual((await historyOf(app, s.orderId)).at(-1), {
    fact: "session_expired",
    outcome: "applied",
    source: "success_page",
  });
});
