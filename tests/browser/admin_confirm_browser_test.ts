/**
 * The refund's confirm step in real Chromium, with JavaScript (a dialog asking the question,
 * worked from the keyboard) and without it (the confirm page), each page checked with axe at
 * 1280 px. Screenshots: admin-confirm-dialog.png, admin-confirm-page.png.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { getOrder } from "@/lib/db/orders.ts";
import { formatMoney } from "@/lib/orders/money.ts";
import type { Order } from "@/lib/orders/types.ts";
import type { Runtime } from "@/lib/runtime.ts";
import { eventually } from "../support/app.ts";
import { expectAccessible } from "../support/axe.ts";
import { collectPageErrors, launchBrowser, screenshot, startShop } from "../support/browser.ts";

const PASSWORD = "browser-confirm-password";
const VIEWPORT = { width: 1280, height: 900 };

/** A paid order of more than $10, paid by card through the emulator. */
async function paidOrder(shop: Runtime): Promise<Order> {
  const products = await (await fetch(`${shop.url}/api/products`)).json() as {
    id: string;
    stock: number;
    unitAmount: number;
  }[];
  const product = products.find((p) => p.stock >= Math.ceil(1001 / p.unitAmount))!;
  const res = await fetch(`${shop.url}/api/payments/create-checkout-session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      items: [{ productId: product.id, quantity: Math.ceil(1001 / product.unitAmount) }],
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { id, orderId } = await res.json() as { id: string; orderId: string };
  shop.emulator!.pay(id, "4242424242424242");
  return await eventually(async () => {
    const order = (await getOrder(shop.deps.kv, orderId)).value;
    return order?.payment.paymentIntentId ? order : null;
  }, { timeoutMs: 10_000 });
}

/** Signs in through the form, `audit` checking the sign-in page on the way. */
async function signIn(
  page: Page,
  shop: Runtime,
  next: string,
  audit: (label: string) => Promise<void>,
): Promise<void> {
  await page.goto(`${shop.url}${next}`);
  await audit("admin sign-in");
  await page.getByLabel("Admin password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${shop.url}${next}`);
}

const refunded = async (shop: Runtime, order: Order) =>
  (await getOrder(shop.deps.kv, order.id)).value!.payment.refundedAmount;

async function withShop(fn: (shop: Runtime, browser: Browser) => Promise<void>) {
  const shop = await startShop({ ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: "error" });
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    await fn(shop, browser);
  } finally {
    await browser?.close();
    await shop.close();
  }
}

Deno.test({
  name:
    "with JavaScript, Refund asks “Refund $10.00 of $N?” in a dialog; Back or Escape does nothing, Confirm refunds and the flash says so",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withShop(async (shop, browser) => {
      const order = await paidOrder(shop);
      const paid = formatMoney(order.payment.amountReceived, order.payment.currency!);
      const page = await browser.newPage({ viewport: VIEWPORT });
      page.setDefaultTimeout(10_000);
      const errors = collectPageErrors(page);
      const path = `/admin/orders/${order.id}`;
      await signIn(page, shop, path, (label) => expectAccessible(page, label));
      await expectAccessible(page, "admin order before a refund");

      const form = page.locator('form[data-action="refund"]');
      await form.getByLabel("Refund amount (NZD)").fill("10.00");
      await form.getByLabel("Reason").fill("Scuffed on arrival");
      await form.getByRole("button", { name: "Refund" }).click();
      const dialog = page.getByRole("dialog", { name: `Refund $10.00 of ${paid}?` });
      await dialog.waitFor();
      assert.equal(new URL(page.url()).pathname, path, "no navigation: the question is asked here");
      const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim());
      assert.equal(await focused(), "Back", "the harmless choice has the focus");
      await expectAccessible(page, "refund confirm dialog");
      await screenshot(page, "admin-confirm-dialog");

      await page.keyboard.press("Enter");
      await dialog.waitFor({ state: "hidden" });
      await form.getByRole("button", { name: "Refund" }).click();
      await dialog.waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      assert.equal(await refunded(shop, order), 0, "Back and Escape refund nothing");

      await form.getByRole("button", { name: "Refund" }).click();
      await dialog.waitFor();
      await page.keyboard.press("Shift+Tab");
      assert.equal(await focused(), "Confirm refund");
      await page.keyboard.press("Enter");
      await page.getByRole("status").getByText("Refunded $10.00.").waitFor();
      assert.equal(new URL(page.url()).pathname, path);
      await expectAccessible(page, "admin order after a confirmed refund");
      assert.equal(await refunded(shop, order), 1000);
      assert.deepEqual(errors, []);
    }),
});

Deno.test({
  name:
    "without JavaScript, “Refund everything” goes to a confirm page asking “Refund $N of $N?”, and its Confirm refunds it all",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withShop(async (shop, browser) => {
      const order = await paidOrder(shop);
      const paid = formatMoney(order.payment.amountReceived, order.payment.currency!);
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: VIEWPORT });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      // axe runs as script, which this page does not: each page it shows is checked at the
      // same URL, with the same cookies, in a twin page with JavaScript on.
      const twin = await browser.newPage({ viewport: VIEWPORT });
      const audit = async (label: string) => {
        await twin.context().addCookies(await context.cookies());
        await twin.goto(page.url());
        await expectAccessible(twin, `${label} (served to a page without JavaScript)`);
      };
      const path = `/admin/orders/${order.id}`;
      await signIn(page, shop, path, audit);
      await audit("admin order before a refund");

      const form = page.locator('form[data-action="refund"]');
      await form.getByLabel(`Refund everything (${paid})`).check();
      await form.getByLabel("Reason").fill("Lost in the post");
      await form.getByRole("button", { name: "Refund" }).click();
      await page.waitForURL((url) => url.pathname === `${path}/confirm`);
      await page.getByRole("heading", { level: 1, name: `Refund ${paid} of ${paid}?` }).waitFor();
      await page.getByRole("link", { name: "Back" }).waitFor();
      await audit("refund confirm page");
      await screenshot(page, "admin-confirm-page");
      assert.equal(await refunded(shop, order), 0, "nothing refunded before Confirm");

      await page.getByRole("button", { name: "Confirm refund" }).click();
      await page.waitForURL(`${shop.url}${path}`);
      await page.getByRole("status").getByText(`Refunded ${paid}.`).waitFor();
      assert.equal(await refunded(shop, order), order.payment.amountReceived);
      await audit("admin order after a refund");
      await context.close();
    }),
});
