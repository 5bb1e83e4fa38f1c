import assert from "node:assert/strict";
import { formatAmount } from "./format_amount.ts";
import { formatMoney, minorUnitDigits } from "./money.ts";

Deno.test("islands' formatAmount with the server's digits reads as formatMoney does", () => {
  const cases: [number, string][] = [[1250, "nzd"], [0, "usd"], [1234, "jpy"], [1234, "bhd"]];
  for (const [amount, currency] of cases) {
    assert.equal(
      formatAmount(amount, currency, minorUnitDigits(currency)),
      formatMoney(amount, currency),
    );
  }
  assert.equal(formatAmount(1234, "jpy", 0), "JP¥1,234");
  assert.equal(formatAmount(123456789, "usd", 2, "en-US"), "$1,234,567.89");
});
