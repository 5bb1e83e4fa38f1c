/**
 * What a new shopper and a new admin read, through the whole app: no e-mail promised
 * without an address, one name for "Retry payment", the order page following shipping and
 * refunds, the cart's one-of-a-kind refusal, the 404's title, the admin's words for an event
 * that changed nothing, and the bytes on the wire (compression, static cache lifetimes).
 */
import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { recordFact } from "@/lib/facts/record_fact.ts";
import { startTestReceiver } from "@/lib/notify/test_receiver.ts";
import { TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { adminApp, getPage, signIn } from "../support/admin.ts";
import { createTestApp, eventually, type TestApp } from "../support/app.ts";
import { checkoutOk, orderOf, outcomes, postEvent, productBySlug } from "../support/shop.ts";

async function testApp(options: Parameters<typeof createTestApp>[0] = {}) {
  const app = await createTestApp(options);
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

const page = async (app: TestApp, path: string, headers: Record<string, string> = {}) => {
  const res = await app.app.request(path, { headers });
  return { res, html: await res.text() };
};

/** A paid order of one tea towel, placed through the API with `metadata`. */
async function paidOrder(app: TestApp, metadata: Record<string, string> = {}) {
  const towel = await productBySlug(app, "tea-towel");
  const placed = await checkoutOk(app, {
    items: [{ productId: towel.id, quantity: 1 }],
    metadata,
  });
  app.emulator!.pay(placed.id, TEST_CARDS.success);
  await eventually(async () => (await orderOf(app, placed.orderId)).status === "paid");
  return placed;
}

async function orderUrl(app: TestApp, orderId: string) {
  return `/orders/${orderId}?token=${await signOrderToken(app.deps.secret, orderId)}`;
}

/** The words of the order page's status section. */
const statusText = (html: string) =>
  html.match(/<section aria-labelledby="status-heading"[\s\S]*?<\/section>/)![0]
    .replace(/<[^>]+>/g, " ");

Deno.test("without an address the success and order pages promise no e-mail; with metadata.email they do", async () => {
  await using app = await testApp();
  const anonymous = await paidOrder(app);
  const known = await paidOrder(app, { email: "kiri@example.nz" });
  for (const [placed, promised] of [[anonymous, false], [known, true]] as const) {
    const success = await page(app, `/checkout/success?session_id=${placed.id}`);
    assert.match(success.html, /Payment received\. Thank you!/);
    const status = await page(app, await orderUrl(app, placed.orderId));
    assert.match(status.html, /Paid, being prepared/);
    for (const { html } of [success, status]) {
      assert.equal(/e-mail/i.test(html), promised, html);
    }
    if (promised) {
      assert.match(success.html, /We’ll e-mail your receipt\./);
      assert.match(status.html, /Your receipt comes by e-mail\./);
    }
  }

  // A bank debit still settling: the order page says where to look instead.
  const debit = await checkoutOk(app, {
    items: [{ productId: (await productBySlug(app, "paper-filters")).id, quantity: 1 }],
  });
  const pending = statusText((await page(app, await orderUrl(app, debit.orderId))).html);
  assert.match(pending, /A bank debit can take a few days to clear; check this page again/);
  assert.doesNotMatch(pending, /e-mail/i);
});

Deno.test('a receipt task without an address ends "no address" in the admin\'s task list: no marker, nothing sent', async () => {
  await using mail = startTestReceiver();
  await using app = await adminApp({ env: { MAIL_API_URL: mail.url, MAIL_FROM: "s@example.com" } });
  const placed = await paidOrder(app);
  const receipt = await eventually(async () =>
    (await listOrderTasks(app.kv, placed.orderId)).find((t) =>
      t.kind === "send_receipt" && t.status === "done"
    )
  );
  assert.equal(receipt.result, "no address");
  const markers = await Array.fromAsync(app.kv.list({ prefix: ["receipts_sent"] }));
  assert.deepEqual(markers, []);
  assert.equal(mail.requests.length, 0);
  const cookie = await signIn(app);
  const admin = await (await getPage(app, cookie, `/admin/orders/${placed.orderId}`)).text();
  assert.match(admin, /data-task="send_receipt"[\s\S]*?no address/);
});

Deno.test("adding a one-of-a-kind item the cart already holds says it is already in the cart", async () => {
  await using app = await testApp();
  const mug = await productBySlug(app, "studio-mug");
  const add = (cookie?: string) =>
    app.app.request("/api/cart/items", {
      method: "POST",
      headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ productId: mug.id, quantity: 1 }),
    });
  const first = await add();
  assert.equal(first.status, 200);
  const cookie = first.headers.get("set-cookie")!.split(";")[0];
  const again = await add(cookie);
  assert.equal(again.status, 422);
  const { error } = await again.json();
  assert.equal(error.code, "unique_item");
  assert.equal(
    error.message,
    "Studio Mug, one of a kind is already in your cart, and there is only one",
  );
  // The no-JS form on the cart page says the same.
  const form = await app.app.request("/cart", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ action: "set", productId: mug.id, quantity: "2" }).toString(),
  });
  assert.equal(form.status, 422);
  assert.match(await form.text(), /is already in your cart, and there is only one/);
});

