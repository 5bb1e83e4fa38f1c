/**
 * The admin's customers (issue 14, "The admin"): the list's customer column, search by
 * e-mail or name, date range and count; the order page's customer, address and shipping;
 * resending an e-mail; forgetting a customer.
 */
import { deepStrictEqual as assertEquals, equal, match, ok } from "node:assert/strict";
import { ulid } from "ulid";
import { countOrders, idRange, listOrders } from "@/lib/admin/orders_list.ts";
import { keys } from "@/lib/db/keys.ts";
import { getOrder, listHistory } from "@/lib/db/orders.ts";
import { FORGOTTEN } from "@/lib/orders/types.ts";
import { enqueue, listOrderTasks } from "@/lib/tasks/outbox.ts";
import {
  act,
  adminApp,
  followFlash,
  getPage,
  postForm,
  signIn,
  writeOrders,
} from "../support/admin.ts";
import { ordersFor } from "../support/customers.ts";
import { eventually } from "../support/app.ts";
import { checkoutOk, stockedProducts } from "../support/shop.ts";
import { listOutbox } from "@/lib/notify/outbox.ts";
import { TEST_CARDS } from "@/lib/payments/emulator/server.ts";

const PEOPLE = [
  { email: "Ana.Tui@Example.nz", name: "Ana Tūī", phone: "+64 21 000 0001" },
  { email: "bo@example.nz", name: "Bo Ngata" },
  { email: "ana.tui@example.nz", name: "Ana Tūī" },
  { email: "cy@example.nz" },
];

const listed = (html: string) => [...html.matchAll(/data-order="([^"]+)"/g)].map((m) => m[1]);

Deno.test("search by whole e-mail (any case) or part of a name; the customer column shows who", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const orders = await ordersFor(app.kv, PEOPLE);
  await writeOrders(app.kv, 3); // no customer
  const search = async (q: string) => {
    const res = await getPage(app, cookie, `/admin?q=${encodeURIComponent(q)}`);
    equal(res.status, 200);
    return await res.text();
  };
  const ana = [orders[2].id, orders[0].id];
  const byEmail = await search(" ANA.tui@example.NZ ");
  assertEquals(listed(byEmail), ana);
  match(byEmail, /data-order-count="2"/);
  assertEquals(listed(await search("tūī")), ana);
  assertEquals(listed(await search("ngata")), [orders[1].id]);
  assertEquals(listed(await search("cy@")), [orders[3].id], "part of an e-mail: the scan");
  assertEquals(listed(await search("nobody@example.nz")), []);
  const all = await (await getPage(app, cookie, "/admin")).text();
  match(all, /data-order-count="7"/);
  match(all, /<div class="truncate text-slate-900" title="Bo Ngata">Bo Ngata<\/div>/);
  match(all, /data-card-customer[^>]*>Bo Ngata/, "the 360 px cards name the customer too");
  match(all, /cy@example\.nz/, "an e-mail when there is no name");
});

Deno.test("the customer column is escaped", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  await ordersFor(app.kv, [{ email: "x@example.nz", name: "<img src=x onerror=alert(1)>" }]);
  const html = await (await getPage(app, cookie, "/admin")).text();
  ok(!html.includes("<img src=x"), "no markup from a name");
  match(html, /&lt;img src=x onerror=alert\(1\)/);
});

Deno.test("a date range lists the days in SHOP_TIME_ZONE, with its count", async () => {
  await using app = await adminApp({ env: { SHOP_TIME_ZONE: "Pacific/Auckland" } });
  const cookie = await signIn(app);
  // 2026-03-03 23:30 and 2026-03-04 00:30 in Auckland (NZDT, UTC+13), then 2026-03-05 12:00.
  const times = ["2026-03-03T10:30:00Z", "2026-03-03T11:30:00Z", "2026-03-04T23:00:00Z"];
  const orders = await ordersFor(app.kv, PEOPLE.slice(0, 3), (order, i) => {
    order.id = ulid(Date.parse(times[i]));
    order.createdAt = times[i];
  });
  const ids = async (from?: string, to?: string) => {
    const q = new URLSearchParams({ ...(from ? { from } : {}), ...(to ? { to } : {}) });
    const html = await (await getPage(app, cookie, `/admin?${q}`)).text();
    return { ids: listed(html), count: /data-order-count="(\d+)"/.exec(html)?.[1] };
  };
  assertEquals(await ids("2026-03-04", "2026-03-04"), { ids: [orders[1].id], count: "1" });
  assertEquals(await ids("2026-03-04"), { ids: [orders[2].id, orders[1].id], count: "2" });
  assertEquals(await ids(undefined, "2026-03-03"), { ids: [orders[0].id], count: "1" });
  assertEquals(await ids("2026-03-05", "2026-03-01"), { ids: [], count: "0" });
  // E-mail search within the range.
  const html = await (await getPage(
    app,
    cookie,
    "/admin?q=ana.tui%40example.nz&from=2026-03-04",
  )).text();
  assertEquals(listed(html), [orders[2].id]);
  equal((await getPage(app, cookie, "/admin?from=2026-02-30")).status, 400);
  equal((await getPage(app, cookie, "/admin?from=yesterday")).status, 400);
});

