/**
 * Issue 5's admin journey in real Chromium: sign in (sent there from /admin), filter the
 * list to orders needing attention, open one whose fulfilment failed, refund part of it and
 * find the refund in the order's admin actions. Screenshots: admin-list.png, admin-order.png.
 */
import assert from "node:assert/strict";
import type { Runtime } from "@/lib/runtime.ts";
import { getOrder } from "@/lib/db/orders.ts";
import { reconcile } from "@/lib/reconcile/run.ts";
import { eventually } from "../support/app.ts";
import {
  collectPageErrors,
  expectAccessibleWideAndNarrow,
  launchBrowser,
  screenshot,
  startShop,
} from "../support/browser.ts";

const PASSWORD = "browser-admin-password";
const HOSTILE = "<script>alert(1)</script>";

async function checkout(shop: Runtime, productId: string, metadata?: Record<string, string>) {
  const res = await fetch(`${shop.url}/api/payments/create-checkout-session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ items: [{ productId, quantity: 1 }], metadata }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json() as { id: string; orderId: string; orderNumber: string };
}

/** A few orders in different states, and one paid order whose fulfilment failed. */
async function fillShop(shop: Runtime): Promise<{ orderId: string; orderNumber: string }> {
  const products = await (await fetch(`${shop.url}/api/products`)).json() as {
    id: string;
    stock: number;
  }[];
  const [a, b, c] = products.filter((p) => p.stock >= 3);
  const emulator = shop.emulator!;
  await checkout(shop, a.id);
  const declined = await checkout(shop, b.id);
  emulator.pay(declined.id, "4000000000000002");
  const paid = await checkout(shop, c.id, { note: HOSTILE });
  emulator.pay(paid.id, "4242424242424242");
  const expired = await checkout(shop, a.id);
  emulator.expireNow(expired.id);
  const failing = await checkout(shop, b.id, { customer: "kiri@example.nz" });
  emulator.pay(failing.id, "4242424242424242");
  await eventually(async () => {
    const order = (await getOrder(shop.deps.kv, failing.orderId)).value;
    return order?.needsAttention.some((f) => f.reason === "fulfillment_failed");
  }, { timeoutMs: 10_000 });
  await emulator.idle();
  await reconcile(shop.deps, { olderThanMinutes: 0 });
  return failing;
}

Deno.test({
  name: "an admin signs in, finds an order needing attention and refunds part of it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const shop = await startShop({
      ADMIN_PASSWORD: PASSWORD,
      FULFILLMENT_ADAPTER: "demo",
      FULFILLMENT_DEMO_FAIL: "always",
      FULFILLMENT_MAX_ATTEMPTS: "1",
      LOG_LEVEL: "error",
    });
    let browser;
    try {
      const failing = await fillShop(shop);
      browser = await launchBrowser();
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      page.setDefaultTimeout(10_000);
      const errors = collectPageErrors(page);
      const dialogs: string[] = [];
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });

      await page.goto(`${shop.url}/admin`);
      assert.equal(new URL(page.url()).pathname, "/admin/login");
      await page.getByLabel("Admin password").fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("That password is not right.").waitFor();
      await expectAccessibleWideAndNarrow(page, "admin login refusing a password");
      await page.getByLabel("Admin password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${shop.url}/admin`);
      assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Orders");
      assert.equal(await page.locator("tbody tr[data-order]").count(), 5);
      assert.equal(await page.locator("[data-cart-count]").count(), 0, "no shop cart badge");

      await page.getByRole("navigation", { name: "Filter orders" })
        .getByRole("link", { name: /Needs attention/ }).click();
      await page.waitForURL(/attention=1/);
      const rows = page.locator("tbody tr[data-order]");
      // Both paid orders failed to ship (the demo supplier refuses everything here).
      assert.equal(await rows.count(), 2);
      assert.equal(await rows.filter({ hasText: "Paid, but fulfilment failed" }).count(), 2);
      await expectAccessibleWideAndNarrow(page, "admin list of orders needing attention");
      await page.goto(`${shop.url}/admin`);
      await page.locator("[data-reconcile]").getByText("checked").waitFor();
      await expectAccessibleWideAndNarrow(page, "admin list of all orders");
      await screenshot(page, "admin-list");
      await page.goBack();

      await rows.getByRole("link", { name: failing.orderNumber }).click();
      await page.waitForURL(`${shop.url}/admin/orders/${failing.orderId}`);
      await page.getByRole("heading", { name: "Needs attention" }).waitFor();
      await expectAccessibleWideAndNarrow(page, "admin order needing attention");
      const refund = page.locator('form[data-action="refund"]');
      await refund.getByLabel("Refund amount (NZD)").fill("2.50");
      await refund.getByLabel("Reason").fill("Customer kept the item, partial refund");
      await refund.getByRole("button", { name: "Refund" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Confirm refund" }).click();
      await page.getByText("Refunded $2.50.").waitFor();
      const actions = page.locator("#admin-actions");
      await actions.getByText("Customer kept the item, partial refund").waitFor();
      assert.match(await actions.textContent() ?? "", /Refund of \$2\.50 \(re_/);
      await page.locator("#payment").getByText("Part refunded").waitFor();
      await page.getByRole("heading", { name: "Metadata" }).waitFor();
      await expectAccessibleWideAndNarrow(page, "admin order after a refund");
      await screenshot(page, "admin-order");

      assert.deepEqual(dialogs, [], "hostile strings never ran");
      assert.deepEqual(errors, []);
      const order = (await getOrder(shop.deps.kv, failing.orderId)).value!;
      assert.equal(order.payment.refundedAmount, 250);
    } finally {
      await browser?.close();
      await shop.close();
    }
  },
});
