/**
 * The CSV export of the orders list: `/admin/orders/export.csv` signed in and
 * `GET /api/admin/orders/export.csv` with the Bearer token; streamed, a download, the list's
 * filters applied, one parsed row per order.
 */
import { deepStrictEqual as assertEquals, equal, match, ok } from "node:assert/strict";
import { CSV_HEADER, EXPORT_PAGE } from "@/lib/admin/orders_csv.ts";
import { adminApp, API_TOKEN, getPage, signIn, writeOrders } from "../support/admin.ts";
import { parseCsv } from "../support/csv.ts";
import { ordersFor } from "../support/customers.ts";

const col = (name: typeof CSV_HEADER[number]) => CSV_HEADER.indexOf(name);

Deno.test("both routes stream the filtered list as a download; each needs its credential", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const people = await ordersFor(app.kv, [
    { email: "ana@example.nz", name: "=cmd|' /C calc'!A0" },
    { email: "bo@example.nz", name: 'Bo, "the" Ngata' },
  ], (o, i) => {
    if (i === 0) o.status = "expired";
  });
  const others = await writeOrders(app.kv, EXPORT_PAGE + 3);

  const api = await app.app.request("/api/admin/orders/export.csv", {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  equal(api.status, 200);
  match(api.headers.get("content-type")!, /^text\/csv/);
  match(
    api.headers.get("content-disposition")!,
    /^attachment; filename="orders-\d{4}-\d\d-\d\d\.csv"$/,
  );
  equal(api.headers.get("cache-control"), "no-store");
  ok(api.body instanceof ReadableStream);
  const rows = parseCsv(await api.text());
  assertEquals(rows[0], [...CSV_HEADER]);
  const all = [...people, ...others].sort((a, b) => a.id < b.id ? 1 : -1);
  assertEquals(
    rows.slice(1).map((r) => r[col("order_id")]),
    all.map((o) => o.id),
    "newest first, every page",
  );
  const bo = rows.find((r) => r[col("customer_email")] === "bo@example.nz")!;
  equal(bo[col("customer_name")], 'Bo, "the" Ngata');
  equal(bo[col("address_line1")], "2 Queen Street");
  equal(bo[col("shipping_label")], "Standard (3–5 days)");
  equal(bo[col("shipping_amount")], "5.00");
  equal(bo[col("total")], "20.00");
  equal(bo[col("items")], "1 × Test mug");
  const ana = rows.find((r) => r[col("customer_email")] === "ana@example.nz")!;
  equal(ana[col("customer_name")], "'=cmd|' /C calc'!A0", "a formula is defused");

  // The admin page's route, signed in, with the list's filters.
  const page = await getPage(app, cookie, "/admin/orders/export.csv?status=expired");
  equal(page.status, 200);
  const expired = parseCsv(await page.text()).slice(1);
  assertEquals(expired.map((r) => r[col("order_id")]), [people[0].id]);
  const byEmail = parseCsv(
    await (await getPage(app, cookie, "/admin/orders/export.csv?q=BO%40example.nz&cursor=x"))
      .text(),
  ).slice(1);
  assertEquals(byEmail.map((r) => r[col("order_id")]), [people[1].id]);
  const none = parseCsv(
    await (await getPage(app, cookie, "/admin/orders/export.csv?from=2000-01-01&to=2000-01-02"))
      .text(),
  );
  equal(none.length, 1, "the header alone");

  // Credentials.
  equal((await app.app.request("/api/admin/orders/export.csv")).status, 401);
  const wrong = await app.app.request("/api/admin/orders/export.csv", {
    headers: { authorization: "Bearer nope-nope-nope-nope" },
  });
  equal(wrong.status, 401);
  const signedOut = await app.app.request("/admin/orders/export.csv", { redirect: "manual" });
  equal(signedOut.status, 303);
  match(signedOut.headers.get("location")!, /^\/admin\/login\?next=/);
  equal((await getPage(app, cookie, "/admin/orders/export.csv?from=someday")).status, 400);
  // The list page links its export with the same filters.
  const list = await (await getPage(app, cookie, "/admin?status=expired&from=2020-01-01")).text();
  match(list, /href="\/admin\/orders\/export\.csv\?status=expired&amp;from=2020-01-01"/);
});