Deno.test("the count is exact up to its cap, then says more", async () => {
  using kv = await Deno.openKv(":memory:");
  await writeOrders(kv, 12, (o, i) => {
    if (i % 3 === 0) o.status = "expired";
  });
  assertEquals(await countOrders(kv, {}), { count: 12, more: false });
  assertEquals(await countOrders(kv, {}, "stripe", 10), { count: 10, more: true });
  assertEquals(await countOrders(kv, { status: "expired" }), { count: 4, more: false });
  assertEquals(await countOrders(kv, { status: "pending" }, "stripe", 8), {
    count: 8,
    more: false,
  });
  const page = await listOrders(kv, { from: "2000-01-01", to: "2000-01-02" });
  assertEquals(page.orders, []);
  const r = idRange({ from: "2026-03-04", timeZone: "UTC" });
  ok(r.lo.startsWith(ulid(Date.parse("2026-03-04T00:00:00Z")).slice(0, 10)));
});

Deno.test("the order page shows the customer, the address with copy buttons and the shipping", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const [order] = await ordersFor(app.kv, PEOPLE.slice(0, 1));
  const html = await (await getPage(app, cookie, `/admin/orders/${order.id}`)).text();
  match(html, /Customer and delivery/);
  for (const text of ["Ana.Tui@Example.nz", "+64 21 000 0001", "1 Queen Street", "1010"]) {
    ok(html.includes(text), text);
  }
  match(html, /Standard \(3–5 days\)/);
  match(html, /\$5\.00/);
  match(html, /data-island="CopyText"|CopyText/, "copy buttons are an island");
});

Deno.test("resend queues the mail task again with a new key; refused while one is queued", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const [order] = await ordersFor(app.kv, PEOPLE.slice(0, 1));
  const op = app.kv.atomic();
  const sent = enqueue(op, {
    kind: "send_receipt",
    orderId: order.id,
    payload: { paymentKey: "pi_1" },
  });
  await op.commit();
  await app.kv.set(keys.task(sent.id), { ...sent, status: "done", result: "receipt sent to ana" });
  const page = await (await getPage(app, cookie, `/admin/orders/${order.id}`)).text();
  match(page, /receipt sent to ana/);
  match(page, /data-action="resend_email"/);

  const res = await act(app, cookie, order.id, { action: "resend_email", task: sent.id });
  equal(res.status, 303);
  match(await followFlash(app, cookie, res), /The receipt is queued to be sent again/);
  const tasks = await listOrderTasks(app.kv, order.id);
  equal(tasks.length, 2);
  const again = tasks.find((t) => t.id !== sent.id)!;
  equal(again.kind, "send_receipt");
  equal(again.payload.paymentKey, "pi_1");
  assertEquals((again.payload.resend as { of: string }).of, sent.id);
  match(String(again.payload.idempotencyKey), /^send_receipt:.+:resend:/);

  // A task still waiting to run (due later) is not resent.
  const later = app.kv.atomic();
  const waiting = enqueue(later, {
    kind: "send_receipt",
    orderId: order.id,
    payload: { paymentKey: "pi_1" },
    dueAt: Date.now() + 3_600_000,
  });
  await later.commit();
  const queued = await act(app, cookie, order.id, { action: "resend_email", task: waiting.id });
  match(await followFlash(app, cookie, queued), /still queued/);
  // Without a form token nothing is queued.
  const forged = await postForm(app, cookie, `/admin/orders/${order.id}`, {
    action: "resend_email",
    task: sent.id,
  });
  ok(forged.status >= 400, `${forged.status}`);
  equal((await listOrderTasks(app.kv, order.id)).length, 3);
});

