/**
 * Request validation for the `/v1` routes, refusing what Razorpay refuses with its
 * `BAD_REQUEST_ERROR` and `field`: non-integer or too-small amounts, lower-case or unknown
 * currencies, over-long receipts, and parameters it does not take.
 */
import { type Notes, RazorpayError, type RazorpayPayment } from "./objects.ts";
import type { NewOrder, NewRefund } from "./store.ts";

const bad = RazorpayError.badRequest;

/** Razorpay's minimum order is 100 minor units (₹1.00) in every currency Settle sells in. */
const MIN_AMOUNT = 100;

function refuseUnknown(body: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(body).filter((key) => !allowed.includes(key));
  if (extra.length > 0) {
    throw bad(`${extra.join(", ")} is/are not required and should not be sent`, extra[0]);
  }
}

function integerAmount(value: unknown, required: boolean): number | undefined {
  if (value === undefined && !required) return undefined;
  if (value === undefined) throw bad("The amount field is required.", "amount");
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw bad("The amount must be an integer.", "amount");
  }
  return value;
}

function optionalString(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw bad(`The ${field} must be a string.`, field);
  if (value.length > max) {
    throw bad(`The ${field} may not be greater than ${max} characters.`, field);
  }
  return value;
}

/** At most 15 string values of up to 256 characters; empty notes come back as `[]`. */
function readNotes(value: unknown): Notes {
  if (value === undefined || value === null) return [];
  if (typeof value !== "object" || Array.isArray(value)) {
    throw bad("The notes must be an object.", "notes");
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 15) throw bad("Number of notes should not exceed 15", "notes");
  for (const [key, note] of entries) {
    if (typeof note !== "string" && typeof note !== "number") {
      throw bad(`notes.${key} must be a string`, "notes");
    }
    if (String(note).length > 256) {
      throw bad(`notes.${key} may not be greater than 256 characters`, "notes");
    }
  }
  return entries.length === 0 ? [] : Object.fromEntries(entries.map(([k, v]) => [k, String(v)]));
}

export function readOrder(body: Record<string, unknown>): NewOrder {
  refuseUnknown(body, ["amount", "currency", "receipt", "notes", "partial_payment"]);
  const amount = integerAmount(body.amount, true)!;
  if (amount < MIN_AMOUNT) throw bad("The amount must be atleast INR 1.00", "amount");
  if (body.currency === undefined) throw bad("The currency field is required.", "currency");
  if (typeof body.currency !== "string" || !/^[A-Z]{3}$/.test(body.currency)) {
    throw bad("Currency is not supported", "currency");
  }
  if (body.partial_payment === true) {
    throw bad("The emulator does not support partial payments", "partial_payment");
  }
  return {
    amount,
    currency: body.currency,
    receipt: optionalString(body.receipt, "receipt", 40),
    notes: readNotes(body.notes),
  };
}

/**
 * Capture accepts only an `authorized` payment with its full amount and currency. A second
 * capture is refused, as on Razorpay: a client must treat "already captured" as done.
 */
export function readCapture(body: Record<string, unknown>, payment: RazorpayPayment): void {
  refuseUnknown(body, ["amount", "currency"]);
  const amount = integerAmount(body.amount, true);
  if (body.currency === undefined) throw bad("The currency field is required.", "currency");
  if (payment.captured) throw bad("This payment has already been captured");
  if (payment.status !== "authorized") {
    throw bad("Only payments which have been authorized and not yet captured can be captured");
  }
  if (amount !== payment.amount) {
    throw bad("Capture amount must be equal to the amount authorized", "amount");
  }
  if (body.currency !== payment.currency) {
    throw bad("Currency should be same as the payment currency", "currency");
  }
}

/** A refund takes at most what is left unrefunded of a captured payment; no amount means all. */
export function readRefund(body: Record<string, unknown>, payment: RazorpayPayment): NewRefund {
  refuseUnknown(body, ["amount", "speed", "notes", "receipt"]);
  if (!payment.captured) throw bad("Only captured payments can be refunded");
  const left = payment.amount - payment.amount_refunded;
  if (left === 0) throw bad("The payment has been fully refunded already");
  const amount = integerAmount(body.amount, false) ?? left;
  if (amount < 100) throw bad("The amount must be atleast INR 1.00", "amount");
  if (amount > left) {
    throw bad("The refund amount provided is greater than amount captured", "amount");
  }
  if (body.speed !== undefined && body.speed !== "normal" && body.speed !== "optimum") {
    throw bad("The selected speed is invalid.", "speed");
  }
  return {
    amount,
    notes: readNotes(body.notes),
    receipt: optionalString(body.receipt, "receipt", 40),
    speed: (body.speed as NewRefund["speed"] | undefined) ?? "normal",
  };
}
