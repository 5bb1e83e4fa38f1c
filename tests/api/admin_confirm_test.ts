/**
 * Destructive admin actions are confirmed, and every form answers with a redirect: the
 * no-JavaScript confirm page of a refund or cancel says what will happen and does nothing
 * until its own Confirm is posted; a full refund is asked for explicitly; refusals are
 * 303s with the reason in the flash; admin error pages lead back into the admin; a locked-out
 * sign-in is the sign-in page; and refusals name money as money.
 */
import { deepStrictEqual as assertEquals, equal, match, ok } from "node:assert/strict";
import { formatMoney } from "@/lib/orders/money.ts";
import type { Order } from "@/lib/orders/types.ts";
import { eventually, type TestApp } from "../support/app.ts";
import {
  act,
  ADMIN_PASSWORD,
  adminApp,
  API_TOKEN,
  followFlash,
  getPage,
  postForm,
  postLogin,
  signIn,
} from "../support/admin.ts";
import { checkoutOk, orderOf, stockedProducts } from "../support/shop.ts";

const CARD = "4242424242424242";

/** An unpaid order with stock held for it. */
async function placed(app: TestApp): Promise<Order> {
  const [product] = await stockedProducts(app);
  const s = await checkoutOk(app, { items: [{ productId: product.id, quantity: 1 }] });
  return await orderOf(app, s.orderId);
}

/** A paid order of more than $10, paid by card through the emulator. */
async function paidOrder(app: TestApp): Promise<Order> {
  const [product] = await stockedProducts(app, 1);
  const quantity = Math.ceil(1001 / product.unitAmount);
  const s = await checkoutOk(app, { items: [{ productId: product.id, quantity }] });
  app.emulator!.pay(s.id, CARD);
  await eventually(async () => (await orderOf(app, s.orderId)).payment.paymentIntentId);
  await app.emulator!.idle();
  return await orderOf(app, s.orderId);
}

const orderPath = (order: Order) => `/admin/orders/${order.id}`;

/** GETs the confirm page the order page's refund or cancel form opens without JavaScript. */
async function confirmPage(app: TestApp, cookie: string, order: Order, fields: object) {
  const query = new URLSearchParams(fields as Record<string, string>);
  return await getPage(app, cookie, `${orderPath(order)}/confirm?${query}`);
}

const unescape = (text: string) =>
  text.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");

/** The hidden fields of the confirm page's form, which posts to the order page. */
function confirmForm(html: string, order: Order): Record<string, string> {
  const form = new RegExp(`<form method="post" action="${orderPath(order)}"[^>]*>(.*?)</form>`, "s")
    .exec(html)?.[1];
  ok(form, "the confirm page has a form posting to the order page");
  const fields = [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)];
  return Object.fromEntries(fields.map(([, name, value]) => [name, unescape(value)]));
}

/** The page's own content, without the admin header (whose "View shop" links to /). */
const mainOf = (html: string) => /<main[^>]*>(.*)<\/main>/s.exec(html)?.[1] ?? "";

/** Refunds the emulator made for the order's payment. */
const providerRefunds = (app: TestApp, order: Order) =>
  app.emulator!.events().filter((e) =>
    e.type === "charge.refunded" &&
    (e.data.object as { payment_intent?: string }).payment_intent ===
      order.payment.paymentIntentId
  ).length;

Deno.test("the refund form asks without JavaScript on a confirm page: “Refund $10.00 of $N?” with Confirm and Back, and nothing is refunded", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const order = await paidOrder(app);
  const currency = order.payment.currency!;
  const html = await (await getPage(app, cookie, orderPath(order))).text();
  match(
    html,
    new RegExp(`<form method="get" action="${orderPath(order)}/confirm"[^>]*data-action="refund"`),
    "the order page's refund form goes to the confirm page",
  );

  const res = await confirmPage(app, cookie, order, {
    action: "refund",
    amount: "10.00",
    reason: "Scuffed on arrival",
  });
  equal(res.status, 200);
  const page = await res.text();
  const question = `Refund $10.00 of ${formatMoney(order.payment.amountReceived, currency)}?`;
  ok(mainOf(page).includes(question), question);
  match(page, /Confirm refund<\/button>/);
  match(page, new RegExp(`href="${orderPath(order)}"[^>]*>Back</a>`));
  const fields = confirmForm(page, order);
  assertEquals(
    { ...fields, _token: "…" },
    {
      _token: "…",
      confirmed: "yes",
      action: "refund",
      amount: "10.00",
      reason: "Scuffed on arrival",
    },
  );
  ok(fields._token.length > 20, "the confirm page's own form token");

  await app.emulator!.idle();
  equal((await orderOf(app, order.id)).payment.refundedAmount, 0, "nothing refunded yet");
  equal(providerRefunds(app, order), 0, "nothing asked of the provider");
});