Deno.test('"Retry payment" is the one name on the cancel, order status and success pages', async () => {
  await using app = await testApp();
  const towel = await productBySlug(app, "tea-towel");
  const placed = await checkoutOk(app, { items: [{ productId: towel.id, quantity: 1 }] });
  const token = await signOrderToken(app.deps.secret, placed.orderId);
  const cancel = await page(app, `/checkout/cancel?order=${placed.orderId}&token=${token}`);
  const pending = await page(app, await orderUrl(app, placed.orderId));
  app.emulator!.pay(placed.id, TEST_CARDS.genericDecline);
  await eventually(async () => (await orderOf(app, placed.orderId)).status === "failed");
  const declined = await page(app, `/checkout/success?session_id=${placed.id}`);
  assert.match(declined.html, /data-state="failed"/);
  for (const [name, { html }] of Object.entries({ cancel, pending, declined })) {
    assert.match(html, />Retry payment</, name);
    assert.doesNotMatch(html, /Pay now|Try paying again|Pay again|try again/i, name);
  }
});

Deno.test("the order page says the order is being prepared while paid, and sent once fulfilled", async () => {
  await using app = await testApp();
  const placed = await paidOrder(app);
  const url = await orderUrl(app, placed.orderId);
  const preparing = statusText((await page(app, url)).html);
  assert.match(preparing, /Paid, being prepared/);
  assert.match(preparing, /Your payment is in and we’re preparing your order\./);
  const system = { kind: "system" } as const;
  const deps = { kv: app.kv, now: () => new Date() };
  await recordFact(deps, placed.orderId, { kind: "fulfillment_started" }, system);
  await recordFact(
    deps,
    placed.orderId,
    { kind: "fulfillment_succeeded", externalId: "ship_1" },
    system,
  );
  const sent = statusText((await page(app, url)).html);
  assert.match(sent, /Sent/);
  assert.match(sent, /Your order has been sent\./);
  assert.doesNotMatch(sent, /prepar/);
});

Deno.test("the order page shows the amount paid and what was refunded", async () => {
  await using app = await testApp();
  const placed = await paidOrder(app);
  const url = await orderUrl(app, placed.orderId);
  const paid = (await page(app, url)).html;
  assert.match(paid, /<dt>Paid<\/dt><dd><span[^>]*data-amount-paid[^>]*>\$18\.00</);
  assert.doesNotMatch(paid, /data-amount-refunded/, "no refund row before a refund");
  const order = await orderOf(app, placed.orderId);
  const refunded = await postEvent(app, "charge.refunded", {
    id: "ch_1",
    object: "charge",
    payment_intent: order.payment.paymentIntentId,
    amount: 1800,
    amount_refunded: 500,
    currency: "nzd",
    refunded: false,
  });
  assert.equal(refunded.status, 200, await refunded.text());
  await eventually(async () => (await orderOf(app, placed.orderId)).payment.refundedAmount === 500);
  const html = (await page(app, url)).html;
  assert.match(html, /<dt>Refunded<\/dt><dd><span[^>]*data-amount-refunded[^>]*>\$5\.00</);
  assert.match(html, /data-amount-paid[^>]*>\$18\.00</);
  assert.match(statusText(html), /Partly refunded[\s\S]*Part of your payment was refunded\./);
});

Deno.test("the 404 page has its own title", async () => {
  await using app = await testApp();
  for (const path of ["/no-such-page", "/products/no-such-product"]) {
    const { res, html } = await page(app, path);
    assert.equal(res.status, 404, path);
    assert.match(html, /<title>Page not found · Settle<\/title>/, path);
  }
});

Deno.test('in the admin, a provider event that changed nothing reads "Already applied"', async () => {
  await using app = await adminApp({ emulator: { duplicateRate: 1 } });
  const placed = await paidOrder(app);
  // The duplicate may be a kept intent event, applied by a task after delivery went quiet.
  await eventually(async () =>
    (await outcomes(app, placed.orderId)).includes("payment_succeeded:duplicate")
  );
  const cookie = await signIn(app);
  const html = await (await getPage(app, cookie, `/admin/orders/${placed.orderId}`)).text();
  assert.match(html, />Already applied</);
  assert.doesNotMatch(html, />Duplicate</);
});

