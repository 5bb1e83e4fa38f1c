/**
 * Issue 14's shopper in real Chromium: an empty Pay is refused with an error summary that
 * takes focus; the shopper enters an e-mail and an address, looks at another country's
 * rates and changes the delivery method (the summary's shipping line, total and Pay amount
 * follow without a reload), pays with 4242 on the emulator's hosted page, and the success
 * and order pages show the address, the method, the payment and the total. axe-core runs
 * on every page at 1280 and 360 px.
 */
import assert from "node:assert/strict";
import { getOrder } from "@/lib/db/orders.ts";
import type { Page } from "playwright-core";
import { expectAccessible } from "../support/axe.ts";
import { eventually } from "../support/app.ts";
import { screenshot } from "../support/browser.ts";
import {
  fillCart,
  fillCheckoutDetails,
  journey,
  markPage,
  payOnHostedPage,
  screenshotNarrow,
  stillSamePage,
  waitForState,
} from "../support/checkout_browser.ts";

/** axe at 1280 px (the journey's viewport), then a 360 px screenshot that axe checks too. */
async function everyWidth(page: Page, name: string) {
  await expectAccessible(page, `${name} at 1280 px`);
  await screenshot(page, name);
  await screenshotNarrow(page, `${name}-360`);
}

const total = (page: Page) => page.locator("[data-cart-total]").innerText();

journey(
  "h: a shopper enters an e-mail and an address, changes the delivery method, pays and sees it all on the success page",
  async ({ shop, shopper }) => {
    const { page, errors } = await shopper();
    await fillCart(shop, page, "glass-carafe", 1, { details: false }); // $39.00
    await page.goto(`${shop.url}/checkout`);
    await page.getByRole("group", { name: "Delivery method" }).waitFor();
    // Standard to New Zealand is chosen to begin with: its own line, and in the total.
    assert.equal(await page.locator("[data-shipping-amount]").innerText(), "$6.00");
    assert.equal(await total(page), "$45.00");
    assert.match(await page.locator("[data-tax-label]").innerText(), /incl\. GST/);
    await everyWidth(page, "details-a-empty-form");

    // Pay with nothing filled in: the summary of what to fix takes focus.
    await page.getByRole("button", { name: "Pay $45.00" }).click();
    const summary = page.locator("[data-error-summary]");
    await summary.waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.hasAttribute("data-error-summary")),
      true,
      "the error summary has focus",
    );
    assert.match(await summary.innerText(), /Enter your e-mail address/);
    const email = page.getByLabel("E-mail");
    assert.equal(await email.getAttribute("aria-invalid"), "true");
    assert.match(
      await page.locator("#email-error").innerText(),
      /Enter your e-mail address/,
    );
    await everyWidth(page, "details-b-errors");
    // The summary's link leads to the field.
    await summary.getByRole("link", { name: "Enter your e-mail address" }).click();
    await page.waitForFunction(() => document.activeElement?.id === "email");

    await fillCheckoutDetails(page);
    await page.getByLabel("Address line 2 (optional)").fill("Flat 3");
    await markPage(page);

    // Another country lists its own rates, fetched without a reload.
    await page.getByLabel("Country").selectOption("AU");
    await page.getByRole("radio", { name: /International \(5–10 working days\)/ }).waitFor();
    assert.equal(await total(page), "$57.00");
    await page.getByLabel("Postcode").fill("2000");
    await page.getByLabel("Country").selectOption("NZ");
    await page.getByLabel("Postcode").fill("6011");
    const express = page.getByRole("radio", { name: /Express \(next working day\)/ });
    await express.waitFor();
    assert.equal(await total(page), "$45.00");

    // Express: the shipping line, the total and the Pay button follow at once.
    await express.check();
    await page.waitForFunction(() =>
      document.querySelector("[data-cart-total]")?.textContent === "$51.00"
    );
    assert.equal(await page.locator("[data-shipping-amount]").innerText(), "$12.00");
    assert.equal(
      await page.locator("[data-shipping-label]").innerText(),
      "Express (next working day)",
    );
    await page.getByRole("button", { name: "Pay $51.00" }).waitFor();
    assert.equal(await stillSamePage(page), true, "no reload");
    await everyWidth(page, "details-c-express-chosen");

    await page.getByRole("button", { name: "Pay $51.00" }).click();
    await page.waitForURL(/\/pay\/cs_test_/);
    await expectAccessible(page, "the emulator's hosted payment page");
    assert.match(await page.locator("body").innerText(), /51\.00/);
    await payOnHostedPage(page, "4242 4242 4242 4242");
    await page.waitForURL(/\/checkout\/success\?session_id=cs_test_/);
    await waitForState(page, "paid");

    const delivery = page.getByRole("region", { name: "Delivery and payment" });
    const address = await delivery.locator("[data-delivery-address]").innerText();
    assert.match(address, /Kiri Tane\s+12 Cuba Street\s+Flat 3\s+Wellington 6011\s+New Zealand/);
    assert.match(
      await delivery.locator("[data-delivery-method]").innerText(),
      /Express \(next working day\) · \$12\.00/,
    );
    assert.match(await delivery.innerText(), /kiri@example\.nz/);
    assert.match(await delivery.locator("[data-purchase-time]").innerText(), /\d{4}/);
    const summaryBox = page.getByRole("region", { name: "Order total" });
    assert.match(await summaryBox.innerText(), /Shipping[\s\S]*\$12\.00[\s\S]*\$51\.00/);
    await everyWidth(page, "details-d-success");

    // The receipt link opens the order page, which says the same.
    await delivery.locator("[data-receipt-link]").click();
    await page.waitForURL(/\/orders\/[0-9A-Z]{26}\?token=/);
    assert.match(
      await page.getByRole("region", { name: "Delivery and payment" }).innerText(),
      /12 Cuba Street[\s\S]*Express/,
    );
    // The card comes with the payment intent's event (brand and last four, as Stripe gives
    // them), which may land after the page first showed "paid".
    const orderId = new URL(page.url()).pathname.split("/").pop()!;
    await eventually(async () => (await getOrder(shop.deps.kv, orderId)).value?.payment.method, {
      timeoutMs: 10_000,
    });
    await page.reload();
    assert.match(await page.locator("[data-payment-method]").innerText(), /ending 4242/);
    await everyWidth(page, "details-e-order-page");

    assert.deepEqual(errors, []);
  },
);