Deno.test("Confirm on the confirm page refunds exactly once: “Refunded $10.00.”, and posting it again is refused with nothing more refunded", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const order = await paidOrder(app);
  const page = await (await confirmPage(app, cookie, order, {
    action: "refund",
    amount: "10.00",
    reason: "Scuffed on arrival",
  })).text();
  const fields = confirmForm(page, order);

  const res = await postForm(app, cookie, orderPath(order), fields);
  equal(res.status, 303);
  equal(res.headers.get("location"), orderPath(order));
  match(await followFlash(app, cookie, res), /Refunded \$10\.00\./);
  equal((await orderOf(app, order.id)).payment.refundedAmount, 1000);

  const again = await postForm(app, cookie, orderPath(order), fields);
  equal(again.status, 409, "the confirm page's token is spent");
  await again.body?.cancel();
  await app.emulator!.idle();
  equal((await orderOf(app, order.id)).payment.refundedAmount, 1000);
  equal(providerRefunds(app, order), 1, "one refund at the provider");
});

Deno.test("cancel asks “Cancel order … for $N?” on its confirm page; the order stays pending until Confirm cancels it", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const order = await placed(app);
  const res = await confirmPage(app, cookie, order, { action: "cancel", reason: "Asked to" });
  equal(res.status, 200);
  const page = await res.text();
  const question = `Cancel order ${order.number} for ${formatMoney(order.total, order.currency)}?`;
  ok(mainOf(page).includes(question), question);
  match(page, /its stock goes back on the shelf/);
  equal((await orderOf(app, order.id)).status, "pending");

  const done = await postForm(app, cookie, orderPath(order), confirmForm(page, order));
  equal(done.status, 303);
  match(await followFlash(app, cookie, done), /Cancelled\./);
  equal((await orderOf(app, order.id)).status, "cancelled");
});

Deno.test("a refund or cancel posted without its confirm step is sent to the confirm page and changes nothing", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const order = await placed(app);
  const res = await act(app, cookie, order.id, { action: "cancel", reason: "Asked to" });
  equal(res.status, 303);
  equal(
    res.headers.get("location"),
    `${orderPath(order)}/confirm?action=cancel&reason=Asked+to`,
  );
  equal((await orderOf(app, order.id)).status, "pending");
});

Deno.test("a refused action answers 303 back to the order, whose next GET shows why and fills the form in again, so a reload never posts it again", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const order = await paidOrder(app);
  const left = formatMoney(order.payment.amountReceived, order.payment.currency!);
  const res = await act(app, cookie, order.id, {
    action: "refund",
    amount: "999999.00",
    reason: "Typed one zero too many",
    confirmed: "yes",
  });
  equal(res.status, 303);
  equal(res.headers.get("location"), orderPath(order));
  const page = await followFlash(app, cookie, res);
  match(page, /Not done/);
  ok(page.includes(`At most ${left} can still be refunded (asked for $999,999.00)`));
  match(page, /<textarea id="refund-reason"[^>]*>Typed one zero too many<\/textarea>/);
  match(page, /id="refund-amount"[^>]*value="999999\.00"/);
  equal((await orderOf(app, order.id)).payment.refundedAmount, 0);
  const reload = await getPage(app, cookie, orderPath(order));
  equal(reload.status, 200);
  ok(!(await reload.text()).includes("Not done"), "the flash shows once");
});

