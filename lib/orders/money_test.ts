import assert from "node:assert/strict";
import {
  assertAmount,
  formatMoney,
  lineTotal,
  minorUnitDigits,
  normaliseCurrency,
  sumLines,
} from "./money.ts";

Deno.test("minor unit digits follow Stripe: zero-decimal, three-decimal, the rest two", () => {
  for (const code of ["jpy", "KRW", "clp", "vnd", "xof", "ugx", "bif", "mga"]) {
    assert.equal(minorUnitDigits(code), 0, code);
  }
  for (const code of ["kwd", "BHD", "tnd"]) assert.equal(minorUnitDigits(code), 3, code);
  for (const code of ["nzd", "usd", "EUR", "gbp", "isk"]) {
    assert.equal(minorUnitDigits(code), 2, code);
  }
});

Deno.test("currency codes are normalised to lower case; anything else is refused", () => {
  assert.equal(normaliseCurrency("NZD"), "nzd");
  for (const bad of ["", "nz", "nzdd", "n2d", " nzd"]) {
    assert.throws(() => normaliseCurrency(bad), RangeError, JSON.stringify(bad));
    assert.throws(() => minorUnitDigits(bad), RangeError);
  }
});

Deno.test("formatMoney divides by the currency's minor unit only", () => {
  assert.equal(formatMoney(1250, "nzd"), "$12.50");
  assert.equal(formatMoney(0, "nzd"), "$0.00");
  assert.equal(formatMoney(123456789, "usd", "en-US"), "$1,234,567.89");
  assert.equal(formatMoney(1234, "jpy"), "JP¥1,234");
  assert.equal(formatMoney(1234, "JPY", "ja-JP"), "￥1,234");
  assert.equal(formatMoney(1500, "krw", "ko-KR"), "₩1,500");
  assert.equal(formatMoney(1250, "eur", "de-DE"), "12,50\u00a0€");
  assert.equal(formatMoney(1234, "kwd"), "KWD\u00a01.234");
});

Deno.test("amount guards refuse fractions, negatives and unsafe integers", () => {
  assert.equal(assertAmount(0), 0);
  assert.equal(assertAmount(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
  for (const bad of [1.5, -1, Number.NaN, Infinity, 2 ** 53]) {
    assert.throws(() => assertAmount(bad), RangeError, String(bad));
    assert.throws(() => formatMoney(bad, "nzd"), RangeError);
  }
  assert.throws(() => assertAmount(-5, "refund"), /refund must be a non-negative safe integer/);
});

Deno.test("lineTotal multiplies and guards both factors and the product", () => {
  assert.equal(lineTotal({ unitAmount: 2500, quantity: 3 }), 7500);
  assert.equal(lineTotal({ unitAmount: 0, quantity: 2 }), 0);
  assert.throws(() => lineTotal({ unitAmount: 2500, quantity: 0 }), RangeError);
  assert.throws(() => lineTotal({ unitAmount: 2500, quantity: 1.5 }), RangeError);
  assert.throws(() => lineTotal({ unitAmount: 19.99, quantity: 1 }), RangeError);
  assert.throws(() => lineTotal({ unitAmount: 2 ** 52, quantity: 4 }), /line total/);
});

Deno.test("sumLines adds line totals and refuses an overflowing sum", () => {
  assert.equal(sumLines([]), 0);
  assert.equal(
    sumLines([{ unitAmount: 2500, quantity: 2 }, { unitAmount: 1500, quantity: 1 }]),
    6500,
  );
  const half = { unitAmount: 2 ** 52, quantity: 1 };
  assert.throws(() => sumLines([half, half]), /sum of lines/);
});