Deno.test("forget replaces every personal field, keeps the money, writes history, needs CSRF and a confirm", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const [order] = await ordersFor(app.kv, PEOPLE.slice(0, 1), (o) => {
    o.status = "paid";
    Object.assign(o.payment, { status: "paid", paymentIntentId: "pi_1", amountReceived: o.total });
    o.metadata = { email: "ana.tui@example.nz", campaign: "x" };
  });
  const path = `/admin/orders/${order.id}`;
  const reason = "customer asked (ticket 42)";
  // Without a token: refused, nothing changed.
  const forged = await postForm(app, cookie, path, {
    action: "forget_customer",
    reason,
    confirmed: "yes",
  });
  ok(forged.status >= 400, `${forged.status}`);
  // Without the confirm step: sent to it.
  const unconfirmed = await act(app, cookie, order.id, { action: "forget_customer", reason });
  equal(unconfirmed.status, 303);
  match(unconfirmed.headers.get("location")!, /\/confirm\?/);
  const confirm = await getPage(app, cookie, unconfirmed.headers.get("location")!);
  match(await confirm.text(), /Forget the customer of order/);
  equal((await getOrder(app.kv, order.id)).value!.customer!.email, PEOPLE[0].email);

  const res = await act(app, cookie, order.id, {
    action: "forget_customer",
    reason,
    confirmed: "yes",
  });
  equal(res.status, 303);
  match(await followFlash(app, cookie, res), /Customer forgotten/);
  const after = (await getOrder(app.kv, order.id)).value!;
  assertEquals(after.customer, { email: FORGOTTEN, name: FORGOTTEN, phone: FORGOTTEN });
  const a = after.shipping!.address;
  for (const v of [a.name, a.line1, a.line2, a.city, a.region, a.postalCode]) equal(v, FORGOTTEN);
  equal(a.country, "NZ");
  equal(after.metadata.email, FORGOTTEN);
  assertEquals(after.payment, order.payment);
  assertEquals([after.total, after.items, after.shipping!.amount], [order.total, order.items, 500]);
  const entry = (await listHistory(app.kv, order.id)).at(-1)!;
  assertEquals(entry.fact, { kind: "customer_forgotten" });
  assertEquals(entry.source, {
    kind: "admin",
    actor: entry.source.kind === "admin" ? entry.source.actor : "",
    reason,
  });
  const index = await Array.fromAsync(app.kv.list({ prefix: ["orders_by_customer"] }));
  equal(index.length, 0, "the index entry went in the same commit");
  const page = await (await getPage(app, cookie, "/admin?q=ana.tui%40example.nz")).text();
  assertEquals(listed(page), []);
  ok(!(await (await getPage(app, cookie, path)).text()).includes("Queen Street"));
  // Nothing left to forget: the action is no longer offered.
  ok(!(await (await getPage(app, cookie, path)).text()).includes('data-action="forget_customer"'));
});

Deno.test("a resent receipt reaches the mail outbox a second time, under its own key", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const [product] = await stockedProducts(app, 2);
  const placed = await checkoutOk(app, {
    items: [{ productId: product.id, quantity: 1 }],
    customer: { email: "rua@example.nz", name: "Rua" },
    shipping: {
      name: "Rua",
      line1: "1 Queen Street",
      city: "Auckland",
      postalCode: "1010",
      country: "NZ",
    },
    shippingRateId: "standard",
  });
  app.emulator!.pay(placed.id, TEST_CARDS.success);
  const toRua = async () => (await listOutbox(app.kv)).filter((m) => m.to === "rua@example.nz");
  const [first] = await eventually(async () => (await toRua()).length === 1 && await toRua());
  const receipt = await eventually(async () =>
    (await listOrderTasks(app.kv, placed.orderId)).find((t) =>
      t.kind === "send_receipt" && t.status === "done"
    )
  );
  const res = await act(app, cookie, placed.orderId, { action: "resend_email", task: receipt.id });
  equal(res.status, 303);
  const both = await eventually(async () => (await toRua()).length === 2 && await toRua());
  equal(both[0].subject, both[1].subject);
  ok(both[0].idempotencyKey !== both[1].idempotencyKey, "the resend has a key of its own");
  equal(both.find((m) => m.id !== first.id)!.orderId, placed.orderId);
});
