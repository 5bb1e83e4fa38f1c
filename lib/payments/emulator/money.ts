/** Minor-unit amounts as Stripe reads them: the currency decides the number of decimals. */

// Stripe's minimum charge per currency, in minor units; others use 50 (USD 0.50 equivalent).
const MINIMUM_CHARGE: Record<string, number> = {
  gbp: 30,
  hkd: 400,
  jpy: 50,
  mxn: 1000,
  sek: 300,
  nok: 300,
  dkk: 250,
  czk: 1500,
  huf: 17500,
  thb: 1000,
};

export function minimumCharge(currency: string): number {
  return MINIMUM_CHARGE[currency] ?? 50;
}

export function isCurrency(code: string): boolean {
  if (!/^[a-z]{3}$/.test(code)) return false;
  try {
    new Intl.NumberFormat("en", { style: "currency", currency: code });
    return true;
  } catch {
    return false;
  }
}

/** `1234, "nzd"` → "NZ$12.34"; `500, "jpy"` → "¥500". */
export function formatAmount(amount: number, currency: string): string {
  const format = new Intl.NumberFormat("en", { style: "currency", currency });
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** decimals);
}
