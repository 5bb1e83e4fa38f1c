/**
 * Issue 15's shopper in real Chromium: the checkout page offers card and Razorpay, and
 * Razorpay opens the Razorpay emulator's stand-in checkout.js as a popup (the page's CSP
 * allows that one origin). Dismissed: the order is saved and Pay again reopens it; declined:
 * the reason is shown and the order stays payable; paid: verify, then the success page
 * paid; a pending UPI payment: pending, then paid in place once the emulator settles it;
 * declined at Razorpay, then paid by card on the same order.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Runtime } from "@/lib/runtime.ts";
import { expectAccessible } from "../support/axe.ts";
import { screenshot, type ShopOptions } from "../support/browser.ts";
import {
  fillCart,
  journey,
  markPage,
  payOnHostedPage,
  statusTitle,
  STEP_MS,
  stillSamePage,
  waitForState,
} from "../support/checkout_browser.ts";

const BOTH: ShopOptions = {
  env: { PAYMENT_PROVIDERS: "stripe,razorpay", LOG_LEVEL: "error" },
  razorpayEmulator: { retryBaseMs: 20, maxAttempts: 2 },
};

const RAZORPAY = /^Pay \$\d+\.\d\d with UPI, cards or netbanking$/;
const message = (page: Page) => page.locator("[data-razorpay-message]");
const popup = (page: Page) => page.getByRole("dialog");

/** A cart with the shopper's details kept, on /checkout, the popup opened. */
async function openPopup(shop: Runtime, page: Page) {
  await fillCart(shop, page, "flat-white-blend");
  await page.goto(`${shop.url}/checkout`);
  await page.getByRole("button", { name: "Pay $24.90 with card" }).waitFor();
  await expectAccessible(page, "checkout with card and Razorpay at 1280 px");
  await page.getByRole("button", { name: RAZORPAY }).click();
  await popup(page).waitFor();
}

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? "");

async function expectFocusOnRazorpay(page: Page) {
  await page.waitForFunction(
    () => /UPI, cards or netbanking/.test(document.activeElement?.textContent ?? ""),
    undefined,
    { timeout: STEP_MS },
  ).catch(async () => assert.fail(`focus is on "${await focusedText(page)}"`));
}

journey(
  "razorpay 1: a dismissed popup keeps the order; Pay again reopens it for the same order",
  async ({ shop, shopper }) => {
    const { page, errors } = await shopper();
    await openPopup(shop, page);
    const emulator = shop.razorpayEmulator!;
    assert.equal(emulator.orders().length, 1);
    await expectAccessible(page, "the Razorpay popup at 1280 px");
    await popup(page).getByRole("button", { name: "Close" }).click();
    await message(page).getByText("Payment not completed — your order is saved").waitFor();
    await expectFocusOnRazorpay(page);
    await expectAccessible(page, "checkout after a dismissed popup at 1280 px");
    await screenshot(page, "razorpay-1-dismissed");

    await page.getByRole("button", { name: RAZORPAY }).click();
    await popup(page).waitFor();
    assert.equal(emulator.orders().length, 1, "the same Razorpay order is reused");
    await page.keyboard.press("Escape");
    await message(page).getByText("Payment not completed — your order is saved").waitFor();
    assert.equal(emulator.orders().length, 1);
    assert.deepEqual(errors, []);
  },
  BOTH,
);

journey(
  "razorpay 2: a decline shows the reason and keeps the order payable",
  async ({ shop, shopper }) => {
    const { page, errors } = await shopper();
    await openPopup(shop, page);
    await popup(page).getByRole("button", { name: "Decline" }).click();
    await message(page).getByText("Your payment has been declined by the bank.").waitFor();
    await popup(page).getByRole("button", { name: "Close" }).click();
    await popup(page).waitFor({ state: "detached" });
    assert.match(await message(page).innerText(), /Payment failed[\s\S]*declined by the bank/);
    await expectFocusOnRazorpay(page);
    await expectAccessible(page, "checkout after a declined Razorpay payment at 1280 px");
    await screenshot(page, "razorpay-2-declined");

    // The order's page offers a retry by either provider; Razorpay pays the same order.
    const notes = shop.razorpayEmulator!.orders()[0].notes as Record<string, string>;
    const orderId = notes.order_id;
    await page.goto(`${shop.url}/checkout/cancel?order=${orderId}`);
    await page.getByRole("button", { name: "Retry payment with card" }).waitFor();
    const retry = page.getByRole("button", { name: "Retry payment with UPI, cards or netbanking" });
    await retry.waitFor();
    await expectAccessible(page, "retry page with both providers at 1280 px");
    await retry.click();
    await popup(page).getByRole("button", { name: "Pay (success)" }).click();
    await page.waitForURL(/\/checkout\/success\?session_id=order_/);
    await waitForState(page, "paid");
    assert.equal(shop.razorpayEmulator!.orders().length, 1, "the same Razorpay order");
    assert.deepEqual(errors, []);
  },
  BOTH,
);

