/**
 * The shopper's checkout pages through the whole app, as a browser without JavaScript sees
 * them: the review and its Pay form, the success page, the cancel page with its retry form,
 * and the order status page, with their 403 and 404 answers.
 */
import { PROVIDER_CHECK_WINDOW_MS } from "@/lib/checkout/order_status.ts";
import assert from "node:assert/strict";
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { setStockLevel } from "@/lib/stock/stock.ts";
import { TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { createTestApp, eventually, type TestApp } from "../support/app.ts";
import { type Checkout, checkout, checkoutOk, orderOf, productBySlug } from "../support/shop.ts";

async function testApp(options: Parameters<typeof createTestApp>[0] = {}) {
  const app = await createTestApp(options);
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

/** A cart cookie holding `quantity` of the product at `slug`. */
async function cartWith(app: TestApp, slug: string, quantity: number, cookie?: string) {
  const product = await productBySlug(app, slug);
  const res = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ productId: product.id, quantity }),
  });
  assert.equal(res.status, 200);
  return cookie ?? res.headers.get("set-cookie")!.split(";")[0];
}

function postForm(app: TestApp, path: string, fields: Record<string, string>, cookie?: string) {
  return app.app.request(path, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

const page = async (app: TestApp, path: string, cookie?: string) => {
  const res = await app.app.request(path, { headers: cookie ? { cookie } : {} });
  return { status: res.status, html: await res.text() };
};

const keyOf = (html: string) => html.match(/name="idempotencyKey" value="([^"]+)"/)![1];

async function pendingOrders(app: TestApp): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of app.kv.list<string>({ prefix: ["orders_by_status", "pending"] })) {
    ids.push(e.value);
  }
  return ids;
}

Deno.test("/checkout reviews the cart with unit prices, quantities, total and currency; an empty cart says so", async () => {
  await using app = await testApp();
  const empty = await page(app, "/checkout");
  assert.equal(empty.status, 200);
  assert.match(empty.html, /Your cart is empty\./);
  assert.ok(!empty.html.includes("<script"), "an empty review ships no JavaScript");

  const cookie = await cartWith(app, "flat-white-blend", 2);
  await cartWith(app, "ethiopia-guji", 1, cookie);
  const review = await page(app, "/checkout", cookie);
  assert.equal(review.status, 200);
  assert.match(review.html, /Flat White Blend, 250 g[\s\S]*Quantity<\/span> 2[\s\S]*\$18\.90/);
  assert.match(review.html, /Ethiopia Guji, 250 g[\s\S]*\$22\.90/);
  // The items, then the cheapest rate of the shop's first country as its own line.
  assert.match(review.html, /data-cart-subtotal="true">\$60\.70</);
  assert.match(review.html, /data-shipping-amount="true">\$6\.00</);
  assert.match(review.html, /data-cart-total="true">\$66\.70<\/span> <span[^>]*>NZD/);
  assert.match(review.html, /<form method="post" action="\/checkout">/);
  assert.match(review.html, /Pay \$66\.70/);
  assert.match(review.html, /"PayButton":"\/_fresh\/js\/PayButton-[\w-]+\.js"/);
  const again = await page(app, "/checkout", cookie);
  assert.equal(keyOf(again.html), keyOf(review.html), "Back and Pay again resumes one order");
  await cartWith(app, "ethiopia-guji", 1, cookie);
  const changed = await page(app, "/checkout", cookie);
  assert.notEqual(keyOf(changed.html), keyOf(review.html), "a changed cart is a new checkout");
});

Deno.test("without JavaScript the Pay form opens one session per key and answers 303 to it", async () => {
  await using app = await testApp();
  const cookie = await cartWith(app, "glass-carafe", 1);
  const key = keyOf((await page(app, "/checkout", cookie)).html);
  const first = await postForm(app, "/checkout", { idempotencyKey: key }, cookie);
  assert.equal(first.status, 303);
  const location = first.headers.get("location")!;
  assert.match(location, /^http:\/\/127\.0\.0\.1:\d+\/pay\/cs_test_/);
  const second = await postForm(app, "/checkout", { idempotencyKey: key }, cookie);
  assert.equal(
    second.headers.get("location"),
    location,
    "a double submit reaches the same session",
  );
  assert.equal((await pendingOrders(app)).length, 1);

  const foreign = await app.app.request("/checkout", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: "https://evil.example",
      cookie,
    },
    body: new URLSearchParams({ idempotencyKey: "other" }).toString(),
  });
  assert.equal(foreign.status, 403);
  assert.equal((await pendingOrders(app)).length, 1);
});

