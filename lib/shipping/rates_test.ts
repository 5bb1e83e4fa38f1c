import assert from "node:assert/strict";
import { BusinessRuleError } from "../http/errors.ts";
import { DEFAULT_SHIPPING_RATES_FILE, parseConfig } from "../config.ts";
import {
  loadShippingRates,
  parseShippingRates,
  priceShipping,
  ratesFor,
  ShippingRatesFileError,
} from "./rates.ts";

const rates = await loadShippingRates(DEFAULT_SHIPPING_RATES_FILE);
const nz = {
  name: "Kim Tan",
  line1: "1 Queen St",
  city: "Auckland",
  postalCode: "1010",
  country: "NZ",
};

Deno.test("the shop's file: NZ standard free over $80 and express, AU and US/GB international", () => {
  assert.equal(rates.currency, "nzd");
  assert.deepEqual(ratesFor(rates, "NZ", 5000)?.map((r) => [r.id, r.amount]), [
    ["standard", 600],
    ["express", 1200],
  ]);
  assert.deepEqual(ratesFor(rates, "nz", 8000)?.map((r) => [r.id, r.amount]), [
    ["standard", 0],
    ["express", 1200],
  ]);
  assert.deepEqual(ratesFor(rates, "AU")?.map((r) => [r.id, r.amount, r.currency]), [
    ["international", 1800, "nzd"],
  ]);
  assert.deepEqual(ratesFor(rates, "GB")?.map((r) => r.amount), [2500]);
  assert.deepEqual(ratesFor(rates, "US")?.map((r) => r.amount), [2500]);
  assert.equal(ratesFor(rates, "FR"), null);
});

Deno.test("priceShipping prices the chosen rate, free over the threshold", () => {
  assert.deepEqual(
    priceShipping(rates, { address: nz, rateId: "standard", subtotal: 7999, currency: "nzd" }),
    { address: nz, rateId: "standard", label: "Standard (2–4 working days)", amount: 600 },
  );
  const free = priceShipping(rates, {
    address: nz,
    rateId: "standard",
    subtotal: 8000,
    currency: "NZD",
  });
  assert.equal(free.amount, 0);
});

Deno.test("priceShipping names shipping.country, shippingRateId and a currency mismatch", () => {
  const cases: [Parameters<typeof priceShipping>[1], string][] = [
    [
      { address: { ...nz, country: "FR" }, rateId: "standard", subtotal: 1, currency: "nzd" },
      "shipping.country",
    ],
    [
      { address: { ...nz, country: "AU" }, rateId: "standard", subtotal: 1, currency: "nzd" },
      "shippingRateId",
    ],
    [{ address: nz, rateId: "overnight", subtotal: 1, currency: "nzd" }, "shippingRateId"],
    [{ address: nz, rateId: "standard", subtotal: 1, currency: "aud" }, "shipping"],
  ];
  for (const [input, path] of cases) {
    assert.throws(() => priceShipping(rates, input), (err) => {
      assert.ok(err instanceof BusinessRuleError);
      assert.equal(err.status, 422);
      assert.deepEqual((err.details as { path: string }[]).map((i) => i.path), [path]);
      return true;
    });
  }
});

Deno.test("a bad rates file is refused with the field named", () => {
  const bad = [
    [`{"currency":"NZD","zones":[]}`, /currency: must be a lower-case/],
    [`{"currency":"nzd","zones":[]}`, /zones: at least one zone/],
    [
      `{"currency":"nzd","zones":[{"id":"a","countries":["NZ"],"rates":[{"id":"s","label":"S","amount":-1}]}]}`,
      /zones\.0\.rates\.0\.amount: must not be negative/,
    ],
    [
      `{"currency":"nzd","zones":[{"id":"a","countries":["nz"],"rates":[{"id":"s","label":"S","amount":1}]}]}`,
      /zones\.0\.countries\.0: must be an upper-case/,
    ],
    [
      `{"currency":"nzd","zones":[{"id":"a","countries":["NZ"],"rates":[{"id":"s","label":"S","amount":1}]},` +
      `{"id":"b","countries":["NZ"],"rates":[{"id":"s","label":"S","amount":1}]}]}`,
      /zones\.1\.countries\.0: NZ is already in zone a/,
    ],
    [`{"currency":`, /not valid JSON/],
  ] as const;
  for (const [text, message] of bad) {
    assert.throws(() => parseShippingRates(text, "shop/shipping.json"), (err) => {
      assert.ok(err instanceof ShippingRatesFileError);
      assert.match(err.message, message);
      return true;
    });
  }
});

Deno.test("a missing file names SHIPPING_RATES_FILE; the config default is the shop's file", async () => {
  await assert.rejects(
    () => loadShippingRates("/nonexistent/shipping.json"),
    /SHIPPING_RATES_FILE/,
  );
  const config = parseConfig({});
  assert.equal(config.shippingRatesFile, DEFAULT_SHIPPING_RATES_FILE);
  assert.equal(parseConfig({ SHIPPING_RATES_FILE: "/x.json" }).shippingRatesFile, "/x.json");
  assert.equal(config.taxLabel, "incl. GST");
  assert.equal(parseConfig({ TAX_LABEL: "" }).taxLabel, "");
  assert.equal(parseConfig({ TAX_LABEL: "incl. VAT" }).taxLabel, "incl. VAT");
});