journey(
  "razorpay 3: a paid popup is verified and the success page shows paid",
  async ({ shop, shopper }) => {
    const { page, errors } = await shopper();
    await openPopup(shop, page);
    await popup(page).getByRole("button", { name: "Pay (success)" }).click();
    await page.waitForURL(/\/checkout\/success\?session_id=order_/);
    await waitForState(page, "paid");
    assert.equal(await statusTitle(page).innerText(), "Payment received. Thank you!");
    await expectAccessible(page, "Razorpay success page at 1280 px");
    await screenshot(page, "razorpay-3-paid");
    assert.deepEqual(errors, []);
  },
  BOTH,
);

journey(
  "razorpay 4: a pending UPI payment shows pending, then paid without a reload",
  async ({ shop, shopper }) => {
    const { page, errors } = await shopper();
    await openPopup(shop, page);
    await popup(page).getByRole("button", { name: "UPI: pending, settles later" }).click();
    await page.waitForURL(/\/checkout\/success\?session_id=order_/);
    await waitForState(page, "pending");
    await expectAccessible(page, "Razorpay pending success page at 1280 px");
    await markPage(page);
    const payment = shop.razorpayEmulator!.payments().find((p) => p.method === "upi");
    assert.ok(payment, "the emulator has the UPI payment");
    shop.razorpayEmulator!.settle(payment.id);
    await waitForState(page, "paid", STEP_MS * 2);
    assert.ok(await stillSamePage(page), "no reload");
    await expectAccessible(page, "Razorpay success page, settled, at 1280 px");
    assert.deepEqual(errors, []);
  },
  BOTH,
);

journey(
  "razorpay 5: without JavaScript the page offers the card and says Razorpay needs it",
  async ({ shop, shopper }) => {
    const { page } = await shopper({ javaScript: false });
    await fillCart(shop, page, "flat-white-blend");
    await page.goto(`${shop.url}/checkout`);
    await page.getByText("(Razorpay) needs JavaScript").waitFor();
    assert.equal(await page.getByRole("button", { name: RAZORPAY }).count(), 0);
    await page.getByRole("button", { name: "Pay $24.90 with card" }).waitFor();
    // (axe needs JavaScript in the page: the same page is checked with it on in journey 1.)
  },
  BOTH,
);

journey(
  "razorpay 6: a declined Razorpay payment is retried with card, and the same order is paid",
  async ({ shop, shopper }) => {
    const { page, errors } = await shopper();
    await openPopup(shop, page);
    await popup(page).getByRole("button", { name: "Decline" }).click();
    await message(page).getByText("Your payment has been declined by the bank.").waitFor();
    await popup(page).getByRole("button", { name: "Close" }).click();
    await popup(page).waitFor({ state: "detached" });

    const notes = shop.razorpayEmulator!.orders()[0].notes as Record<string, string>;
    await page.goto(`${shop.url}/checkout/cancel?order=${notes.order_id}`);
    await page.getByRole("button", { name: "Retry payment with card" }).click();
    await payOnHostedPage(page, "4242 4242 4242 4242");
    await page.waitForURL(/\/checkout\/success\?session_id=cs_test_/);
    await waitForState(page, "paid");
    assert.equal(shop.razorpayEmulator!.orders().length, 1, "no second Razorpay order");
    assert.deepEqual(errors, []);
  },
  BOTH,
);