Deno.test("a refused Pay form shows the review again: what sold out (422), or the provider down (502)", async () => {
  await using app = await testApp();
  const cookie = await cartWith(app, "studio-mug", 1);
  await setStockLevel(app.kv, (await productBySlug(app, "studio-mug")).id, 0, {
    reason: "test",
    actor: "test",
  });
  const soldOut = await postForm(app, "/checkout", { idempotencyKey: "k1" }, cookie);
  assert.equal(soldOut.status, 422);
  const html = await soldOut.text();
  assert.match(html, /Studio Mug, one of a kind is sold out\. Update your cart, then pay\./);
  assert.match(html, /Sold out\. Remove it to check out\./);

  await setStockLevel(app.kv, (await productBySlug(app, "studio-mug")).id, 1, {
    reason: "test",
    actor: "test",
  });
  await app.emulator!.close();
  const down = await postForm(app, "/checkout", { idempotencyKey: "k2" }, cookie);
  assert.equal(down.status, 502);
  const downHtml = await down.text();
  assert.match(downHtml, /Nothing was charged and nothing is lost/);
  assert.match(downHtml, /name="idempotencyKey" value="k2"/, "a second try reuses the key");
});

Deno.test("the success page shows the order's state from the provider; an unknown session is a 404 that helps", async () => {
  // Webhooks held back: only the page's own by-session check can see the payment.
  await using app = await testApp({ emulator: { delayMs: 60_000 } });
  for (const query of ["", "?session_id=", "?session_id=nope", "?session_id=cs_test_unknown"]) {
    const missing = await page(app, `/checkout/success${query}`);
    assert.equal(missing.status, 404, query);
    assert.match(missing.html, /We couldn’t find that checkout/);
  }
  const cookie = await cartWith(app, "paper-filters", 1);
  const placed = await (await checkout(app, {}, { cookie })).json() as Checkout;
  const pending = await page(app, `/checkout/success?session_id=${placed.id}`, cookie);
  assert.equal(pending.status, 200);
  assert.match(pending.html, /data-state="pending"/);
  assert.match(pending.html, /Confirming your payment…/);
  assert.match(pending.html, new RegExp(`href="/checkout/success\\?session_id=${placed.id}"`));
  assert.match(pending.html, /Paper Filters, pack of 100/);
  assert.match(pending.html, /"CheckoutStatus":/);
  assert.match(pending.html, /"CartCountLive":/, "the header's count follows the paid cart");

  app.emulator!.pay(placed.id, TEST_CARDS.success);
  // The page asked the provider moments ago; its next ask waits out the window.
  app.deps.now = () => new Date(Date.now() + PROVIDER_CHECK_WINDOW_MS);
  const paid = await page(app, `/checkout/success?session_id=${placed.id}`, cookie);
  assert.match(paid.html, /data-state="paid"/);
  assert.match(paid.html, /Payment received\. Thank you!/);
  assert.match(paid.html, new RegExp(placed.orderNumber));
  assert.equal((await orderOf(app, placed.orderId)).status, "paid");
});

