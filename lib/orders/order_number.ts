/**
 * Human order numbers, `PREFIX-YYYYMMDD-NNNN`: the UTC day and that day's sequence from the
 * `["counters", "order_number", yyyymmdd]` counter. The sequence is padded to four digits
 * and simply grows past 9999, so a busy day never wraps into a duplicate.
 */

const PREFIX = /^[A-Z0-9]+$/;
const NUMBER = /^([A-Z0-9]+)-(\d{8})-(\d{4,})$/;

export interface ParsedOrderNumber {
  prefix: string;
  /** The UTC day, "YYYYMMDD". */
  day: string;
  seq: number;
  /** The canonical spelling (upper-case prefix), as stored in `["orders_by_number", …]`. */
  number: string;
}

/** "YYYYMMDD" of `date` in UTC: the counter key's day. */
export function orderNumberDay(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError("order number date is invalid");
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) {
    throw new RangeError(`order number year out of range: ${year}`);
  }
  return String(year).padStart(4, "0") +
    String(date.getUTCMonth() + 1).padStart(2, "0") +
    String(date.getUTCDate()).padStart(2, "0");
}

/** `formatOrderNumber("SO", new Date("2026-03-04T10:00Z"), 7)` → "SO-20260304-0007". */
export function formatOrderNumber(
  prefix: string,
  date: Date,
  seq: number,
): string {
  if (!PREFIX.test(prefix)) {
    throw new RangeError(
      `order number prefix must be A–Z/0–9, got ${JSON.stringify(prefix)}`,
    );
  }
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(
      `order number sequence must be a positive integer, got ${seq}`,
    );
  }
  return `${prefix}-${orderNumberDay(date)}-${String(seq).padStart(4, "0")}`;
}

/**
 * Reads an order number as typed by a person (surrounding spaces and a lower-case prefix are
 * accepted); null when it is not one this module could have produced.
 */
export function parseOrderNumber(input: string): ParsedOrderNumber | null {
  const match = NUMBER.exec(input.trim().toUpperCase());
  if (!match) return null;
  const [, prefix, day, digits] = match;
  const seq = Number(digits);
  // Only the canonical padding round-trips: "SO-20260304-00007" is not an order number.
  if (
    !Number.isSafeInteger(seq) || seq < 1 ||
    String(seq).padStart(4, "0") !== digits
  ) {
    return null;
  }
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(4, 6));
  const date = new Date(Date.UTC(2000, month - 1, Number(day.slice(6, 8))));
  date.setUTCFullYear(year);
  if (year < 1 || orderNumberDay(date) !== day) return null;
  return { prefix, day, seq, number: `${prefix}-${day}-${digits}` };
}
