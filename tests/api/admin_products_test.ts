/**
 * The admin's products over HTTP: /admin/products (list, new, a product's page with its
 * stock adjustments and ledger) and the JSON API under /api/admin/products, with the same
 * rules as the rest of /admin: sign-in, single-use form tokens, escaping.
 */
import { deepStrictEqual as assertEquals, equal, match, ok } from "node:assert/strict";
import manifest from "@/fresh.gen.ts";
import {
  createProduct,
  getProduct,
  getProductBySlug,
  getStock,
  randomProduct,
} from "@/lib/db/products.ts";
import { getOrder } from "@/lib/db/orders.ts";
import { listLedger } from "@/lib/stock/ledger.ts";
import { eventually, type TestApp } from "../support/app.ts";
import {
  adminApp,
  API_TOKEN,
  followFlash,
  getPage,
  postForm,
  signIn,
  tokenFrom,
} from "../support/admin.ts";
import { checkoutOk } from "../support/shop.ts";

const HOSTILE = "<script>alert(1)</script>";
const ESCAPED = "&lt;script>alert(1)&lt;/script>";

const LIST = "/admin/products";
const NEW = "/admin/products/new";
const pagePath = (id: string) => `/admin/products/${id}`;

/** The catalog, stock and ledger as KV holds them (form tokens used are not in it). */
async function catalog(kv: Deno.Kv): Promise<string[]> {
  const rows: string[] = [];
  for (const prefix of ["products", "products_by_slug", "stock", "stock_ledger"]) {
    for await (const e of kv.list({ prefix: [prefix] })) {
      rows.push(JSON.stringify([e.key, e.value, e.versionstamp]));
    }
  }
  return rows;
}

/** A good new product as the form posts it. */
const productForm = (overrides: Record<string, string> = {}): Record<string, string> => ({
  action: "save",
  title: "Kawakawa Tea, 50 g",
  slug: "kawakawa-tea",
  description: "Loose leaf, picked in Northland.",
  price: "18.90",
  image: "/images/placeholder.svg",
  active: "yes",
  trackStock: "yes",
  ...overrides,
});

/** Posts a form of `path` with a token that page rendered; the response is not followed. */
async function submit(
  app: TestApp,
  cookie: string,
  path: string,
  fields: Record<string, string>,
): Promise<Response> {
  const _token = await tokenFrom(app, cookie, path);
  return await postForm(app, cookie, path, { _token, ...fields });
}

async function adjust(app: TestApp, cookie: string, id: string, delta: string, reason: string) {
  return await submit(app, cookie, pagePath(id), { action: "adjust", delta, reason });
}

/** A tracked product with `stock` units, made straight in KV. */
async function stocked(app: TestApp, stock: number, overrides = {}) {
  return await createProduct(app.kv, randomProduct(overrides), stock);
}

