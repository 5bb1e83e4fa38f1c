/**
 * Customers and delivery through the API: GET /api/shipping-rates, the checkout's
 * `customer`, `shipping` and `shippingRateId` (every bad field a 422 naming it, nothing
 * written), the shipping as a provider line item, prefill, and details kept with the cart.
 */
import assert from "node:assert/strict";
import { getCheckoutDetails, saveCheckoutDetails } from "@/lib/cart/details.ts";
import { keys } from "@/lib/db/keys.ts";
import { TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import {
  assertUnchanged,
  checkout,
  clientHeaders,
  orderOf,
  snapshot,
  stockedProducts,
} from "../support/shop.ts";

function testApp(options: Parameters<typeof createTestApp>[0] = {}) {
  return createTestApp(options).then((app) =>
    Object.assign(app, { [Symbol.asyncDispose]: () => app.close() })
  );
}

const ADDRESS = {
  name: "Kim Tan",
  line1: "1 Queen Street",
  line2: "Level 2",
  city: "Auckland",
  region: "Auckland",
  postalCode: "1010",
  country: "NZ",
};
const CUSTOMER = { email: "kim@example.com", name: "Kim Tan", phone: "+64 21 555 0123" };

async function rates(app: TestApp, query: string) {
  return await app.app.request(`/api/shipping-rates?${query}`);
}

/** A cheap product (under the free-shipping threshold at quantity 1). */
async function cheapProduct(app: TestApp) {
  const product = (await stockedProducts(app, 3)).find((p) => p.unitAmount < 8000);
  if (!product) throw new Error("no product under $80 in the demo catalog");
  return product;
}

async function lineItems(app: TestApp, sessionId: string) {
  const res = await fetch(`${app.emulator!.url}/v1/checkout/sessions/${sessionId}/line_items`, {
    headers: { authorization: "Bearer sk_test_emulator" },
  });
  assert.equal(res.status, 200);
  const list = await res.json() as { data: { description: string; amount_total: number }[] };
  return list.data.map((l) => [l.description, l.amount_total]);
}

Deno.test("GET /api/shipping-rates lists a served country's rates, free over the threshold", async () => {
  await using app = await testApp();
  const nz = await rates(app, "country=NZ");
  assert.equal(nz.status, 200);
  assert.deepEqual(
    (await nz.json()).map((r: { id: string; amount: number; currency: string }) => [
      r.id,
      r.amount,
      r.currency,
    ]),
    [["standard", 600, "nzd"], ["express", 1200, "nzd"]],
  );
  const over = await (await rates(app, "country=nz&subtotal=8000")).json();
  assert.deepEqual(over.map((r: { amount: number }) => r.amount), [0, 1200]);
  const au = await (await rates(app, "country=AU")).json();
  assert.deepEqual(au.map((r: { id: string; amount: number }) => [r.id, r.amount]), [[
    "international",
    1800,
  ]]);
  for (const query of ["country=FR", "country=NZL", "", "country=NZ&subtotal=-1"]) {
    const res = await rates(app, query);
    assert.equal(res.status, 422, query);
    const body = await res.json();
    assert.equal(body.error.code, "invalid_checkout_details");
    assert.deepEqual(
      body.error.details.map((i: { path: string }) => i.path),
      [query.includes("subtotal") ? "subtotal" : "country"],
      query,
    );
  }
});

Deno.test("every bad detail is a 422 naming its field, and nothing is written", async () => {
  await using app = await testApp();
  const product = await cheapProduct(app);
  const items = [{ productId: product.id, quantity: 1 }];
  const good = { items, customer: CUSTOMER, shipping: ADDRESS, shippingRateId: "standard" };
  const rows: [string, Record<string, unknown>, string][] = [
    ["bad e-mail", { customer: { email: "kim@" } }, "customer.email"],
    ["no e-mail", { customer: { name: "Kim" } }, "customer.email"],
    ["long name", { customer: { ...CUSTOMER, name: "x".repeat(101) } }, "customer.name"],
    ["bad phone", { customer: { ...CUSTOMER, phone: "call me" } }, "customer.phone"],
    ["customer not an object", { customer: "kim@example.com" }, "customer"],
    ["bad NZ postcode", { shipping: { ...ADDRESS, postalCode: "10100" } }, "shipping.postalCode"],
    [
      "bad US ZIP",
      { shipping: { ...ADDRESS, country: "US", postalCode: "123" } },
      "shipping.postalCode",
    ],
    [
      "bad GB postcode",
      { shipping: { ...ADDRESS, country: "GB", postalCode: "1010" } },
      "shipping.postalCode",
    ],
    ["no name", { shipping: { ...ADDRESS, name: "" } }, "shipping.name"],
    ["no line 1", { shipping: { ...ADDRESS, line1: undefined } }, "shipping.line1"],
    ["no city", { shipping: { ...ADDRESS, city: " " } }, "shipping.city"],
    ["no postcode", { shipping: { ...ADDRESS, postalCode: undefined } }, "shipping.postalCode"],
    ["malformed country", { shipping: { ...ADDRESS, country: "NZL" } }, "shipping.country"],
    [
      "country not served",
      { shipping: { ...ADDRESS, country: "FR", postalCode: "75001" } },
      "shipping.country",
    ],
    ["unknown rate", { shippingRateId: "overnight" }, "shippingRateId"],
    [
      "rate of another zone",
      { shipping: { ...ADDRESS, country: "AU", postalCode: "2000" } },
      "shippingRateId",
    ],
    ["rate not text", { shippingRateId: 5 }, "shippingRateId"],
    ["no address for goods", { shipping: undefined }, "shipping"],
    ["no rate for goods", { shippingRateId: undefined }, "shippingRateId"],
  ];
  const before = await snapshot(app.kv);
  for (const [name, patch, path] of rows) {
    const res = await checkout(app, { ...good, ...patch });
    assert.equal(res.status, 422, name);
    const body = await res.json();
    assert.equal(body.error.code, "invalid_checkout_details", name);
    assert.deepEqual(body.error.details.map((i: { path: string }) => i.path), [path], name);
    assert.ok(body.error.details.every((i: { message: string }) => i.message), name);
  }
  await assertUnchanged(app.kv, before);
  assert.equal(app.emulator!.sessions().length, 0);
});

Deno.test("a paid order with shipping: the provider's total is the order's, e-mail prefilled, shipping its own line", async () => {
  await using app = await testApp();
  const product = await cheapProduct(app);
  const res = await checkout(app, {
    items: [{ productId: product.id, quantity: 1 }],
    customer: CUSTOMER,
    shipping: { ...ADDRESS, country: "nz" },
    shippingRateId: "express",
  });
  assert.equal(res.status, 200, await res.clone().text());
  const placed = await res.json();
  const order = await orderOf(app, placed.orderId);
  assert.deepEqual(order.customer, CUSTOMER);
  assert.deepEqual(order.shipping, {
    address: ADDRESS,
    rateId: "express",
    label: "Express (next working day)",
    amount: 1200,
  });
  assert.deepEqual([order.subtotal, order.total], [product.unitAmount, product.unitAmount + 1200]);
  const session = app.emulator!.sessions().find((s) => s.id === placed.id)!;
  assert.equal(session.amount_total, order.total);
  assert.equal(session.customer_email, CUSTOMER.email);
  const lines = await lineItems(app, placed.id);
  assert.deepEqual(lines.at(-1), ["Shipping: Express (next working day)", 1200]);
  assert.equal(lines.length, 2);

  app.emulator!.pay(placed.id, TEST_CARDS.success);
  await app.emulator!.idle();
  const paid = await orderOf(app, placed.orderId);
  assert.equal(paid.status, "paid");
  assert.equal(paid.payment.amountReceived, order.total);
  assert.deepEqual(paid.needsAttention, []);
});

Deno.test("free shipping over the threshold sends no shipping line; a retry sends the same lines and prefill", async () => {
  await using app = await testApp();
  const product = await cheapProduct(app);
  const quantity = Math.ceil(8000 / product.unitAmount);
  const res = await checkout(app, {
    items: [{ productId: product.id, quantity }],
    customer: { email: CUSTOMER.email },
    shipping: ADDRESS,
    shippingRateId: "standard",
  });
  assert.equal(res.status, 200, await res.clone().text());
  const placed = await res.json();
  const order = await orderOf(app, placed.orderId);
  assert.deepEqual([order.shipping?.amount, order.total], [0, order.subtotal]);
  assert.equal((await lineItems(app, placed.id)).length, 1);

  // A paid rate, retried: the new session carries the shipping line and the e-mail again.
  const express = await (await checkout(app, {
    items: [{ productId: product.id, quantity: 1 }],
    customer: { email: CUSTOMER.email },
    shipping: ADDRESS,
    shippingRateId: "express",
  })).json();
  const again = await app.app.request(`/api/orders/${express.orderId}/retry-session`, {
    method: "POST",
    headers: { "x-order-token": express.orderToken },
  });
  assert.equal(again.status, 200, await again.clone().text());
  const retried = await again.json();
  assert.notEqual(retried.id, express.id);
  assert.deepEqual(await lineItems(app, retried.id), await lineItems(app, express.id));
  const session = app.emulator!.sessions().find((s) => s.id === retried.id)!;
  assert.equal(session.customer_email, CUSTOMER.email);
  assert.equal(session.amount_total, (await orderOf(app, express.orderId)).total);
});

Deno.test("callers that send no details place the order as before", async () => {
  await using app = await testApp();
  const product = await cheapProduct(app);
  const res = await checkout(app, { items: [{ productId: product.id, quantity: 1 }] });
  assert.equal(res.status, 200);
  const order = await orderOf(app, (await res.json()).orderId);
  assert.equal(order.customer, undefined);
  assert.equal(order.shipping, undefined);
  assert.equal(order.total, order.subtotal);
});

Deno.test("a non-shippable basket needs no address and stores none", async () => {
  await using app = await testApp();
  const product = await cheapProduct(app);
  await app.kv.set(["products", product.id], {
    ...(await app.kv.get<Record<string, unknown>>(["products", product.id])).value,
    shippable: false,
  });
  const res = await checkout(app, {
    items: [{ productId: product.id, quantity: 1 }],
    customer: { email: CUSTOMER.email },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const order = await orderOf(app, (await res.json()).orderId);
  assert.deepEqual(order.customer, { email: CUSTOMER.email });
  assert.equal(order.shipping, undefined);
  assert.equal(order.total, order.subtotal);
});

Deno.test("details kept with the cart are used by a cart checkout, and bind its key", async () => {
  await using app = await testApp();
  const product = await cheapProduct(app);
  const add = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ productId: product.id, quantity: 1 }),
  });
  const cookie = add.headers.get("set-cookie")!.split(";")[0];
  const cart = await (await app.app.request("/api/cart", { headers: { cookie } })).json();
  const details = { customer: CUSTOMER, shipping: ADDRESS, shippingRateId: "standard" };
  assert.deepEqual(await saveCheckoutDetails(app.kv, cart.id, details), details);
  assert.deepEqual(await getCheckoutDetails(app.kv, cart.id), details);
  // A bad detail is refused and the saved ones stay.
  await assert.rejects(
    () => saveCheckoutDetails(app.kv, cart.id, { customer: { email: "nope" } }),
    /customer\.email/,
  );
  // Changing the items keeps the details.
  await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ productId: product.id, quantity: 1 }),
  });
  assert.deepEqual(await getCheckoutDetails(app.kv, cart.id), details);

  const res = await checkout(app, {}, { cookie, "idempotency-key": "pay-1" });
  assert.equal(res.status, 200, await res.clone().text());
  const placed = await res.json();
  const order = await orderOf(app, placed.orderId);
  assert.deepEqual(order.customer, CUSTOMER);
  assert.equal(order.shipping?.rateId, "standard");
  assert.equal(order.total, order.subtotal + (order.subtotal >= 8000 ? 0 : 600));

  // The same key with other details is another request.
  await saveCheckoutDetails(app.kv, cart.id, { ...details, shippingRateId: "express" });
  const reused = await checkout(app, {}, { cookie, "idempotency-key": "pay-1" });
  assert.equal(reused.status, 422);
  assert.equal((await reused.json()).error.code, "idempotency_key_reused");
  // The same key with the same details replays the order.
  await saveCheckoutDetails(app.kv, cart.id, details);
  const replay = await checkout(app, {}, { cookie, "idempotency-key": "pay-1" });
  assert.equal((await replay.json()).orderId, placed.orderId);
});