Deno.test("a blank refund amount without “Refund everything” is refused with a clear message; “Refund everything” refunds exactly what was paid", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const order = await paidOrder(app);
  const paid = formatMoney(order.payment.amountReceived, order.payment.currency!);
  const html = await (await getPage(app, cookie, orderPath(order))).text();
  ok(html.includes(`Refund everything (${paid})`), "the explicit choice names the amount");

  const blank = await confirmPage(app, cookie, order, {
    action: "refund",
    amount: "",
    reason: "Lost in the post",
  });
  equal(blank.status, 303);
  match(
    await followFlash(app, cookie, blank),
    /amount: Enter the amount to refund, or choose “Refund everything”/,
  );
  const api = await app.app.request(`/api/admin/orders/${order.id}/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ action: "refund", reason: "Lost in the post" }),
  });
  equal(api.status, 400);
  match(JSON.stringify(await api.json()), /Enter the amount to refund/);
  equal((await orderOf(app, order.id)).payment.refundedAmount, 0);

  const page = await (await confirmPage(app, cookie, order, {
    action: "refund",
    full: "yes",
    reason: "Lost in the post",
  })).text();
  ok(mainOf(page).includes(`Refund ${paid} of ${paid}?`));
  const res = await postForm(app, cookie, orderPath(order), confirmForm(page, order));
  equal(res.status, 303);
  match(await followFlash(app, cookie, res), new RegExp(`Refunded \\${paid}\\.`));
  const after = await orderOf(app, order.id);
  assertEquals(
    [after.payment.refundedAmount, after.payment.status],
    [order.payment.amountReceived, "refunded"],
  );
});

Deno.test("a cancelled order's page offers no Mark paid and its payment badge says “Not paid”, never “Pending”; marking it paid anyway is refused", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const order = await placed(app);
  const res = await act(app, cookie, order.id, {
    action: "cancel",
    reason: "Customer changed their mind",
    confirmed: "yes",
  });
  equal(res.status, 303);
  const page = await followFlash(app, cookie, res);
  ok(!page.includes('data-action="mark_paid"'), "no Mark paid form");
  ok(!/>Mark paid</.test(page), "no Mark paid button");
  ok(page.includes(">Not paid</span>"), "the payment badge");
  ok(!page.includes(">Pending</span>"), "no badge says Pending");
  const list = await (await getPage(app, cookie, "/admin")).text();
  ok(!list.includes(">Pending</span>"), "nor does the list");

  const markPaid = await act(app, cookie, order.id, {
    action: "mark_paid",
    reason: "Bank transfer 991",
  });
  equal(markPaid.status, 303);
  match(
    await followFlash(app, cookie, markPaid),
    /Not marked paid: the order \(\$[\d.]+\) is cancelled/,
  );
  equal((await orderOf(app, order.id)).status, "cancelled");
});

Deno.test("a locked-out sign-in is the sign-in page with 429, Retry-After and “Too many attempts, try again in N seconds”", async () => {
  await using app = await adminApp({ env: { RATE_LIMIT_LOGIN_PER_MIN: "2" } });
  for (let i = 0; i < 2; i++) equal((await postLogin(app, "wrong")).status, 401);
  const res = await postLogin(app, ADMIN_PASSWORD);
  equal(res.status, 429);
  match(res.headers.get("content-type") ?? "", /^text\/html/);
  const wait = Number(res.headers.get("retry-after"));
  ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
  const html = await res.text();
  ok(html.includes(`Too many attempts, try again in ${wait} second`), html.slice(0, 300));
  match(html, /<h1[^>]*>Sign in to the admin<\/h1>/);
  match(html, /<form method="post" action="\/admin\/login"/);
  equal(res.headers.get("set-cookie"), null, "no session");
});

Deno.test("the admin 404 of an unknown order links back to /admin, not to the shop", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const res = await getPage(app, cookie, "/admin/orders/01NOSUCHORDER0000000000000");
  equal(res.status, 404);
  const main = mainOf(await res.text());
  match(main, /href="\/admin"[^>]*>Back to the orders</);
  ok(!main.includes('href="/"'), "no link to the shop");
  ok(!main.includes("/cart"), "no link to the cart");
});

Deno.test("an admin error page under an order's URL (a spent form token, 409) links back to that order", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const order = await placed(app);
  const page = await (await confirmPage(app, cookie, order, {
    action: "cancel",
    reason: "Asked to",
  })).text();
  const fields = confirmForm(page, order);
  await (await postForm(app, cookie, orderPath(order), fields)).body?.cancel();
  const spent = await postForm(app, cookie, orderPath(order), fields);
  equal(spent.status, 409);
  const main = mainOf(await spent.text());
  match(main, new RegExp(`href="${orderPath(order)}"[^>]*>Back to the order<`));
  ok(!main.includes('href="/"'), "no link to the shop");
});

Deno.test("refusals name money as money: mark paid on a paid order and a refund past what is left say “$…”, never minor units", async () => {
  await using app = await adminApp();
  const order = await paidOrder(app);
  const currency = order.payment.currency!;
  const send = async (body: object) => {
    const res = await app.app.request(`/api/admin/orders/${order.id}/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, message: (await res.json()).error?.message as string };
  };
  const received = order.payment.amountReceived;
  const markPaid = await send({ action: "mark_paid", reason: "Bank transfer 991" });
  assertEquals(markPaid, {
    status: 409,
    message: `Not marked paid: the order is already paid (${
      formatMoney(received, currency)
    } received)`,
  });
  const tooMuch = await send({ action: "refund", amount: "100000", reason: "Too much" });
  assertEquals(tooMuch, {
    status: 422,
    message: `At most ${formatMoney(received, currency)} can still be refunded ` +
      "(asked for $100,000.00)",
  });
  for (const { message } of [markPaid, tooMuch]) {
    ok(!message.includes(String(received)), `no minor units in “${message}”`);
  }
});
