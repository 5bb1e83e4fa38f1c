/**
 * Money as integers in the currency's minor unit (cents, or yen for JPY), as Stripe counts
 * it. Floats never hold an amount; only `formatMoney` divides, and only for display.
 */
import { formatAmount } from "./format_amount.ts";

/** Stripe's zero-decimal currencies: the amount is already in whole units. */
const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);

/** Stripe counts these in thousandths; treating them as cents would be off by ten. */
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

const CURRENCY_CODE = /^[a-z]{3}$/i;

/** A line of an order or cart: what `lineTotal` multiplies. */
export interface Line {
  unitAmount: number;
  quantity: number;
}

/** The ISO 4217 code in lower case (Stripe's spelling); throws RangeError when malformed. */
export function normaliseCurrency(currency: string): string {
  if (!CURRENCY_CODE.test(currency)) {
    throw new RangeError(
      `currency must be a 3-letter code, got ${JSON.stringify(currency)}`,
    );
  }
  return currency.toLowerCase();
}

/** Digits after the decimal point in Stripe's minor unit: 0, 2 or 3. */
export function minorUnitDigits(currency: string): 0 | 2 | 3 {
  const code = normaliseCurrency(currency);
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** Returns `amount` when it is a non-negative safe integer; throws RangeError otherwise. */
export function assertAmount(amount: number, label = "amount"): number {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(
      `${label} must be a non-negative safe integer, got ${amount}`,
    );
  }
  return amount;
}

/** Returns `quantity` when it is a positive safe integer; throws RangeError otherwise. */
export function assertQuantity(quantity: number): number {
  if (!Number.isSafeInteger(quantity) || quantity < 1) {
    throw new RangeError(
      `quantity must be a positive safe integer, got ${quantity}`,
    );
  }
  return quantity;
}

/** `unitAmount × quantity`, refusing results past Number.MAX_SAFE_INTEGER. */
export function lineTotal(line: Line): number {
  const total = assertAmount(line.unitAmount, "unitAmount") *
    assertQuantity(line.quantity);
  return assertAmount(total, "line total");
}

/** The sum of every line's total; an empty list sums to 0. */
export function sumLines(lines: readonly Line[]): number {
  let sum = 0;
  for (const line of lines) {
    sum = assertAmount(sum + lineTotal(line), "sum of lines");
  }
  return sum;
}

/** `amount` (minor units) for people, e.g. `formatMoney(1250, "nzd")` → "$12.50". */
export function formatMoney(
  amount: number,
  currency: string,
  locale = "en-NZ",
): string {
  assertAmount(amount);
  return formatAmount(amount, currency, minorUnitDigits(currency), locale);
}

/** Why text typed as an amount is not one (see parseMajorUnits). */
export type MajorUnitsProblem = "not_a_number" | "too_many_decimals";

/**
 * Text typed in major units ("12.50") → minor units (1250), without floating point: a plain
 * positive decimal with at most the currency's digits. Pure, so islands check what the
 * server will accept with the same rule.
 */
export function parseMajorUnits(text: string, currency: string): number | MajorUnitsProblem {
  const digits = minorUnitDigits(currency);
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return "not_a_number";
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return "too_many_decimals";
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
}

/** What `minor` looks like typed in major units: no symbol, no grouping ("16.40"). */
export function toMajorUnits(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(minor);
  const text = String(minor).padStart(digits + 1, "0");
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
