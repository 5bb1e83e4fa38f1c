/**
 * The checkout's details form as a browser without JavaScript posts it: each bad field is a
 * 422 with its message beside it (the shopper's input kept, nothing saved, no order); good
 * details are kept with the cart and pre-fill the form on the next visit; the delivery rate
 * is its own line and in the total; and prices name the tax they include.
 */
import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "../support/app.ts";
import { productBySlug } from "../support/shop.ts";

async function testApp(env: Record<string, string> = {}) {
  const app = await createTestApp({ env });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

async function cartWith(app: TestApp, slug: string, quantity: number) {
  const product = await productBySlug(app, slug);
  const res = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ productId: product.id, quantity }),
  });
  assert.equal(res.status, 200);
  return res.headers.get("set-cookie")!.split(";")[0];
}

const post = (app: TestApp, cookie: string, fields: Record<string, string>) =>
  app.app.request("/checkout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams(fields).toString(),
  });

const get = async (app: TestApp, path: string, cookie: string) =>
  await (await app.app.request(path, { headers: { cookie } })).text();

const GOOD = {
  email: "kiri@example.nz",
  name: "Kiri Tane",
  line1: "12 Cuba Street",
  line2: "Flat 3",
  city: "Wellington",
  region: "Wellington",
  postalCode: "6011",
  country: "NZ",
  phone: "+64 21 555 0123",
  shippingRateId: "standard",
};

async function pendingOrders(app: TestApp): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of app.kv.list<string>({ prefix: ["orders_by_status", "pending"] })) {
    ids.push(e.value);
  }
  return ids;
}

/** The value an input of the page shows ("" for an empty one). */
function valueOf(html: string, id: string): string | null {
  const tag = html.match(new RegExp(`<input id="${id}"[^>]*>`))?.[0];
  if (!tag) return null;
  return tag.match(/ value="([^"]*)"/)?.[1] ?? "";
}

Deno.test("each bad field is a 422 with its message beside it, the input kept and nothing saved", async () => {
  await using app = await testApp();
  const cookie = await cartWith(app, "flat-white-blend", 1);
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ["no e-mail", { email: "" }, "email", /Enter your e-mail address/],
    ["a bad e-mail", { email: "kiri-at-example" }, "email", /E-mail must be an e-mail address/],
    ["no name", { name: "" }, "name", /Enter the name of the person receiving the order/],
    ["no street", { line1: " " }, "line1", /Enter the street address/],
    ["a long line 2", { line2: "x".repeat(201) }, "line2", /at most 200 characters/],
    ["no town", { city: "" }, "city", /Enter the town or city/],
    ["no postcode", { postalCode: "" }, "postalCode", /Enter the postcode/],
    ["a bad NZ postcode", { postalCode: "60111" }, "postalCode", /Postcode must be 4 digits/],
    ["a country not served", { country: "FR" }, "country", /We don’t deliver there/],
    ["a bad phone", { phone: "call me" }, "phone", /Phone must be a phone number/],
    ["an unknown rate", { shippingRateId: "teleport" }, "shippingRateId", /Choose a delivery/],
    ["no rate", { shippingRateId: "" }, "shippingRateId", /Choose a delivery method/],
  ];
  for (const [label, change, field, message] of cases) {
    const fields = { ...GOOD, ...change, idempotencyKey: `k-${field}`, intent: "pay" };
    const res = await post(app, cookie, fields);
    assert.equal(res.status, 422, label);
    const html = await res.text();
    const error = html.match(new RegExp(`<p id="${field}-error"[^>]*>([\\s\\S]*?)</p>`));
    assert.ok(error, `${label}: a message beside ${field}`);
    assert.match(error[1], message, label);
    if (field !== "shippingRateId") {
      const control = html.match(new RegExp(`<(input|select) id="${field}"[^>]*>`))![0];
      assert.match(control, /aria-invalid="true"/, label);
      assert.match(control, new RegExp(`aria-describedby="[^"]*${field}-error`), label);
    }
    // The error summary links to the field, and the shopper's other input is kept.
    assert.match(html, new RegExp(`data-error-summary[\\s\\S]*href="#${field}"`), label);
    assert.match(html, /<title>Error: Checkout/, label);
    if (field !== "city") assert.equal(valueOf(html, "city"), "Wellington", label);
  }
  assert.deepEqual(await pendingOrders(app), [], "no order was placed");
  const fresh = await get(app, "/checkout", cookie);
  assert.equal(valueOf(fresh, "email"), "", "nothing was saved");
  assert.equal(valueOf(fresh, "line1"), "");
});

