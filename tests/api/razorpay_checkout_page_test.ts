/**
 * Issue 15's shopper pages without a browser: /checkout offers each provider in config
 * (card, and Razorpay's popup with a note for browsers without JavaScript), the Razorpay
 * save step answers JSON, the CSP is widened for the Razorpay emulator's origin on the pages
 * that open its popup only, and the success page and status poll take a Razorpay order id.
 */
import assert from "node:assert/strict";
import { CSP_WIDEN_HEADER, widenCsp } from "@/lib/http/security_headers.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { productBySlug } from "../support/shop.ts";

const SHOPPER = {
  email: "kiri@example.nz",
  name: "Kiri Tane",
  line1: "12 Cuba Street",
  city: "Wellington",
  postalCode: "6011",
  country: "NZ",
  shippingRateId: "standard",
};

async function testApp(providers: string) {
  const app = await createTestApp({ env: { PAYMENT_PROVIDERS: providers } });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

async function cartWith(app: TestApp, slug: string) {
  const product = await productBySlug(app, slug);
  const res = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ productId: product.id, quantity: 1 }),
  });
  assert.equal(res.status, 200);
  return res.headers.get("set-cookie")!.split(";")[0];
}

async function get(app: TestApp, path: string, cookie?: string) {
  const res = await app.app.request(path, { headers: cookie ? { cookie } : {} });
  return {
    status: res.status,
    html: await res.text(),
    csp: res.headers.get("content-security-policy") ?? "",
    marker: res.headers.get(CSP_WIDEN_HEADER),
  };
}

const directive = (csp: string, name: string) =>
  csp.split(";").map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? null;

function saveDetails(app: TestApp, cookie: string, fields: Record<string, string>) {
  return app.app.request("/checkout", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
      cookie,
    },
    body: new URLSearchParams({ ...fields, intent: "save" }).toString(),
  });
}

Deno.test("/checkout offers card and Razorpay when both are in config, and says Razorpay needs JavaScript", async () => {
  await using app = await testApp("stripe,razorpay");
  const cookie = await cartWith(app, "flat-white-blend");
  const page = await get(app, "/checkout", cookie);
  assert.equal(page.status, 200);
  assert.match(page.html, /Pay \$24\.90 with card/);
  assert.match(page.html, /Pay \$24\.90 with UPI, cards or netbanking/);
  assert.match(page.html, /"RazorpayPay":"\/_fresh\/js\/RazorpayPay-[\w-]+\.js"/);
  // Hidden until hydrated; without JavaScript the page says why and offers the card.
  assert.match(page.html, /<div hidden data-razorpay-pay="true"/);
  assert.match(
    page.html,
    /<p class="[^"]*" data-needs-javascript="true">Paying with UPI, cards or netbanking \(Razorpay\) needs JavaScript[^<]*You can pay by card/,
  );
  assert.ok(page.html.includes(app.razorpayEmulator!.checkoutUrl), "the island loads its script");
});

Deno.test("/checkout offers only the providers in config", async () => {
  {
    await using app = await testApp("stripe");
    const cookie = await cartWith(app, "flat-white-blend");
    const page = await get(app, "/checkout", cookie);
    assert.match(page.html, /Pay \$24\.90</);
    assert.ok(!page.html.includes("with card"));
    assert.ok(!page.html.includes("UPI"));
    assert.ok(!page.html.includes("RazorpayPay"));
    assert.equal(directive(page.csp, "frame-src"), null);
  }
  {
    await using app = await testApp("razorpay");
    const cookie = await cartWith(app, "flat-white-blend");
    const page = await get(app, "/checkout", cookie);
    assert.match(page.html, /Pay \$24\.90 with UPI, cards or netbanking/);
    assert.ok(!page.html.includes("PayButton"), "no card button");
    assert.match(page.html, /needs JavaScript, which is off in this browser\.<\/p>/);
  }
});

Deno.test("the CSP allows the Razorpay emulator's origin on the pages that open its popup, and nowhere else", async () => {
  await using app = await testApp("stripe,razorpay");
  const origin = new URL(app.razorpayEmulator!.checkoutUrl).origin;
  const cookie = await cartWith(app, "flat-white-blend");
  const page = await get(app, "/checkout", cookie);
  assert.equal(page.marker, null, "the internal marker never leaves the server");
  const script = directive(page.csp, "script-src")!;
  assert.match(script, new RegExp(`^script-src 'self' 'nonce-[\\w+/=-]+' ${origin}$`));
  assert.equal(directive(page.csp, "connect-src"), `connect-src 'self' ${origin}`);
  assert.equal(directive(page.csp, "frame-src"), `frame-src 'self' ${origin}`);
  assert.equal(directive(page.csp, "default-src"), "default-src 'self'");
  assert.equal(directive(page.csp, "style-src")?.includes(origin), false);
  // The nonce still marks the page's own scripts.
  const nonce = script.match(/'nonce-([^']+)'/)![1];
  assert.ok(page.html.includes(`nonce="${nonce}"`));

  for (
    const path of ["/", "/cart", "/products/flat-white-blend", "/checkout/success?session_id=cs_x"]
  ) {
    const other = await get(app, path, cookie);
    assert.ok(!other.csp.includes(origin), `${path} does not allow the emulator`);
    assert.equal(directive(other.csp, "frame-src"), null, path);
  }
});

