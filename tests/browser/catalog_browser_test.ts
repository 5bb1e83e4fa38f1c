/**
 * Issue 2's shopper journey in real Chromium: add from the catalog, watch the header
 * badge follow without a reload, change a quantity on the cart page, and find the
 * sold-out product impossible to add.
 */
import assert from "node:assert/strict";
import { expectAccessible } from "../support/axe.ts";
import { collectPageErrors, launchBrowser, screenshot, startShop } from "../support/browser.ts";

Deno.test({
  name: "a shopper fills the cart from the catalog and adjusts it on the cart page",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const shop = await startShop();
    let browser;
    try {
      browser = await launchBrowser();
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(10_000);
      const errors = collectPageErrors(page);
      const badge = page.locator("header [data-cart-count]");
      const status = (slug: string) => page.locator(`[data-product="${slug}"] [role="status"]`);

      await page.goto(`${shop.url}/`);
      assert.equal(await page.title(), "Shop · Settle");
      // Set on the page's window: a reload or navigation would lose it.
      await page.evaluate(() => Object.assign(globalThis, { stillTheSamePage: true }));
      assert.equal(await badge.isVisible(), false, "no pill while the cart is empty");

      const addFlat = page.getByRole("button", { name: "Add to cart: Flat White Blend, 250 g" });
      await addFlat.click();
      await status("flat-white-blend").getByText("Added Flat White Blend, 250 g").waitFor();
      await addFlat.click();
      await page.getByRole("button", { name: "Add to cart: Ethiopia Guji, 250 g" }).click();
      await status("ethiopia-guji").getByText("Added Ethiopia Guji, 250 g").waitFor();
      await page.waitForFunction(
        () => document.querySelector("header [data-cart-count]")?.textContent === "3",
      );
      assert.equal(await badge.textContent(), "3");
      assert.equal(await page.getByRole("link", { name: "Cart 3 items" }).count(), 1);
      assert.equal(await page.evaluate(() => "stillTheSamePage" in globalThis), true);

      const soldOut = page.getByRole("button", { name: "Sold out: Enamel Camp Mug" });
      assert.equal(await soldOut.isDisabled(), true);
      await soldOut.click({ force: true });
      await page.getByRole("button", { name: "Add to cart: Studio Mug, one of a kind" }).click();
      await status("studio-mug").getByText("Added Studio Mug").waitFor();
      await page.getByRole("button", { name: "Add to cart: Studio Mug, one of a kind" }).click();
      await status("studio-mug").getByText("is already in your cart, and there is only one")
        .waitFor();
      assert.equal(
        await status("studio-mug").getAttribute("data-tone"),
        "error",
        "the server's 422 message is shown as an error",
      );
      await page.waitForFunction(
        () => document.querySelector("header [data-cart-count]")?.textContent === "4",
      );
      await expectAccessible(page, "the catalog with add-to-cart messages");

      await page.goto(`${shop.url}/cart`);
      await page.locator("form", { has: page.getByText("Remove") })
        .filter({ has: page.locator('input[value="prod_studio_mug"]') })
        .getByRole("button", { name: /^Remove/ }).click();
      await page.waitForURL(`${shop.url}/cart`);
      assert.equal(await badge.textContent(), "3");
      const lineTotal = (id: string) => page.locator(`[data-line-total="${id}"]`).textContent();
      assert.equal(await lineTotal("prod_flat_white_blend"), "$37.80");
      assert.equal(await lineTotal("prod_ethiopia_guji"), "$22.90");
      assert.equal(await page.locator("[data-cart-total]").textContent(), "$60.70");
      assert.equal(await page.getByText("Enamel Camp Mug").count(), 0, "nothing sold out got in");

      await page.getByRole("button", { name: "Increase quantity of Ethiopia Guji, 250 g" }).click();
      await page.getByText("Quantity updated to 2.").waitFor();
      assert.equal(await lineTotal("prod_ethiopia_guji"), "$45.80");
      assert.equal(await page.locator("[data-cart-total]").textContent(), "$83.60");
      assert.equal(await badge.textContent(), "4");

      await page.reload();
      assert.equal(
        await page.getByLabel("Quantity of Ethiopia Guji, 250 g", { exact: true }).inputValue(),
        "2",
      );
      assert.equal(await page.locator("[data-cart-total]").textContent(), "$83.60");
      assert.equal(await badge.textContent(), "4");
      await expectAccessible(page, "the cart page");
      const shot = await screenshot(page, "catalog-cart");
      assert.ok((await Deno.stat(shot)).size > 10_000, shot);

      await page.goto(`${shop.url}/products/enamel-camp-mug`);
      assert.equal(
        await page.getByRole("button", { name: "Sold out: Enamel Camp Mug" }).isDisabled(),
        true,
      );
      await expectAccessible(page, "a sold-out product page");
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await shop.close();
    }
  },
});