Deno.test("good details are kept with the cart: the form comes back pre-filled, with the rates of the chosen country", async () => {
  await using app = await testApp();
  const cookie = await cartWith(app, "flat-white-blend", 2); // $37.80
  // The no-JS "show delivery options" step for Australia: saved, 303 back to the form.
  const update = await post(app, cookie, {
    ...GOOD,
    country: "AU",
    postalCode: "2000",
    intent: "update",
  });
  assert.equal(update.status, 303);
  assert.match(update.headers.get("location")!, /^\/checkout/);
  const au = await get(app, "/checkout", cookie);
  assert.equal(valueOf(au, "email"), "kiri@example.nz");
  assert.equal(valueOf(au, "line1"), "12 Cuba Street");
  assert.equal(valueOf(au, "postalCode"), "2000");
  assert.match(au, /<option value="AU" selected>Australia<\/option>/);
  assert.match(au, /value="international" checked/);
  assert.match(au, /International \(5–10 working days\)/);
  assert.match(au, /data-shipping-amount="true">\$18\.00</);
  assert.match(au, /data-cart-total="true">\$55\.80</);
  assert.match(au, /Pay \$55\.80/);
  assert.equal(await pendingOrders(app).then((o) => o.length), 0, "no order yet");

  // Back to New Zealand with Express: the rate is its own line and in the total.
  const nz = await post(app, cookie, { ...GOOD, shippingRateId: "express", intent: "update" });
  assert.equal(nz.status, 303);
  const page = await get(app, "/checkout", cookie);
  assert.match(page, /value="express" checked/);
  assert.match(page, /data-shipping-label="true">Express \(next working day\)</);
  assert.match(page, /data-shipping-amount="true">\$12\.00</);
  assert.match(page, /data-cart-subtotal="true">\$37\.80</);
  assert.match(page, /data-cart-total="true">\$49\.80</);
  assert.equal(valueOf(page, "phone"), "+64 21 555 0123");
});

Deno.test("Pay with good details places the order with the customer, the address and the rate, at the provider's total", async () => {
  await using app = await testApp();
  const cookie = await cartWith(app, "glass-carafe", 1); // $39.00
  const key =
    (await get(app, "/checkout", cookie)).match(/name="idempotencyKey" value="([^"]+)"/)![1];
  const pay = await post(app, cookie, { ...GOOD, idempotencyKey: key, intent: "pay" });
  assert.equal(pay.status, 303, await pay.clone().text());
  const sessionId = pay.headers.get("location")!.match(/cs_test_\w+/)![0];
  const session = await app.deps.provider.retrieveSession(sessionId);
  assert.equal(session.amountTotal, 3900 + 600);
  const [orderId] = await pendingOrders(app);
  const order = (await app.kv.get<import("@/lib/orders/types.ts").Order>(["orders", orderId]))
    .value!;
  assert.equal(order.customer?.email, "kiri@example.nz");
  assert.equal(order.shipping?.address.postalCode, "6011");
  assert.equal(order.shipping?.rateId, "standard");
  assert.equal(order.total, 4500);

  // A second visit (Back, a decline, a retry) finds the details already there.
  const again = await get(app, "/checkout", cookie);
  assert.equal(valueOf(again, "email"), "kiri@example.nz");
  assert.equal(valueOf(again, "city"), "Wellington");
  // The same details post again with the same key: the same session, one order.
  const twice = await post(app, cookie, { ...GOOD, idempotencyKey: key, intent: "pay" });
  assert.equal(twice.headers.get("location"), pay.headers.get("location"));
  assert.equal((await pendingOrders(app)).length, 1);
});

Deno.test("prices name the tax they include: checkout, cart and the order pages (TAX_LABEL)", async () => {
  await using app = await testApp({ TAX_LABEL: "incl. VAT" });
  const cookie = await cartWith(app, "glass-carafe", 1);
  assert.match(await get(app, "/cart", cookie), /data-tax-label="true">incl\. VAT</);
  const checkout = await get(app, "/checkout", cookie);
  assert.match(checkout, /data-tax-label="true">incl\. VAT</);
  const key = checkout.match(/name="idempotencyKey" value="([^"]+)"/)![1];
  const pay = await post(app, cookie, { ...GOOD, idempotencyKey: key, intent: "pay" });
  const sessionId = pay.headers.get("location")!.match(/cs_test_\w+/)![0];
  const success = await get(app, `/checkout/success?session_id=${sessionId}`, cookie);
  assert.match(success, /data-tax-label="true">incl\. VAT</);
  assert.match(success, /data-shipping-amount="true">\$6\.00</);
  assert.match(
    success,
    /data-delivery-address[\s\S]*12 Cuba Street[\s\S]*Wellington Wellington 6011[\s\S]*New Zealand/,
  );
  assert.match(success, /data-delivery-method="true">Standard \(2–4 working days\)/);
  assert.match(success, /data-purchase-time/);
  const receipt = success.match(
    /href="(\/orders\/[0-9A-Z]{26}\?token=[^"]+)"[^>]*data-receipt-link/,
  );
  assert.ok(receipt, "a link to the receipt");
  const order = await get(app, receipt[1].replaceAll("&amp;", "&"), cookie);
  assert.match(order, /data-tax-label="true">incl\. VAT</);
  assert.match(order, /data-delivery-method="true">Standard/);
  assert.match(order, /kiri@example\.nz/);
});