journey(
  "i: without JavaScript the form lists another country's rates, says a postcode is wrong beside it, and pays",
  async ({ shop, shopper }) => {
    const { page } = await shopper({ javaScript: false });
    await fillCart(shop, page, "glass-carafe", 1, { details: false });
    await page.goto(`${shop.url}/checkout`);
    await fillCheckoutDetails(page);
    // 6011 is no US ZIP code: the rates of the United States come with the error beside it.
    await page.getByLabel("Country").selectOption("US");
    await page.getByRole("button", { name: "Show delivery options for the chosen country" })
      .click();
    assert.match(await page.locator("#postalCode-error").innerText(), /must be a ZIP code/);
    assert.equal(await page.getByLabel("Postcode").inputValue(), "6011", "the input is kept");
    assert.equal(await page.getByLabel("E-mail").inputValue(), "kiri@example.nz");
    await page.getByRole("radio", { name: /International \(7–14 working days\)/ }).waitFor();
    assert.equal(await total(page), "$64.00");
    await page.getByLabel("Postcode").fill("94103");
    await page.getByRole("button", { name: "Pay $64.00" }).click();
    await page.waitForURL(/\/pay\/cs_test_/);
    await payOnHostedPage(page, "4242424242424242");
    await page.waitForURL(/\/checkout\/success/);
    await waitForState(page, "paid");
    assert.match(
      await page.locator("[data-delivery-address]").innerText(),
      /Wellington 94103\s+United States/,
    );
    assert.match(await page.locator("[data-delivery-method]").innerText(), /\$25\.00/);
  },
);