Deno.test("widenCsp adds only well-formed origins to script, connect and frame sources", () => {
  const base = "default-src 'self'; script-src 'self' 'nonce-abc'; connect-src 'self'";
  assert.equal(
    widenCsp(base, {
      script: ["https://checkout.razorpay.com", "*", "'unsafe-inline'", "https://x.test/path"],
      connect: ["https://api.razorpay.com"],
      frame: ["https://api.razorpay.com; script-src *"],
    }),
    "default-src 'self'; script-src 'self' 'nonce-abc' https://checkout.razorpay.com; " +
      "connect-src 'self' https://api.razorpay.com",
  );
});

Deno.test("Razorpay's save step keeps the details and answers the key they make; bad details are 422", async () => {
  await using app = await testApp("stripe,razorpay");
  const cookie = await cartWith(app, "flat-white-blend");
  const bad = await saveDetails(app, cookie, { ...SHOPPER, email: "not-an-email" });
  assert.equal(bad.status, 422);
  assert.equal((await bad.json()).error.code, "invalid_checkout_details");
  const ok = await saveDetails(app, cookie, SHOPPER);
  assert.equal(ok.status, 200);
  const { idempotencyKey } = await ok.json();
  assert.match(idempotencyKey, /^cart-/);
  const page = await get(app, "/checkout", cookie);
  assert.ok(page.html.includes(`value="${idempotencyKey}"`), "the page's key is the saved one");
  assert.ok(page.html.includes('value="kiri@example.nz"'), "the details are kept");
  // Without JavaScript the same post goes back to the page.
  const noJs = await app.app.request("/checkout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ ...SHOPPER, intent: "save" }).toString(),
  });
  assert.equal(noJs.status, 303);
});

Deno.test("the success page, the status poll and the retry pages take a Razorpay order", async () => {
  await using app = await testApp("stripe,razorpay");
  const cookie = await cartWith(app, "flat-white-blend");
  const saved = await saveDetails(app, cookie, SHOPPER);
  const { idempotencyKey } = await saved.json();
  const res = await app.app.request("/api/payments/create-order", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "idempotency-key": idempotencyKey,
      cookie,
      origin: app.deps.config.publicOrigin,
    },
    body: "{}",
  });
  assert.equal(res.status, 200, await res.clone().text());
  const created = await res.json();
  const success = await get(app, `/checkout/success?session_id=${created.providerOrderId}`);
  assert.equal(success.status, 200);
  assert.match(success.html, /Confirming your payment/);
  assert.ok(success.html.includes(created.orderNumber));

  const poll = await app.app.request(`/api/orders/by-session/${created.providerOrderId}`);
  assert.equal(poll.status, 200);
  assert.equal((await poll.json()).status, "pending");

  await app.razorpayEmulator!.pay(created.providerOrderId, "decline");
  const origin = new URL(app.razorpayEmulator!.checkoutUrl).origin;
  for (
    const path of [
      `/checkout/cancel?order=${created.orderId}&token=${created.orderToken}`,
      `/orders/${created.orderId}?token=${created.orderToken}`,
    ]
  ) {
    const retry = await get(app, path);
    assert.equal(retry.status, 200, path);
    assert.match(retry.html, /Retry payment<span> with card<\/span>/, path);
    assert.match(retry.html, /Retry payment with UPI, cards or netbanking/, path);
    assert.ok(retry.csp.includes(origin), `${path} may open the popup`);
  }

  const unknown = await get(app, "/checkout/success?session_id=order_Unknown123");
  assert.equal(unknown.status, 404);
});

Deno.test("Pay by card after a Razorpay attempt pays the order that attempt placed", async () => {
  await using app = await testApp("stripe,razorpay");
  const cookie = await cartWith(app, "flat-white-blend");
  const { idempotencyKey } = await (await saveDetails(app, cookie, SHOPPER)).json();
  const res = await app.app.request("/api/payments/create-order", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "idempotency-key": idempotencyKey,
      cookie,
      origin: app.deps.config.publicOrigin,
    },
    body: "{}",
  });
  const created = await res.json();
  await app.razorpayEmulator!.pay(created.providerOrderId, "decline");
  // The page reloaded: its key is the one the Razorpay request used.
  const page = await get(app, "/checkout", cookie);
  assert.ok(page.html.includes(`value="${idempotencyKey}"`));
  const card = await app.app.request("/checkout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ ...SHOPPER, idempotencyKey, intent: "pay" }).toString(),
  });
  assert.equal(card.status, 303, await card.clone().text());
  assert.match(card.headers.get("location")!, /\/pay\/cs_test_/);
  const sessions = app.emulator!.sessions();
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].metadata?.order_id ?? created.orderId, created.orderId);
});
