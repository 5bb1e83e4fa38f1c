/**
 * The admin on a phone and on a laptop, in real Chromium: every admin page passes axe-core
 * at 360 and 1280 px, the orders list turns into cards and the header fits at 360 px, and
 * each history table that scrolls sideways can be reached by keyboard. Screenshots:
 * admin-list-360.png, admin-order-360.png.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { acknowledge } from "@/lib/admin/actions.ts";
import { getOrder } from "@/lib/db/orders.ts";
import { stripeCharge, stripeEventBody, stripeSignature } from "@/lib/payments/stripe_fixtures.ts";
import { reconcile } from "@/lib/reconcile/run.ts";
import type { Runtime } from "@/lib/runtime.ts";
import { eventually } from "../support/app.ts";
import { expectAccessible } from "../support/axe.ts";
import { collectPageErrors, launchBrowser, screenshot, startShop } from "../support/browser.ts";

const PASSWORD = "phone-admin-password";
const WEBHOOK_SECRET = "whsec_browser_test";

async function checkout(shop: Runtime, productId: string) {
  const res = await fetch(`${shop.url}/api/payments/create-checkout-session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ items: [{ productId, quantity: 1 }] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json() as { id: string; orderId: string };
}

/**
 * Orders in a few states, one paid order whose fulfilment failed and an admin acknowledged
 * (so all four history tables have rows), an unmatched event and a reconciliation run.
 */
async function fillShop(shop: Runtime): Promise<string> {
  const products = await (await fetch(`${shop.url}/api/products`)).json() as {
    id: string;
    stock: number;
  }[];
  const [a, b] = products.filter((p) => p.stock >= 3);
  const emulator = shop.emulator!;
  await checkout(shop, a.id);
  const declined = await checkout(shop, b.id);
  emulator.pay(declined.id, "4000000000000002");
  const failing = await checkout(shop, a.id);
  emulator.pay(failing.id, "4242424242424242");
  await eventually(async () => {
    const order = (await getOrder(shop.deps.kv, failing.orderId)).value;
    return order?.needsAttention.some((f) => f.reason === "fulfillment_failed");
  }, { timeoutMs: 10_000 });
  await emulator.idle();
  await acknowledge(shop.deps, failing.orderId, {
    flag: "fulfillment_failed",
    note: "Supplier phoned: they will ship it by hand",
  }, { actor: "admin" });
  await reconcile(shop.deps, { olderThanMinutes: 0 });

  const foreign = stripeCharge({ payment_intent: "pi_other_app_phone", metadata: {} });
  const body = stripeEventBody("charge.refunded", foreign, { id: "evt_phone_unmatched" });
  const res = await fetch(`${shop.url}/api/payments/webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "stripe-signature": await stripeSignature(body, WEBHOOK_SECRET),
    },
    body,
  });
  assert.equal(res.status, 200, await res.text());
  return failing.orderId;
}

/** Whether the page is wider than the viewport, and which header controls poke out of it. */
async function overflow(page: Page) {
  return await page.evaluate(() => ({
    pageWidth: document.documentElement.scrollWidth,
    outsideHeader: [...document.querySelectorAll("header a, header button")]
      .filter((el) => el.getBoundingClientRect().right > innerWidth)
      .map((el) => el.textContent?.trim()),
  }));
}

/** The names of the regions Tab focuses, going once through the page from its top. */
async function regionsReachedByTab(page: Page): Promise<string[]> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const reached: string[] = [];
  let first: number | undefined;
  for (let presses = 0; presses < 200; presses++) {
    await page.keyboard.press("Tab");
    const [index, region] = await page.evaluate(() => {
      const el = document.activeElement;
      const name = el?.getAttribute("role") === "region" ? el.getAttribute("aria-label") : null;
      return [[...document.querySelectorAll("*")].indexOf(el!), name] as const;
    });
    if (index === first) break;
    first ??= index;
    if (region) reached.push(region);
  }
  return reached;
}

async function signIn(browser: Browser, shop: Runtime, width: number) {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${shop.url}/admin/login`);
  await expectAccessible(page, `admin login at ${width} px`);
  await page.getByLabel("Admin password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${shop.url}/admin`);
  return { context, page, errors };
}

Deno.test({
  name: "admin pages pass axe at 360 and 1280 px; at 360 the list is cards, the header fits, " +
    "and every history scroll region takes keyboard focus",
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
      const orderId = await fillShop(shop);
      browser = await launchBrowser();
      for (const width of [360, 1280]) {
        const { context, page, errors } = await signIn(browser, shop, width);
        const phone = width === 360;

        await expectAccessible(page, `admin orders list at ${width} px`);
        assert.equal(await page.locator("table").isVisible(), !phone, "a table only when wide");
        assert.equal(await page.locator("[data-order-card]").first().isVisible(), phone);
        const times = page.locator('time[datetime][title$=" UTC"]');
        assert.ok(await times.count() > 0, "times carry the instant and UTC on hover");
        if (phone) {
          assert.deepEqual(await overflow(page), { pageWidth: 360, outsideHeader: [] });
          await screenshot(page, "admin-list-360");
        }

        await page.goto(`${shop.url}/admin/orders/${orderId}`);
        await page.getByRole("heading", { name: "Admin actions" }).waitFor();
        await expectAccessible(page, `admin order detail at ${width} px`);
        if (phone) {
          assert.deepEqual(await overflow(page), { pageWidth: 360, outsideHeader: [] });
          await screenshot(page, "admin-order-360");
        }
        const regions = await page.locator("section [role='region']").evaluateAll((els) =>
          els.map((el) => el.getAttribute("aria-label"))
        );
        assert.deepEqual(regions, [
          "Items table",
          "Provider events table",
          "Admin actions table",
          "Settle's own records table",
          "Follow-up tasks table",
        ]);
        assert.deepEqual(await regionsReachedByTab(page), regions);

        await page.goto(`${shop.url}/admin/events`);
        await page.locator('[data-event-id="evt_phone_unmatched"]').waitFor();
        await expectAccessible(page, `admin unmatched events at ${width} px`);
        if (phone) assert.deepEqual(await overflow(page), { pageWidth: 360, outsideHeader: [] });

        assert.deepEqual(errors, []);
        await context.close();
      }
    } finally {
      await browser?.close();
      await shop.close();
    }
  },
});