Deno.test("the cancel page shows the saved order to its owner only, and its form retries with a 303", async () => {
  await using app = await testApp();
  const cookie = await cartWith(app, "pour-over-dripper", 2);
  const placed = await (await checkout(app, {}, { cookie })).json() as Checkout;
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  const url = `/checkout/cancel?order=${placed.orderId}&token=${token}`;

  const shown = await page(app, url);
  assert.equal(shown.status, 200);
  assert.match(shown.html, /Your payment wasn’t completed/);
  assert.match(shown.html, /Ceramic Pour-Over Dripper[\s\S]*Quantity<\/span> 2[\s\S]*\$45\.00/);
  assert.match(shown.html, /\$90\.00/);
  assert.match(shown.html, /<form method="post" action="\/checkout\/cancel">/);
  assert.match(shown.html, new RegExp(`name="token" value="${token}"`));
  assert.equal((await page(app, `/checkout/cancel?order=${placed.orderId}`, cookie)).status, 200);

  const otherCookie = await cartWith(app, "tea-towel", 1);
  for (
    const [path, who] of [
      [`/checkout/cancel?order=${placed.orderId}`, undefined],
      [`/checkout/cancel?order=${placed.orderId}&token=forged`, undefined],
      [`/checkout/cancel?order=${placed.orderId}`, otherCookie],
    ] as const
  ) {
    const refused = await page(app, path, who);
    assert.equal(refused.status, 403, path);
    assert.match(refused.html, /This order link doesn’t open here/);
    assert.ok(!refused.html.includes("Pour-Over"), "nothing of the order is shown");
  }
  const overlong = `/checkout/cancel?order=${"a".repeat(3000)}&token=x`; // found by the fuzzer
  for (
    const path of [
      "/checkout/cancel",
      `/checkout/cancel?order=01JZZZZZZZZZZZZZZZZZZZZZZZ`,
      overlong,
    ]
  ) {
    const unknown = await page(app, path);
    assert.equal(unknown.status, 404, path);
    assert.match(unknown.html, /We couldn’t find that order/);
  }

  assert.equal((await postForm(app, "/checkout/cancel", { order: placed.orderId })).status, 403);
  const retried = await postForm(app, "/checkout/cancel", { order: placed.orderId, token });
  assert.equal(retried.status, 303);
  const session = retried.headers.get("location")!.match(/cs_test_\w+/)![0];
  assert.deepEqual((await orderOf(app, placed.orderId)).payment.sessionIds, [placed.id, session]);

  app.emulator!.pay(session, TEST_CARDS.success);
  await eventually(async () => (await orderOf(app, placed.orderId)).status === "paid");
  const paid = await page(app, url);
  assert.match(paid.html, /This order is already paid/);
  assert.match(paid.html, new RegExp(`href="/orders/${placed.orderId}\\?token=${token}"`));
  assert.ok(!paid.html.includes('action="/checkout/cancel"'), "no retry for a paid order");
  const again = await postForm(app, "/checkout/cancel", { order: placed.orderId, token });
  assert.equal(again.status, 200, "a retry of a paid order shows that it is paid");
  assert.match(await again.text(), /This order is already paid/);
});

Deno.test("the order status page: its owner sees status and payment in plain words, and a retry while payable", async () => {
  await using app = await testApp();
  const cookie = await cartWith(app, "reusable-cup", 1);
  const placed = await (await checkout(app, {}, { cookie })).json() as Checkout;
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  const url = `/orders/${placed.orderId}?token=${token}`;

  const pending = await page(app, url);
  assert.equal(pending.status, 200);
  assert.match(pending.html, new RegExp(`Order <span[^>]*>${placed.orderNumber}</span>`));
  assert.match(pending.html, /Waiting for payment/);
  assert.match(pending.html, /Not confirmed yet/);
  assert.match(pending.html, />Retry payment</);
  assert.match(pending.html, /Reusable Cup, 12 oz/);
  assert.equal((await page(app, `/orders/${placed.orderId}`, cookie)).status, 200);
  assert.equal((await page(app, `/orders/${placed.orderId}`)).status, 403);
  assert.equal((await page(app, `/orders/${placed.orderId}?token=${token}x`)).status, 403);
  assert.equal((await page(app, "/orders/not-an-order")).status, 404);
  assert.equal((await page(app, `/orders/01JZZZZZZZZZZZZZZZZZZZZZZZ?token=${token}`)).status, 404);

  app.emulator!.expireNow(placed.id);
  await eventually(async () => (await orderOf(app, placed.orderId)).stock === "released");
  const expired = await page(app, url);
  assert.match(expired.html, /Not paid in time/);
  assert.match(expired.html, />Retry payment</);

  const other = await checkoutOk(app, {
    items: [{ productId: (await productBySlug(app, "tea-towel")).id, quantity: 1 }],
  });
  app.emulator!.pay(other.id, TEST_CARDS.success);
  const otherUrl = `/orders/${other.orderId}?token=${await signOrderToken(
    app.deps.secret,
    other.orderId,
  )}`;
  const paid = await page(app, otherUrl);
  assert.match(paid.html, /Paid, being prepared/);
  assert.match(paid.html, />Received</);
  assert.ok(!paid.html.includes("retry-session") && !paid.html.includes("Retry payment"));
});
