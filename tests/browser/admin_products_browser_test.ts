/**
 * Issue 13's product journey in real Chromium: an admin creates a product (after the form
 * refuses a bad price beside its field), sets its stock with an adjustment, and a shopper in
 * a browser context of their own finds it in the catalog, adds it to the cart and pays with
 * 4242 on the emulator's hosted page; the admin's product page then shows the order's
 * reserve and commit in the stock ledger. Every page passes axe-core at 1280 px (the admin's
 * at 360 px too). Screenshots: admin-products.png, admin-product.png, admin-product-360.png.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import type { Runtime } from "@/lib/runtime.ts";
import { expectAccessible } from "../support/axe.ts";
import {
  collectPageErrors,
  expectAccessibleWideAndNarrow,
  launchBrowser,
  screenshot,
  startShop,
} from "../support/browser.ts";
import {
  fillCheckoutDetails,
  payOnHostedPage,
  statusTitle,
  STEP_MS,
  waitForState,
} from "../support/checkout_browser.ts";

const PASSWORD = "products-admin-password";
const TITLE = "Kawakawa Tea, 50 g";

async function newPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  return { page, errors: collectPageErrors(page) };
}

/** The admin list at 360 px shows cards and never scrolls sideways. */
async function expectCardsAt360(page: Page) {
  await page.setViewportSize({ width: 360, height: 780 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the products list is ${width} px wide at 360 px`);
  assert.ok(await page.locator("[data-product-card]").first().isVisible(), "cards at 360 px");
  assert.equal(await page.locator("[data-product-row]").first().isVisible(), false);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function adminCreatesAndStocks(shop: Runtime, page: Page): Promise<string> {
  await page.goto(`${shop.url}/admin/products`);
  assert.equal(new URL(page.url()).pathname, "/admin/login");
  await expectAccessible(page, "admin sign-in");
  await page.getByLabel("Admin password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${shop.url}/admin/products`);
  await page.getByRole("heading", { level: 1, name: "Products" }).waitFor();
  await page.getByText("Low stock: 3 units or fewer on hand.").waitFor();
  await expectAccessibleWideAndNarrow(page, "admin products list");
  await expectCardsAt360(page);
  await screenshot(page, "admin-products");

  await page.getByRole("link", { name: "New product" }).click();
  await page.waitForURL(`${shop.url}/admin/products/new`);
  await expectAccessibleWideAndNarrow(page, "admin new product form");
  await page.getByLabel("Title").fill(TITLE);
  await page.getByLabel("Slug").fill("kawakawa-tea");
  await page.getByLabel("Description").fill("Loose leaf, picked in Northland.");
  await page.getByLabel("Price (NZD)").fill("12.405");
  await page.getByRole("button", { name: "Create product" }).click();
  await page.getByText("at most 2 decimal places, e.g. 18.90").waitFor();
  assert.equal(await page.getByLabel("Price (NZD)").getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByLabel("Title").inputValue(), TITLE, "filled in again");
  await expectAccessibleWideAndNarrow(page, "admin new product form refusing a price");
  await page.getByLabel("Price (NZD)").fill("12.40");
  await page.getByRole("button", { name: "Create product" }).click();
  await page.getByText(`Created “${TITLE}”. Add its stock with an adjustment.`).waitFor();
  const productId = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1)!);
  assert.match(productId, /^prod_/);
  await page.getByText("No stock movements yet.").waitFor();
  await expectAccessibleWideAndNarrow(page, "admin product page, just created");

  const stock = page.locator("#adjust-form");
  await stock.getByLabel("Change (units)").fill("-1");
  await stock.getByLabel("Reason").fill("Testing the floor");
  await stock.getByRole("button", { name: "Adjust stock" }).click();
  await page.getByText("Stock cannot go below zero: 0 on hand").waitFor();
  await expectAccessibleWideAndNarrow(page, "admin product page refusing an adjustment");
  await stock.getByLabel("Change (units)").fill("6");
  await stock.getByLabel("Reason").fill("First delivery from the grower");
  await stock.getByRole("button", { name: "Adjust stock" }).click();
  await page.getByText("Added 6: 6 on hand now.").waitFor();
  await page.locator('#ledger tr[data-ledger-kind="adjusted"]')
    .getByText("First delivery from the grower").waitFor();
  await expectAccessibleWideAndNarrow(page, "admin product page after an adjustment");
  return productId;
}

async function shopperBuys(shop: Runtime, page: Page) {
  await page.goto(`${shop.url}/`);
  await page.getByRole("button", { name: `Add to cart: ${TITLE}` }).click();
  await page.getByText(`Added ${TITLE} to your cart.`).waitFor();
  await expectAccessible(page, "the catalog with the new product");
  await page.goto(`${shop.url}/cart`);
  await expectAccessible(page, "the cart holding the new product");
  await page.getByRole("link", { name: "Checkout" }).click();
  await page.waitForURL(`${shop.url}/checkout`);
  await fillCheckoutDetails(page);
  await expectAccessible(page, "the checkout review");
  await page.getByRole("button", { name: "Pay $18.40" }).click();
  await page.waitForURL(/\/pay\/cs_test_/);
  await expectAccessible(page, "the emulator's hosted payment page");
  await payOnHostedPage(page, "4242 4242 4242 4242");
  await page.waitForURL(/\/checkout\/success\?session_id=cs_test_/);
  await waitForState(page, "paid");
  assert.equal(await statusTitle(page).innerText(), "Payment received. Thank you!");
  await expectAccessible(page, "the success page, paid");
  return (await page.locator("h1").innerText()).replace(/^Order /, "");
}

Deno.test({
  name: "an admin creates a product and stocks it; a shopper buys it; the ledger shows the sale",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const shop = await startShop({ ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: "error" });
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const admin = await newPage(browser);
      const productId = await adminCreatesAndStocks(shop, admin.page);
      const shopper = await newPage(browser);
      const orderNumber = await shopperBuys(shop, shopper.page);

      // The commit lands with the payment's webhook: reload until the ledger shows it.
      const ledger = admin.page.locator("#ledger");
      const deadline = Date.now() + STEP_MS;
      while (await ledger.locator('tr[data-ledger-kind="committed"]').count() === 0) {
        assert.ok(Date.now() < deadline, "the commit reached the ledger");
        await admin.page.waitForTimeout(200);
        await admin.page.reload();
      }
      const reserved = ledger.locator('tr[data-ledger-kind="reserved"]');
      const committed = ledger.locator('tr[data-ledger-kind="committed"]');
      assert.match(await reserved.innerText(), /Reserved\s+\u22121\s+5/);
      assert.match(await committed.innerText(), /Committed\s+1 sold/);
      for (const row of [reserved, committed]) {
        await row.getByRole("link", { name: orderNumber }).waitFor();
      }
      assert.match(await admin.page.locator("#stock").innerText(), /On hand:\s*5/);
      await expectAccessibleWideAndNarrow(admin.page, "admin product page after a sale");
      await screenshot(admin.page, "admin-product");
      await admin.page.setViewportSize({ width: 360, height: 780 });
      await screenshot(admin.page, "admin-product-360");

      await committed.getByRole("link", { name: orderNumber }).click();
      await admin.page.waitForURL(new RegExp(`/admin/orders/[0-9A-Z]{26}$`));
      const items = await admin.page.locator("#items").innerText();
      assert.ok(items.includes(TITLE) && items.includes(productId), "the order holds the product");
      assert.deepEqual(admin.errors, []);
      assert.deepEqual(shopper.errors, []);
    } finally {
      await browser?.close();
      await shop.close();
    }
  },
});