/**
 * What the home page's scripts may weigh, gzip level 9 file by file: 10,551 B when set
 * (issue 16 aims at 10 KB; Preact, hooks and signals-core alone are about 7.4 KB), so a
 * change that adds half a kilobyte to every shopper's first visit fails here.
 */
const HOME_JS_GZIP_BUDGET = 11_000;

Deno.test("the home page's JavaScript, the runtime and its islands with their chunks, stays within budget", async () => {
  await using app = await testApp();
  const html = await (await app.app.request("/")).text();
  const state = JSON.parse(html.match(/id="__FRSH_STATE"[^>]*>(.*?)<\/script>/s)![1]);
  const boot = html.match(/<script type="module" src="([^"]+)"/)![1];
  const queue = [boot, ...Object.values(state.urls as Record<string, string>)];
  const sizes = new Map<string, number>();
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    if (sizes.has(path)) continue;
    const bytes = new Uint8Array(await (await app.app.request(path)).arrayBuffer());
    sizes.set(path, gzipSync(bytes, { level: 9 }).length);
    const text = new TextDecoder().decode(bytes);
    for (const [, rel] of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"(\.\/[^"]+)"/g)) {
      queue.push(new URL(rel, `http://x${path}`).pathname);
    }
  }
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  assert.ok(total <= HOME_JS_GZIP_BUDGET, `${total} B gzip in ${sizes.size} files`);
  // The framework is in the runtime only: every other file is the page's own island code.
  assert.ok(sizes.get(boot)! > total / 2, `the runtime is ${sizes.get(boot)} of ${total} B`);
});

Deno.test("HTML, island bundles and large SVGs are gzipped when accepted; small files and webhook answers are not", async () => {
  await using app = await testApp();
  const get = (path: string, gzip: boolean) =>
    app.app.request(path, { headers: gzip ? { "accept-encoding": "gzip, deflate, br" } : {} });
  const home = await get("/", true);
  assert.equal(home.headers.get("content-encoding"), "gzip");
  assert.match(home.headers.get("vary") ?? "", /accept-encoding/i);
  const html = new TextDecoder().decode(gunzipSync(new Uint8Array(await home.arrayBuffer())));
  assert.match(html, /^<!DOCTYPE html>/);
  const island = html.match(/"AddToCart":"(\/_fresh\/js\/[^"]+)"/)![1];
  const stylesheet = html.match(/<link rel="stylesheet" href="([^"]+)">/)![1];
  // The boot script is the runtime every island page shares (Preact, signals, boot code).
  const boot = html.match(/<script type="module" src="(\/_fresh\/js\/boot-[^"]+)"/)![1];
  for (const path of [island, boot, stylesheet, "/images/tea-towel.svg"]) {
    const zipped = await get(path, true);
    assert.equal(zipped.headers.get("content-encoding"), "gzip", path);
    const plain = await get(path, false);
    assert.equal(plain.headers.get("content-encoding"), null, path);
    assert.deepEqual(
      gunzipSync(new Uint8Array(await zipped.arrayBuffer())),
      Buffer.from(await plain.arrayBuffer()),
      path,
    );
  }
  const plainHome = await get("/", false);
  assert.equal(plainHome.headers.get("content-encoding"), null);
  assert.match(await plainHome.text(), /^<!DOCTYPE html>/);
  const favicon = await get("/favicon.svg", true);
  assert.ok(Number(favicon.headers.get("content-length")) < 1024);
  assert.equal(favicon.headers.get("content-encoding"), null, "a file under 1 KiB stays plain");
  await favicon.body?.cancel();
  const webhook = await app.app.request("/api/payments/webhook", {
    method: "POST",
    headers: { "accept-encoding": "gzip", "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(webhook.headers.get("content-encoding"), null);
  await webhook.body?.cancel();
});

Deno.test("static images and the favicon are cached for a day; island bundles for good", async () => {
  await using app = await testApp();
  for (const path of ["/favicon.svg", "/images/tea-towel.svg"]) {
    const res = await app.app.request(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("cache-control"), "public, max-age=86400", path);
    await res.body?.cancel();
  }
  const html = await (await app.app.request("/")).text();
  const island = html.match(/<link rel="modulepreload" href="(\/_fresh\/js\/[^"]+)"/)![1];
  const bundle = await app.app.request(island);
  assert.equal(bundle.headers.get("cache-control"), "public, max-age=31536000, immutable");
  await bundle.body?.cancel();
});
