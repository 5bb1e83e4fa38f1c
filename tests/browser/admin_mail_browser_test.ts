/**
 * The development mail outbox in real Chromium: a shopper pays on the emulator's hosted page,
 * typing the e-mail it asks for (checkout did not prefill one); an admin opens /admin/mail,
 * finds the receipt to that address and reads it. axe-core at 1280 and 360 px on the hosted
 * page, the outbox and the message. Screenshot: admin-mail.png.
 */
import assert from "node:assert/strict";
import { getOrder } from "@/lib/db/orders.ts";
import { listOutbox } from "@/lib/notify/outbox.ts";
import { eventually } from "../support/app.ts";
import {
  collectPageErrors,
  expectAccessibleWideAndNarrow,
  launchBrowser,
  screenshot,
  startShop,
} from "../support/browser.ts";

const PASSWORD = "browser-admin-password";
const SHOPPER_EMAIL = "aroha@example.nz";

Deno.test({
  name: "after a paid order, an admin opens /admin/mail and reads the receipt",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const shop = await startShop({ ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: "error" });
    let browser;
    try {
      const products = await (await fetch(`${shop.url}/api/products`)).json() as {
        id: string;
        title: string;
        stock: number;
      }[];
      const product = products.find((p) => p.stock >= 2)!;
      const res = await fetch(`${shop.url}/api/payments/create-checkout-session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ items: [{ productId: product.id, quantity: 1 }] }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const placed = await res.json() as { url: string; orderId: string; orderNumber: string };

      browser = await launchBrowser();
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(10_000);
      const errors = collectPageErrors(page);

      // The hosted page asks for the e-mail, since none was prefilled.
      await page.goto(placed.url);
      const email = page.getByLabel("Email");
      assert.equal(await email.getAttribute("required"), "");
      await expectAccessibleWideAndNarrow(page, "emulator hosted page asking for an e-mail");
      await email.fill(SHOPPER_EMAIL);
      await page.getByLabel("Card number").fill("4242424242424242");
      await page.getByRole("button", { name: /^Pay / }).click();
      await page.waitForURL(/\/checkout\/success/);
      await eventually(async () => {
        const order = (await getOrder(shop.deps.kv, placed.orderId)).value;
        return order?.customer?.email === SHOPPER_EMAIL;
      }, { timeoutMs: 10_000 });
      await eventually(async () => (await listOutbox(shop.deps.kv)).length > 0, {
        timeoutMs: 10_000,
      });

      await page.goto(`${shop.url}/admin/mail`);
      await page.getByLabel("Admin password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${shop.url}/admin/mail`);
      assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Mail outbox");
      const nav = page.getByRole("navigation", { name: "Admin" });
      assert.equal(
        await nav.getByRole("link", { name: "Mail" }).getAttribute("aria-current"),
        "page",
      );
      const row = page.locator("tbody tr[data-mail-id]").filter({ hasText: SHOPPER_EMAIL });
      await row.getByRole("link", { name: placed.orderNumber, exact: true }).waitFor();
      await expectAccessibleWideAndNarrow(page, "admin mail outbox");
      await screenshot(page, "admin-mail");

      await row.getByRole("link", { name: `Your receipt for order ${placed.orderNumber}` }).click();
      await page.waitForURL(/\/admin\/mail\/[0-9A-Z]{26}$/);
      const text = await page.locator("[data-mail-text]").textContent() ?? "";
      assert.ok(text.includes(product.title), text);
      assert.match(text, /Total paid: /);
      assert.ok(text.includes(`/orders/${placed.orderId}?token=`), text);
      const frame = page.frameLocator("iframe[data-mail-html]");
      await frame.getByText(`Thank you for your order`).waitFor();
      await expectAccessibleWideAndNarrow(page, "admin mail message");
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await shop.close();
    }
  },
});
