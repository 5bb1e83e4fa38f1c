/**
 * The cart page while a quantity change is on its way, in real Chromium: the server's answer
 * is held (page.route) until the test releases it, so the in-between state is looked at
 * without sleeps.
 */
import assert from "node:assert/strict";
import { expectAccessible } from "../support/axe.ts";
import { collectPageErrors, launchBrowser, screenshot, startShop } from "../support/browser.ts";
import { fillCart } from "../support/checkout_browser.ts";

const FLAT = "prod_flat_white_blend";
/** Tailwind's stone-500: how a busy amount is dimmed (BUSY_DIMS). */
const STONE_500 = "rgb(120, 113, 108)";

Deno.test({
  name: "while a quantity change waits for the server the line total and summary are dimmed " +
    "and “Updating…” is announced; the answer updates them; the cart badge is a polite live region",
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
      await fillCart(shop, page, "flat-white-blend", 1);
      await fillCart(shop, page, "ethiopia-guji", 1);
      await page.goto(`${shop.url}/cart`);

      const badge = page.locator("header [aria-live]", { has: page.locator("[data-cart-count]") });
      assert.equal(await badge.getAttribute("aria-live"), "polite");
      assert.equal(await badge.textContent(), "22 items", "the pill and the words read out");
      await page.getByRole("link", { name: "Cart 2 items" }).waitFor();
      await expectAccessible(page, "the cart page");

      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let sent!: () => void;
      const reachedServer = new Promise<void>((resolve) => (sent = resolve));
      await page.route(`**/api/cart/items/${FLAT}`, async (route) => {
        const response = await route.fetch();
        sent();
        await released;
        await route.fulfill({ response });
      });

      // The line's total and the summary's subtotal and total.
      const amounts = [`[data-line-total="${FLAT}"]`, "[data-cart-subtotal]", "[data-cart-total]"];
      const text = (selector: string) => page.locator(selector).innerText();
      const busy = (selector: string) => page.locator(selector).getAttribute("aria-busy");
      /** Resolves once every amount is drawn in `color` (colours change with a transition). */
      const drawnIn = (color: string) =>
        page.waitForFunction(
          ([list, value]) =>
            (list as string[]).every((s) =>
              getComputedStyle(document.querySelector(s)!).color === value
            ),
          [amounts, color] as const,
        );
      const status = page.locator(`[data-line="${FLAT}"] [role="status"]`);
      await page.getByRole("button", { name: "Increase quantity of Flat White Blend, 250 g" })
        .click();
      await status.getByText("Updating…").waitFor();
      await reachedServer;
      for (const amount of amounts) assert.equal(await busy(amount), "true", amount);
      await drawnIn(STONE_500);
      assert.equal(await text(amounts[0]), "$18.90", "the old total until the answer");
      assert.equal(await text("[data-cart-total]"), "$41.80");
      await expectAccessible(page, "the cart page while updating");
      await screenshot(page, "cart-feedback-updating");

      release();
      await status.getByText("Quantity updated to 2.").waitFor();
      assert.equal(await text(amounts[0]), "$37.80");
      assert.equal(await text("[data-cart-subtotal]"), "$60.70");
      assert.equal(await text("[data-cart-total]"), "$60.70");
      for (const amount of amounts) assert.equal(await busy(amount), null, amount);
      assert.notEqual(
        await page.evaluate(
          (s) => getComputedStyle(document.querySelector(s)!).color,
          amounts[0],
        ),
        STONE_500,
      );
      await page.getByRole("link", { name: "Cart 3 items" }).waitFor();
      assert.equal(await badge.textContent(), "33 items");
      await expectAccessible(page, "the cart page after the update");
      await screenshot(page, "cart-feedback-updated");
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await shop.close();
    }
  },
});
