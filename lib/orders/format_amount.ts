/**
 * Minor units to the text people read, given the currency's digits. Islands import this
 * rather than money.ts: the server passes the digits as a prop, so the browser never loads
 * the currency tables and checks (about 500 B gzip on the cart and checkout pages).
 * Client-safe.
 */

const formatters = new Map<string, Intl.NumberFormat>();

/** `amount` in minor units with `digits` after the point: `(1250, "nzd", 2)` → "$12.50". */
export function formatAmount(
  amount: number,
  currency: string,
  digits: number,
  locale = "en-NZ",
): string {
  const code = currency.toUpperCase();
  const key = `${locale}|${code}|${digits}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    // Pinned for zero-decimal codes so a locale's data can never show fake cents.
    const fraction = digits === 0 ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {};
    formatter = new Intl.NumberFormat(locale, { style: "currency", currency: code, ...fraction });
    formatters.set(key, formatter);
  }
  return formatter.format(amount / 10 ** digits);
}
