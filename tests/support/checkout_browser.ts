/**
 * Helpers for the checkout journeys in real Chromium (tests/browser/checkout_browser_test.ts):
 * a journey with its own shop and browser, shoppers as separate browser contexts, the
 * emulator's hosted page, and the success page's status panel.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Runtime } from "@/lib/runtime.ts";
import { expectAccessible } from "./axe.ts";
import {
  collectPageErrors,
  launchBrowser,
  screenshot,
  type ShopOptions,
  startShop,
} from "./browser.ts";

/** Generous for a page step, small enough that a stuck journey fails fast. */
export const STEP_MS = 15_000;

export interface Journey {
  shop: Runtime;
  browser: Browser;
  /** A new shopper: own cookies, own page, page errors collected. */
  shopper(options?: { javaScript?: boolean }): Promise<Shopper>;
}

export interface Shopper {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/**
 * Registers a Deno test that runs `fn` against its own shop (fresh KV, demo catalog,
 * emulator with `options`) and its own Chromium, both closed whatever happens.
 */
export function journey(
  name: string,
  fn: (j: Journey) => Promise<void>,
  options: ShopOptions = {},
) {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const shop = await startShop({}, options);
      let browser: Browser | undefined;
      try {
        browser = await launchBrowser();
        const open = browser;
        await fn({
          shop,
          browser: open,
          async shopper({ javaScript = true } = {}) {
            const context = await open.newContext({
              viewport: { width: 1280, height: 900 },
              javaScriptEnabled: javaScript,
            });
            context.setDefaultTimeout(STEP_MS);
            const page = await context.newPage();
            return { context, page, errors: collectPageErrors(page) };
          },
        });
      } finally {
        await browser?.close();
        await shop.close();
      }
    },
  });
}

/** The shopper every journey checks out as: a New Zealand address, standard delivery. */
export const SHOPPER = {
  email: "kiri@example.nz",
  name: "Kiri Tane",
  line1: "12 Cuba Street",
  city: "Wellington",
  postalCode: "6011",
  country: "NZ",
  shippingRateId: "standard",
} as const;

/**
 * Puts `quantity` of the product at `slug` in the shopper's cart through the cart API, and
 * keeps SHOPPER's details with the cart as the checkout form does (its no-JS "show delivery
 * options" post), so /checkout opens pre-filled and Pay goes straight to the payment page.
 */
export async function fillCart(
  shop: Runtime,
  page: Page,
  slug: string,
  quantity = 1,
  { details = true }: { details?: boolean } = {},
) {
  const res = await page.request.post(`${shop.url}/api/cart/items`, {
    data: { productId: `prod_${slug.replaceAll("-", "_")}`, quantity },
  });
  assert.equal(res.status(), 200, await res.text());
  if (!details) return;
  const saved = await page.request.post(`${shop.url}/checkout`, {
    form: { ...SHOPPER, intent: "update" },
    maxRedirects: 0,
  });
  assert.equal(saved.status(), 303, await saved.text());
}

/** On /checkout: types SHOPPER's e-mail and address into the form, as a shopper would. */
export async function fillCheckoutDetails(page: Page) {
  await page.getByLabel("E-mail").fill(SHOPPER.email);
  await page.getByLabel("Full name").fill(SHOPPER.name);
  await page.getByLabel("Address line 1").fill(SHOPPER.line1);
  await page.getByLabel("Town or city").fill(SHOPPER.city);
  await page.getByLabel("Postcode").fill(SHOPPER.postalCode);
  await page.getByLabel("Country").selectOption(SHOPPER.country);
}

/** On the emulator's hosted page: pay with a card number or pick the bank debit. */
export async function payOnHostedPage(page: Page, card: string | "bank_debit") {
  await page.waitForURL(/\/pay\/cs_test_/);
  // The page asks for an e-mail when checkout did not prefill one (customer_email).
  const email = page.locator("input#email");
  if (await email.count()) await email.fill("shopper@example.com");
  if (card === "bank_debit") {
    await page.getByLabel("Bank debit (settles later; test account succeeds)").check();
  } else {
    await page.getByLabel("Card number").fill(card);
  }
  await page.getByRole("button", { name: /^Pay / }).click();
}

export const sessionIdOf = (page: Page) => {
  const match = page.url().match(/(cs_test_[A-Za-z0-9_]+)/);
  assert.ok(match, `no session id in ${page.url()}`);
  return match[1];
};

export const statusTitle = (page: Page) => page.locator("[data-status-title]");
export const cartBadge = (page: Page) => page.locator("header [data-cart-count]");

/** Waits for the success page's status panel to reach `state`. */
export async function waitForState(page: Page, state: string, timeout = STEP_MS) {
  await page.locator(`[data-checkout-state][data-state="${state}"]`).waitFor({ timeout });
}

/** Marks the page's window; `stillSamePage` is true only if no reload or navigation happened. */
export const markPage = (page: Page) =>
  page.evaluate(() => Object.assign(globalThis, { marked: true }));
export const stillSamePage = (page: Page) => page.evaluate(() => "marked" in globalThis);

/**
 * A screenshot at a 360 px wide phone viewport, which must not scroll sideways and must pass
 * axe-core there too.
 */
export async function screenshotNarrow(page: Page, name: string) {
  const wide = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 780 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `${name}: the page is ${overflow} px wide at 360 px`);
  await expectAccessible(page, `${name} at 360 px`);
  await screenshot(page, name);
  if (wide) await page.setViewportSize(wide);
}

/** Reloads /cart until it is empty (the paid items leave it in a follow-up task). */
export async function expectEmptyCart(shop: Runtime, page: Page) {
  const deadline = Date.now() + STEP_MS;
  await page.goto(`${shop.url}/cart`);
  while (await page.getByText("Your cart is empty.").count() === 0) {
    if (Date.now() > deadline) assert.fail("the paid items stayed in the cart");
    await page.waitForTimeout(200);
    await page.reload();
  }
}
