/**
 * Stripe's published test cards and the async bank method. An outcome is decided by the card
 * number alone, as in Stripe's test mode.
 */

export interface Decline {
  code: string;
  decline_code: string;
  message: string;
}

/** What the shopper chose on the hosted page. */
export type PaymentChoice =
  | { kind: "card"; number: string }
  | { kind: "bank_debit"; settles: "succeeded" | "failed" };

export type CardOutcome =
  | { kind: "success"; brand: string; last4: string }
  | { kind: "decline"; brand: string; last4: string; decline: Decline }
  | { kind: "invalid"; message: string };

/** Test card numbers by name, for tests and the hosted page's hint. */
export const TEST_CARDS = {
  success: "4242424242424242",
  successMastercard: "5555555555554444",
  genericDecline: "4000000000000002",
  insufficientFunds: "4000000000009995",
  expiredCard: "4000000000000069",
  incorrectCvc: "4000000000000127",
  processingError: "4000000000000119",
} as const;

/** Values `pay()` accepts for the async bank method (the test account decides the outcome). */
export const BANK_DEBIT = {
  succeeds: "bank_debit",
  fails: "bank_debit_fails",
} as const;

const DECLINES: Record<string, Decline> = {
  [TEST_CARDS.genericDecline]: {
    code: "card_declined",
    decline_code: "generic_decline",
    message: "Your card was declined.",
  },
  [TEST_CARDS.insufficientFunds]: {
    code: "card_declined",
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
  [TEST_CARDS.expiredCard]: {
    code: "expired_card",
    decline_code: "expired_card",
    message: "Your card has expired.",
  },
  [TEST_CARDS.incorrectCvc]: {
    code: "incorrect_cvc",
    decline_code: "incorrect_cvc",
    message: "Your card's security code is incorrect.",
  },
  [TEST_CARDS.processingError]: {
    code: "processing_error",
    decline_code: "processing_error",
    message: "An error occurred while processing your card. Try again in a little bit.",
  },
};

const NOT_A_TEST_CARD: Decline = {
  code: "card_declined",
  decline_code: "test_mode_live_card",
  message: "Your card was declined. Your request was in test mode, but used a non test card. " +
    "For a list of valid test cards, visit: https://stripe.com/docs/testing.",
};

const SUCCEEDING = new Set<string>([
  TEST_CARDS.success,
  TEST_CARDS.successMastercard,
]);

/** Turns what `pay()` or the hosted form received into a payment choice. */
export function parseChoice(input: string): PaymentChoice {
  if (input === BANK_DEBIT.succeeds) {
    return { kind: "bank_debit", settles: "succeeded" };
  }
  if (input === BANK_DEBIT.fails) {
    return { kind: "bank_debit", settles: "failed" };
  }
  return { kind: "card", number: input };
}

export function cardOutcome(input: string): CardOutcome {
  const number = input.replace(/[\s-]/g, "");
  if (number === "") {
    return { kind: "invalid", message: "Enter a card number." };
  }
  if (!/^\d{12,19}$/.test(number) || !luhnValid(number)) {
    return { kind: "invalid", message: "Your card number is invalid." };
  }
  const card = { brand: brandOf(number), last4: number.slice(-4) };
  if (SUCCEEDING.has(number)) return { kind: "success", ...card };
  return {
    kind: "decline",
    ...card,
    decline: DECLINES[number] ?? NOT_A_TEST_CARD,
  };
}

function brandOf(number: string): string {
  if (number.startsWith("4")) return "visa";
  if (/^(5[1-5]|2[2-7])/.test(number)) return "mastercard";
  if (/^3[47]/.test(number)) return "amex";
  return "unknown";
}

function luhnValid(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