Deno.test("an Idempotency-Key is bound to the details sent", async () => {
  await using app = await testApp();
  const product = await cheapProduct(app);
  const headers = { ...(await clientHeaders(app)), "idempotency-key": "k-1" };
  const body = {
    items: [{ productId: product.id, quantity: 1 }],
    shipping: ADDRESS,
    shippingRateId: "standard",
  };
  const first = await checkout(app, body, headers);
  assert.equal(first.status, 200);
  const other = await checkout(app, { ...body, shippingRateId: "express" }, headers);
  assert.equal(other.status, 422);
  assert.equal((await other.json()).error.code, "idempotency_key_reused");
  const same = await checkout(app, body, headers);
  assert.equal((await same.json()).orderId, (await first.json()).orderId);
});

Deno.test("an order placed with a customer is found by the customer index under its e-mail", async () => {
  await using app = await testApp();
  const product = await cheapProduct(app);
  const res = await checkout(app, {
    items: [{ productId: product.id, quantity: 1 }],
    customer: { ...CUSTOMER, email: "Kim@Example.com" },
    shipping: ADDRESS,
    shippingRateId: "standard",
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { orderId } = await res.json();
  const indexed = await Array.fromAsync(
    app.kv.list<string>({ prefix: keys.ordersByCustomer("kim@example.com") }),
  );
  assert.deepEqual(indexed.map((e) => e.value), [orderId]);
});
