/**
 * An admin finds an order by its customer's e-mail and exports it, in real Chromium: the
 * order was placed with an e-mail and an address; the list's search finds it, the order page
 * shows the customer with copy buttons, and the list's "Export CSV" downloads a file holding
 * the order. axe-core at 1280 and 360 px on the list and the order.
 */
import assert from "node:assert/strict";
import {
  collectPageErrors,
  expectAccessibleWideAndNarrow,
  launchBrowser,
  startShop,
} from "../support/browser.ts";

const PASSWORD = "browser-admin-password";
const EMAIL = "mere.tane@example.nz";

Deno.test({
  name: "an admin finds an order by the customer's e-mail, copies the address and exports it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const shop = await startShop({ ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: "error" });
    let browser;
    try {
      const products = await (await fetch(`${shop.url}/api/products`)).json() as {
        id: string;
        stock: number;
      }[];
      const product = products.find((p) => p.stock >= 2)!;
      const placed = async (email: string) => {
        const res = await fetch(`${shop.url}/api/payments/create-checkout-session`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            items: [{ productId: product.id, quantity: 1 }],
            customer: { email, name: "Mere Tane" },
            shipping: {
              name: "Mere Tane",
              line1: "12 Cuba Street",
              city: "Wellington",
              postalCode: "6011",
              country: "NZ",
            },
            shippingRateId: "standard",
          }),
        });
        assert.equal(res.status, 200, await res.clone().text());
        return await res.json() as { orderId: string; orderNumber: string };
      };
      const mine = await placed(EMAIL);
      const other = await placed("someone.else@example.nz");

      browser = await launchBrowser();
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
      });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], {
        origin: shop.url,
      });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const errors = collectPageErrors(page);
      await page.goto(`${shop.url}/admin`);
      await page.getByLabel("Admin password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${shop.url}/admin`);

      await page.locator("#q").fill(EMAIL.toUpperCase());
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await page.waitForURL(/[?&]q=/);
      const listed = page.getByRole("link", { name: mine.orderNumber, exact: true });
      await listed.first().waitFor();
      assert.equal(
        await page.getByRole("link", { name: other.orderNumber, exact: true }).count(),
        0,
        "another customer's order is not listed",
      );
      await expectAccessibleWideAndNarrow(page, "admin list searched by e-mail");

      const download = page.waitForEvent("download");
      await page.locator("a[data-export]").click();
      const csv = await Deno.readTextFile(await (await download).path());
      const rows = csv.trim().split(/\r?\n/);
      assert.equal(rows.length, 2, csv);
      assert.ok(rows[1].includes(mine.orderNumber), csv);
      assert.ok(rows[1].includes(EMAIL), csv);

      await listed.first().click();
      await page.waitForURL(`${shop.url}/admin/orders/${mine.orderId}`);
      const panel = page.getByRole("region", { name: "Customer and delivery" });
      await panel.getByText("12 Cuba Street").first().waitFor();
      await panel.getByRole("button", { name: "Copy e-mail" }).click();
      await panel.getByText("Copied").first().waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), EMAIL);
      await expectAccessibleWideAndNarrow(page, "admin order with its customer");
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await shop.close();
    }
  },
});
