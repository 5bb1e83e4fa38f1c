/**
 * The catalog through the whole app: the product API, the catalog and product pages, the
 * 404 and the JavaScript each page ships.
 */
import assert from "node:assert/strict";
import { DEMO_PRODUCTS } from "@/lib/catalog/demo.ts";
import { formatMoney } from "@/lib/orders/money.ts";
import { createTestApp } from "../support/app.ts";

async function testApp() {
  const app = await createTestApp();
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

const demo = (slug: string) => DEMO_PRODUCTS.find((d) => d.product.slug === slug)!;
const ACTIVE = DEMO_PRODUCTS.filter((d) => d.product.active);
/** The catalog prints these escaped; tests compare text the way the page writes it. */
const html = (text: string) => text.replaceAll("&", "&amp;");

Deno.test("GET /api/products lists active products with price and stock, never inactive ones", async () => {
  await using app = await testApp();
  const res = await app.app.request("/api/products");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const list = await res.json() as Record<string, unknown>[];
  assert.equal(list.length, ACTIVE.length);
  for (const item of list) {
    assert.deepEqual(Object.keys(item).sort(), [
      "active",
      "currency",
      "id",
      "image",
      "slug",
      "stock",
      "title",
      "unitAmount",
    ]);
    assert.equal(item.active, true);
    assert.ok(Number.isSafeInteger(item.unitAmount) && Number.isSafeInteger(item.stock));
  }
  const bySlug = new Map(list.map((p) => [p.slug, p]));
  assert.equal(bySlug.has("cold-brew-bottle"), false, "inactive products are not listed");
  const mug = demo("studio-mug").product;
  assert.deepEqual(bySlug.get("studio-mug"), {
    id: mug.id,
    slug: mug.slug,
    title: mug.title,
    unitAmount: 6500,
    currency: "nzd",
    stock: 1,
    active: true,
    image: "/images/studio-mug.svg",
  });
  assert.equal(bySlug.get("enamel-camp-mug")?.stock, 0);
});

Deno.test("the catalog page shows every product on sale with price, picture and availability", async () => {
  await using app = await testApp();
  const res = await app.app.request("/");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  const page = await res.text();
  assert.match(page, /<html lang="en">/);
  assert.match(page, /<title>Shop · Settle<\/title>/);
  assert.match(page, /<a href="#main"[^>]*>Skip to content<\/a>/);
  assert.match(page, /<main id="main"/);
  for (const { product } of ACTIVE) {
    assert.ok(page.includes(html(product.title)), product.title);
    assert.ok(page.includes(formatMoney(product.unitAmount, product.currency)), product.title);
    assert.ok(page.includes(`href="/products/${product.slug}"`), product.slug);
    assert.ok(page.includes(`src="${product.image}"`), product.image);
  }
  assert.ok(!page.includes("Cold Brew Bottle"), "inactive products stay off the shelf");
  assert.ok(page.includes("$18.90"), "NZD cents shown as dollars");
  assert.ok(page.includes("Only 1 left"), "the studio mug's last unit");
  assert.ok(page.includes("In stock"));
  assert.match(
    page,
    /<button type="submit"[^>]*disabled[^>]*aria-label="Sold out: Enamel Camp Mug"/,
  );
  // Sold-out products are listed after everything that can be bought.
  assert.ok(page.indexOf("Enamel Camp Mug") > page.indexOf(html(demo("tea-towel").product.title)));
  // No CSS per page: the prebuilt stylesheet (same origin, CSP style-src 'self') has it.
  const sheet = page.match(/<link rel="stylesheet" href="(\/_fresh\/styles\.[0-9a-f]+\.css)">/);
  assert.ok(sheet, "the page links the stylesheet");
  assert.doesNotMatch(page, /<style/);
  assert.match(await (await app.app.request(sheet[1])).text(), /\.bg-brand-600\{/);
});

Deno.test("a product page shows the description, price, stock and a quantity to add", async () => {
  await using app = await testApp();
  const grinder = demo("hand-grinder").product;
  const res = await app.app.request(`/products/${grinder.slug}`);
  assert.equal(res.status, 200);
  const page = await res.text();
  assert.ok(page.includes(`<title>${grinder.title} · Settle</title>`));
  assert.match(page, new RegExp(`<h1[^>]*>${grinder.title}</h1>`));
  assert.ok(page.includes(grinder.description));
  assert.ok(page.includes("$129.00"));
  assert.ok(page.includes("Only 5 left"));
  assert.ok(page.includes(`alt="${grinder.title}"`));
  assert.match(page, /<label for="quantity-prod_hand_grinder"[^>]*>Quantity<\/label>/);
  assert.match(
    page,
    /<input id="quantity-prod_hand_grinder" type="number" name="quantity"[^>]*max="5"/,
  );

  const soldOut = await (await app.app.request("/products/enamel-camp-mug")).text();
  assert.ok(soldOut.includes("Sold out"));
  assert.match(soldOut, /disabled[^>]*aria-label="Sold out: Enamel Camp Mug"/);
  assert.ok(!soldOut.includes('name="quantity" inputmode'), "no quantity for a sold-out product");
});

Deno.test("unknown, inactive and impossible slugs answer the 404 page", async () => {
  await using app = await testApp();
  for (const slug of ["no-such-thing", "cold-brew-bottle", "x".repeat(3000), "Bad%20Slug"]) {
    const res = await app.app.request(`/products/${slug}`);
    assert.equal(res.status, 404, slug.slice(0, 20));
    const page = await res.text();
    assert.match(page, /We couldn’t find that page/);
    assert.match(page, /<a href="\/"[^>]*>Back to the shop<\/a>/);
  }
  const unknownPage = await app.app.request("/no/such/page");
  assert.equal(unknownPage.status, 404);
  assert.match(await unknownPage.text(), /Nothing lives at <code[^>]*>\/no\/such\/page<\/code>/);
  const unknownApi = await app.app.request("/api/no-such-endpoint");
  assert.equal(unknownApi.status, 404);
  assert.equal((await unknownApi.json()).error.code, "not_found");
});

Deno.test("pages ship the island scripts they need, and a page without islands ships none", async () => {
  await using app = await testApp();
  const catalog = await (await app.app.request("/")).text();
  assert.match(catalog, /<script type="module" src="\/_fresh\/js\/boot-[\w-]+\.js" nonce=/);
  assert.match(catalog, /"AddToCart":"\/_fresh\/js\/AddToCart-[\w-]+\.js"/);
  assert.match(catalog, /"CartCountLive":"\/_fresh\/js\/CartCountLive-[\w-]+\.js"/);
  for (const path of ["/nowhere", "/cart"]) {
    const page = await (await app.app.request(path)).text();
    assert.ok(!page.includes("<script"), `${path} ships no script`);
    assert.match(page, /href="\/cart"/, `${path} still links the cart`);
  }
  const boot = catalog.match(/src="(\/_fresh\/js\/boot-[\w-]+\.js)"/)![1];
  const js = await app.app.request(boot);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type") ?? "", /javascript/);
  await js.body?.cancel();
});