/** The text of the field problem the page shows beside `id`. */
const problemOf = (html: string, id: string) =>
  new RegExp(`id="${id}-error"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;

const api = (app: TestApp, path: string, init: RequestInit = {}) =>
  app.app.request(path, {
    ...init,
    headers: {
      authorization: `Bearer ${API_TOKEN}`,
      "content-type": "application/json",
      ...init.headers,
    },
  });

Deno.test("every product route needs sign-in: pages send people to sign in, JSON answers 401", async () => {
  await using app = await adminApp();
  const files = Object.keys(manifest.routes).filter((f) => f.includes("/admin/products"));
  assertEquals(files.sort(), [
    "./routes/admin/products/[id].tsx",
    "./routes/admin/products/index.tsx",
    "./routes/admin/products/new.tsx",
    "./routes/api/admin/products/[id].ts",
    "./routes/api/admin/products/[id]/stock.ts",
    "./routes/api/admin/products/index.ts",
  ]);
  const id = (await stocked(app, 5)).id;
  for (const path of [LIST, NEW, pagePath(id)]) {
    const res = await app.app.request(path, { redirect: "manual" });
    equal(res.status, 303, path);
    equal(res.headers.get("location"), `/admin/login?next=${encodeURIComponent(path)}`);
    const post = await postForm(app, "", path, productForm());
    equal(post.status, 401, `POST ${path}`);
  }
  const before = await catalog(app.kv);
  for (
    const [method, path, body] of [
      ["GET", "/api/admin/products", undefined],
      ["PUT", `/api/admin/products/${id}`, productForm()],
      ["POST", `/api/admin/products/${id}/stock`, { delta: 1, reason: "anonymous" }],
    ] as const
  ) {
    const res = await app.app.request(path, {
      method,
      headers: { "content-type": "application/json" },
      body: body && JSON.stringify(body),
    });
    equal(res.status, 401, `${method} ${path}`);
    equal(res.headers.get("cache-control"), "no-store");
    const wrong = await api(app, path, {
      method,
      headers: { authorization: "Bearer not-the-token" },
      body: body && JSON.stringify(body),
    });
    equal(wrong.status, 401, `${method} ${path} with a wrong token`);
  }
  assertEquals(await catalog(app.kv), before);
  const cookie = await signIn(app);
  for (const path of [LIST, NEW, pagePath(id)]) {
    const res = await getPage(app, cookie, path);
    equal(res.status, 200, path);
    equal(res.headers.get("cache-control"), "no-store", path);
  }
  equal((await getPage(app, cookie, pagePath("prod_nobody"))).status, 404);
});

Deno.test("product forms without this session's token, or with a used one, are refused and write nothing", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const product = await stocked(app, 5);
  const path = pagePath(product.id);
  const before = await catalog(app.kv);
  const adjustment = { action: "adjust", delta: "3", reason: "delivery" };
  for (const [target, fields] of [[NEW, productForm()], [path, adjustment]] as const) {
    const missing = await postForm(app, cookie, target, fields);
    equal(missing.status, 403, `${target} without a token`);
    match(await missing.text(), /missing its security token/);
    const forged = await postForm(app, cookie, target, { ...fields, _token: "1.2.3" });
    equal(forged.status, 403, `${target} with a forged token`);
    await forged.body?.cancel();
  }
  const crossSite = await postForm(
    app,
    cookie,
    path,
    { ...adjustment, _token: await tokenFrom(app, cookie, path) },
    { origin: "https://evil.example" },
  );
  equal(crossSite.status, 403);
  await crossSite.body?.cancel();
  assertEquals(await catalog(app.kv), before);

  const token = await tokenFrom(app, cookie, path);
  equal((await postForm(app, cookie, path, { ...adjustment, _token: token })).status, 303);
  const reused = await postForm(app, cookie, path, { ...adjustment, _token: token });
  equal(reused.status, 409);
  match(await reused.text(), /already submitted/);
  equal((await getStock(app.kv, [product.id])).get(product.id), 8, "adjusted once, not twice");
});

Deno.test("a product's title, description, slug search and ledger reason with <script> are shown as text", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const product = await stocked(app, 5, {
    title: `Mug ${HOSTILE}`,
    description: `Glazed ${HOSTILE}`,
  });
  equal((await adjust(app, cookie, product.id, "-1", `Dropped ${HOSTILE}`)).status, 303);
  for (const path of [LIST, pagePath(product.id), `${LIST}?q=${encodeURIComponent(HOSTILE)}`]) {
    const html = await (await getPage(app, cookie, path)).text();
    ok(!html.includes("<script>alert"), `${path} has no live script`);
    ok(html.includes(ESCAPED), `${path} shows the text`);
  }
  const page = await (await getPage(app, cookie, pagePath(product.id))).text();
  ok(page.includes(`Glazed ${ESCAPED}`) && page.includes(`Dropped ${ESCAPED}`));
});

Deno.test("the list searches title and slug, filters active and inactive, and marks stock of 3 or fewer in words", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const rows = (html: string) =>
    [...html.matchAll(/<tr[^>]*data-product-row="([^"]+)"/g)].map((m) => m[1]);
  const low = (html: string) =>
    [...html.matchAll(/<tr[^>]*data-product-row="([^"]+)"[^>]*data-low/g)].map((m) => m[1]);
  const all = await (await getPage(app, cookie, LIST)).text();
  // The demo catalog: 11 products, one inactive; the studio mug (1) and camp mug (0) are low.
  equal(rows(all).length, 11);
  assertEquals(low(all).sort(), ["prod_enamel_camp_mug", "prod_studio_mug"]);
  match(all, /Low stock: 3 units or fewer on hand\./);
  match(all, /data-product-row="prod_enamel_camp_mug"[\s\S]*?Sold out/);
  match(all, /data-product-row="prod_studio_mug"[\s\S]*?Low stock<\/span>/);
  match(all, /data-product-row="prod_pour_over_dripper"[\s\S]*?\$45\.00/);
  // Cards for narrow screens carry the same products.
  equal([...all.matchAll(/data-product-card="/g)].length, 11);
  match(all, /<a href="\/admin\/products"[^>]*aria-current="page"/);

  const byTitle = await (await getPage(app, cookie, `${LIST}?q=MUG`)).text();
  assertEquals(rows(byTitle).sort(), [
    "prod_enamel_camp_mug",
    "prod_studio_mug",
  ]);
  const bySlug = await (await getPage(app, cookie, `${LIST}?q=pour-over`)).text();
  assertEquals(rows(bySlug), ["prod_pour_over_dripper"]);
  const inactive = await (await getPage(app, cookie, `${LIST}?status=inactive`)).text();
  assertEquals(rows(inactive), ["prod_cold_brew_bottle"]);
  const active = await (await getPage(app, cookie, `${LIST}?status=active&q=`)).text();
  equal(rows(active).length, 10);
  const none = await (await getPage(app, cookie, `${LIST}?q=nothing-like-this`)).text();
  match(none, /No products match\./);
  equal((await getPage(app, cookie, `${LIST}?status=gone`)).status, 400);
});

Deno.test("creating a product by form: bad fields are named beside each field (or listed, when the form was too long to carry back) and nothing is written; good ones create it", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const before = await catalog(app.kv);
  const bad = await submit(
    app,
    cookie,
    NEW,
    productForm({
      title: "",
      slug: "Kawakawa Tea",
      price: "18.999",
      image: "javascript:alert(1)",
    }),
  );
  equal(bad.status, 303);
  equal(bad.headers.get("location"), NEW);
  const page = await followFlash(app, cookie, bad);
  match(page, /Check the product.{1,5}s fields: nothing was saved/);
  equal(problemOf(page, "product-title"), "required");
  match(problemOf(page, "product-slug")!, /lowercase letters and digits joined by hyphens/);
  equal(problemOf(page, "product-price"), "at most 2 decimal places, e.g. 18.90");
  match(problemOf(page, "product-image")!, /a path under static/);
  equal(problemOf(page, "product-description"), null);
  match(
    page,
    /id="product-price"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="product-price"/,
  );
  ok(page.includes('value="18.999"'), "the form is filled in as it was sent");
  assertEquals(await catalog(app.kv), before);

  // A form too long for the flash cookie comes back empty, its problems listed in the notice.
  const long = await submit(
    app,
    cookie,
    NEW,
    productForm({ description: "ā".repeat(2000), price: "x" }),
  );
  const listed = await followFlash(app, cookie, long);
  match(listed, /<li>price: enter the price as a number, e\.g\. 18\.90<\/li>/);
  equal(problemOf(listed, "product-price"), null);
  assertEquals(await catalog(app.kv), before);

  // 1.15 × 100 is 114.99999999999999 in floating point: the price must still be 115.
  const good = await submit(app, cookie, NEW, productForm({ price: "1.15" }));
  equal(good.status, 303);
  const product = await getProductBySlug(app.kv, "kawakawa-tea");
  ok(product, "created");
  equal(good.headers.get("location"), pagePath(product.id));
  assertEquals(
    [product.title, product.unitAmount, product.currency, product.active, product.unique],
    ["Kawakawa Tea, 50 g", 115, "nzd", true, false],
  );
  equal(product.trackStock, true);
  match(await followFlash(app, cookie, good), /Created “Kawakawa Tea, 50 g”\. Add its stock/);

  const twice = await submit(app, cookie, NEW, productForm({ title: "Another tea" }));
  const refused = await followFlash(app, cookie, twice);
  equal(problemOf(refused, "product-slug"), "another product already has this slug");
  equal((await getProductBySlug(app.kv, "kawakawa-tea"))?.title, "Kawakawa Tea, 50 g");
});

Deno.test("editing a product by form saves what changed; a bad price or a taken slug writes nothing", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const id = "prod_flat_white_blend";
  const path = pagePath(id);
  const html = await (await getPage(app, cookie, path)).text();
  ok(html.includes('value="18.90"'), "the price is shown in dollars and cents");
  match(html, /Now \$18\.90\./);

  const before = await catalog(app.kv);
  const fields = productForm({
    title: "Flat White Blend, 250 g",
    slug: "flat-white-blend",
    image: "/images/flat-white-blend.svg",
  });
  const bad = await submit(app, cookie, path, { ...fields, price: "twenty" });
  const refused = await followFlash(app, cookie, bad);
  equal(problemOf(refused, "product-price"), "enter the price as a number, e.g. 18.90");
  const taken = await submit(app, cookie, path, { ...fields, slug: "ethiopia-guji" });
  equal(
    problemOf(await followFlash(app, cookie, taken), "product-slug"),
    "another product already has this slug",
  );
  assertEquals(await catalog(app.kv), before);

  const saved = await submit(app, cookie, path, {
    ...fields,
    description: "Our house espresso.",
    price: "19.50",
    active: "",
  });
  equal(saved.headers.get("location"), path);
  match(await followFlash(app, cookie, saved), /Saved: description, price and active changed\./);
  const product = await getProduct(app.kv, id);
  assertEquals([product?.unitAmount, product?.active, product?.slug], [
    1950,
    false,
    "flat-white-blend",
  ]);
  const again = await submit(app, cookie, path, {
    ...fields,
    description: "Our house espresso.",
    price: "19.5",
    active: "",
  });
  match(await followFlash(app, cookie, again), /Nothing changed\./);
});

Deno.test("stock adjustments by form add and take away units, each in the ledger newest first with its reason", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const product = await stocked(app, 0);
  const path = pagePath(product.id);
  const added = await adjust(app, cookie, product.id, "+5", "Delivery from the roaster");
  equal(added.headers.get("location"), path);
  match(await followFlash(app, cookie, added), /Added 5: 5 on hand now\./);
  const taken = await adjust(app, cookie, product.id, "-2", "Two bags split");
  match(await followFlash(app, cookie, taken), /Took away 2: 3 on hand now\./);
  equal((await getStock(app.kv, [product.id])).get(product.id), 3);

  const html = await (await getPage(app, cookie, path)).text();
  const ledger = html.slice(html.indexOf('id="ledger"'));
  const reasons = [...ledger.matchAll(/<tr data-ledger-kind="adjusted">[\s\S]*?<\/tr>/g)]
    .map((m) => m[0]);
  equal(reasons.length, 2);
  match(reasons[0], /\u22122[\s\S]*>3<[\s\S]*Two bags split[\s\S]*by admin/);
  match(reasons[1], /\+5[\s\S]*>5<[\s\S]*Delivery from the roaster/);
  match(html, /Low stock<\/span>/, "3 on hand is low");

  const before = await catalog(app.kv);
  for (
    const [delta, reason, field] of [
      ["0", "nothing", "adjust-delta"],
      ["1.5", "half a bag", "adjust-delta"],
      ["4", "", "adjust-reason"],
    ]
  ) {
    const res = await adjust(app, cookie, product.id, delta, reason);
    const page = await followFlash(app, cookie, res);
    ok(problemOf(page, field), `${delta}/${reason}: a problem beside ${field}`);
  }
  assertEquals(await catalog(app.kv), before);
});

Deno.test("an adjustment below zero is refused with a flash, the form filled in again, and nothing written", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const product = await stocked(app, 2);
  const before = await catalog(app.kv);
  const res = await adjust(app, cookie, product.id, "-3", "Stock-take found none");
  equal(res.status, 303);
  const page = await followFlash(app, cookie, res);
  match(page, /Not done/);
  match(
    page,
    /Stock cannot go below zero: 2 on hand, so it cannot go down by 3\. Nothing was changed\./,
  );
  ok(page.includes('value="-3"') && page.includes("Stock-take found none</textarea>"));
  assertEquals(await catalog(app.kv), before);
});

Deno.test("the ledger links Settle's own moves to their orders and pages to older entries", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const product = await stocked(app, 30);
  const s = await checkoutOk(app, { items: [{ productId: product.id, quantity: 2 }] });
  const order = (await getOrder(app.kv, s.orderId)).value!;
  app.emulator!.pay(s.id, "4242424242424242");
  await eventually(async () => {
    const { entries } = await listLedger(app.kv, product.id);
    return entries.some((e) => e.kind === "committed");
  });
  const html = await (await getPage(app, cookie, pagePath(product.id))).text();
  for (const kind of ["reserved", "committed"]) {
    const row = new RegExp(`<tr data-ledger-kind="${kind}">[\\s\\S]*?</tr>`).exec(html)?.[0];
    ok(row, `a ${kind} row`);
    ok(row.includes(`href="/admin/orders/${order.id}"`) && row.includes(order.number), kind);
  }
  match(html, /<tr data-ledger-kind="committed">[\s\S]*?2 sold/);

  for (let i = 1; i <= 20; i++) await adjust(app, cookie, product.id, "1", `count ${i}`);
  const seen: string[] = [];
  let path: string | null = pagePath(product.id);
  let pages = 0;
  while (path) {
    const page: string = await (await getPage(app, cookie, path)).text();
    seen.push(...[...page.matchAll(/<tr data-ledger-kind="([a-z]+)"/g)].map((m) => m[1]));
    const next = /<a href="([^"]+)"[^>]*rel="next"/.exec(page)?.[1];
    path = next ? next.replaceAll("&amp;", "&") : null;
    if (pages++ > 0) match(page, /← Newest/);
  }
  equal(pages, 2);
  // 20 adjustments, then the order's two moves, then the first level: newest first.
  assertEquals(seen, [
    ...Array(20).fill("adjusted"),
    "committed",
    "reserved",
    "adjusted",
  ]);
  equal((await getPage(app, cookie, `${pagePath(product.id)}?ledger=abc`)).status, 400);
});

Deno.test("GET /api/admin/products lists every product with its stock and low-stock flag, searched and filtered", async () => {
  await using app = await adminApp();
  const untracked = await createProduct(
    app.kv,
    randomProduct({ trackStock: false, title: "Gift card" }),
  );
  const res = await api(app, "/api/admin/products");
  equal(res.status, 200);
  equal(res.headers.get("cache-control"), "no-store");
  const { products } = await res.json() as {
    products: { id: string; stock: number | null; lowStock: boolean; unitAmount: number }[];
  };
  equal(products.length, 12);
  const byId = new Map(products.map((p) => [p.id, p]));
  assertEquals(byId.get("prod_studio_mug"), {
    ...byId.get("prod_studio_mug"),
    stock: 1,
    lowStock: true,
  });
  assertEquals(
    [byId.get("prod_flat_white_blend")?.stock, byId.get("prod_flat_white_blend")?.lowStock],
    [40, false],
  );
  assertEquals([byId.get(untracked.id)?.stock, byId.get(untracked.id)?.lowStock], [null, false]);
  const found = await (await api(app, "/api/admin/products?q=gift&status=active")).json();
  assertEquals(found.products.map((p: { id: string }) => p.id), [untracked.id]);
  equal((await api(app, "/api/admin/products?status=sold")).status, 400);
});

Deno.test("PUT /api/admin/products/:id upserts by slug or by id; bad input is a 422 naming each field and writes nothing", async () => {
  await using app = await adminApp();
  const body = {
    slug: "kawakawa-tea",
    title: "Kawakawa Tea",
    description: "Loose leaf.",
    unitAmount: 1890,
    currency: "NZD",
    image: "/images/placeholder.svg",
    active: true,
    unique: false,
    trackStock: true,
    stock: 7,
  };
  const put = (id: string, value: unknown) =>
    api(app, `/api/admin/products/${id}`, { method: "PUT", body: JSON.stringify(value) });

  const created = await put("kawakawa-tea", body);
  equal(created.status, 201);
  const { product, created: isNew } = await created.json();
  equal(isNew, true);
  equal((await getStock(app.kv, [product.id])).get(product.id), 7);
  const same = await put("kawakawa-tea", body);
  assertEquals([same.status, (await same.json()).changed], [200, []]);
  const renamed = await put(product.id, { ...body, slug: "kawakawa-leaf-tea", unitAmount: 1990 });
  assertEquals((await renamed.json()).changed, ["slug", "unitAmount"]);
  equal((await getProductBySlug(app.kv, "kawakawa-leaf-tea"))?.id, product.id);

  const before = await catalog(app.kv);
  const bad = await put(product.id, { ...body, title: "", unitAmount: 18.9, colour: "green" });
  equal(bad.status, 422);
  const error = (await bad.json()).error;
  equal(error.code, "invalid_product");
  assertEquals(error.details.map((i: { path: string }) => i.path).sort(), [
    "",
    "title",
    "unitAmount",
  ]);
  const mismatch = await put("some-other-slug", body);
  equal(mismatch.status, 422);
  assertEquals((await mismatch.json()).error.details, [
    { path: "slug", message: 'must be "some-other-slug", the slug in the URL' },
  ]);
  const taken = await put(product.id, { ...body, slug: "ethiopia-guji" });
  equal(taken.status, 422);
  assertEquals((await taken.json()).error.details[0].path, "slug");
  equal((await put("prod_nobody", body)).status, 404);
  const notJson = await api(app, `/api/admin/products/${product.id}`, { method: "PUT", body: "{" });
  equal(notJson.status, 400);
  assertEquals(await catalog(app.kv), before);
});

Deno.test("POST /api/admin/products/:id/stock adjusts; below zero is a 409 that writes nothing", async () => {
  await using app = await adminApp();
  const product = await stocked(app, 2);
  const stock = (id: string, value: unknown) =>
    api(app, `/api/admin/products/${id}/stock`, { method: "POST", body: JSON.stringify(value) });
  const up = await stock(product.id, { delta: 3, reason: "delivery" });
  equal(up.status, 200);
  const done = await up.json();
  assertEquals([done.stock, done.entry.delta, done.entry.reason, done.entry.actor], [
    5,
    3,
    "delivery",
    "api-token",
  ]);

  const untracked = await createProduct(app.kv, randomProduct({ trackStock: false }));
  const before = await catalog(app.kv);
  const below = await stock(product.id, { delta: -6, reason: "stock-take" });
  equal(below.status, 409);
  const error = (await below.json()).error;
  equal(error.code, "stock_below_zero");
  assertEquals(error.details, { productId: product.id, stock: 5, delta: -6 });
  equal((await stock(product.id, { delta: 0, reason: "nothing" })).status, 400);
  equal((await stock(product.id, { delta: 1 })).status, 400);
  equal((await stock("prod_nobody", { delta: 1, reason: "ghost" })).status, 404);
  const refused = await stock(untracked.id, { delta: 1, reason: "count it" });
  assertEquals([refused.status, (await refused.json()).error.code], [409, "stock_not_tracked"]);
  assertEquals(await catalog(app.kv), before);

  const down = await stock(product.id, { delta: -5, reason: "all sold at the market" });
  equal((await down.json()).stock, 0);

  // A signed-in admin's own pages may call it too, with the form token as a header.
  const cookie = await signIn(app);
  const csrf = await app.app.request(`/api/admin/products/${product.id}/stock`, {
    method: "POST",
    headers: {
      cookie,
      "content-type": "application/json",
      "x-csrf-token": await tokenFrom(app, cookie),
    },
    body: JSON.stringify({ delta: 1, reason: "found one" }),
  });
  equal(csrf.status, 200);
  const bare = await app.app.request(`/api/admin/products/${product.id}/stock`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ delta: 1, reason: "found another" }),
  });
  equal(bare.status, 403);
});
