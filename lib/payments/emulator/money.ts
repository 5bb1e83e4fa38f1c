/** Stripe's currency rules the emulator checks (amounts are shown with lib/orders/money.ts). */

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
