/**
 * /admin/mail: the development mail outbox. Signed-in admins only; a paid order's receipt is
 * listed; a message's subject and text are escaped and its HTML only ever sits, escaped, in
 * a sandboxed iframe's srcdoc.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { getProduct } from "@/lib/db/products.ts";
import { createKvOutboxTransport, listOutbox } from "@/lib/notify/outbox.ts";
import { eventually } from "../support/app.ts";
import { adminApp, getPage, signIn } from "../support/admin.ts";
import { checkoutOk, stockedProducts } from "../support/shop.ts";

const CARD = "4242424242424242";

Deno.test("/admin/mail needs sign-in, then lists a paid order's receipt", async () => {
  await using app = await adminApp();
  const anonymous = await app.app.request("/admin/mail", { redirect: "manual" });
  assertEquals(anonymous.status, 303);
  ok(anonymous.headers.get("location")!.startsWith("/admin/login?next=%2Fadmin%2Fmail"));
  const [{ id }] = await stockedProducts(app);
  const product = (await getProduct(app.kv, id))!;
  const s = await checkoutOk(app, {
    items: [{ productId: product.id, quantity: 1 }],
    metadata: { email: "kiri@example.nz" },
  });
  app.emulator!.pay(s.id, CARD);
  const [mail] = await eventually(async () => {
    const all = await listOutbox(app.kv);
    return all.length ? all : null;
  });
  assertEquals([mail.to, mail.orderId], ["kiri@example.nz", s.orderId]);
  const cookie = await signIn(app);
  const list = await getPage(app, cookie, "/admin/mail");
  assertEquals(list.status, 200);
  assertEquals(list.headers.get("cache-control"), "no-store");
  const html = await list.text();
  ok(html.includes(`Your receipt for order ${s.orderNumber}`), html);
  ok(html.includes("kiri@example.nz"));
  ok(html.includes(`href="/admin/orders/${s.orderId}"`));
  ok(html.includes(`href="/admin/mail/${mail.id}"`));
  ok(html.includes('href="/admin/mail"') && html.includes(">Mail<"), "the header links Mail");
  const view = await (await getPage(app, cookie, `/admin/mail/${mail.id}`)).text();
  ok(view.includes(product.title), view);
  ok(view.includes(`/orders/${s.orderId}?token=`), "the message shows the shopper's link");
  assertEquals((await getPage(app, cookie, "/admin/mail/not-an-id")).status, 404);
  assertEquals((await getPage(app, cookie, "/admin/mail/01ARZ3NDEKTSV4RRFFQ69G5FAV")).status, 404);
});

Deno.test("a message view escapes a hostile subject and body; its HTML stays sandboxed", async () => {
  await using app = await adminApp();
  const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>`;
  const { messageId } = await createKvOutboxTransport(app.kv).send({
    from: "shop@example.com",
    to: "kiri@example.nz",
    subject: `Hi ${hostile}`,
    text: `Body ${hostile}`,
    html: `<p>${hostile}</p><a href="javascript:alert(3)">x</a>`,
  }, { idempotencyKey: "test:1", reference: "SO-1", signal: AbortSignal.timeout(1000) });
  const cookie = await signIn(app);
  for (const path of ["/admin/mail", `/admin/mail/${messageId}`]) {
    const res = await getPage(app, cookie, path);
    assertEquals(res.status, 200, path);
    const html = await res.text();
    ok(!html.includes("<script>alert"), `${path} has a raw script`);
    ok(!html.includes("<img src=x"), `${path} has a raw img`);
    ok(html.includes("&lt;script>alert(1)&lt;/script>"), path);
  }
  const view = await (await getPage(app, cookie, `/admin/mail/${messageId}`)).text();
  // Attribute values may hold ">" (only "<", "&" and quotes need escaping there).
  const iframe = /<iframe[\s\S]*?<\/iframe>/.exec(view)?.[0] ?? "";
  ok(/\ssandbox(=""|\s)/.test(iframe), iframe); // present and empty: every restriction
  ok(iframe.includes("srcdoc="), iframe);
  ok(!iframe.includes("allow-scripts") && !iframe.includes("allow-same-origin"), iframe);
  ok(!view.includes('href="javascript:'), "the message's link is not live in the admin page");
});
