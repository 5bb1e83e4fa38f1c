/**
 * Structured logs: one JSON object per line (time, level, message, fields). Every field
 * passes through `redact` first, so a careless `log("info", "…", { headers })` cannot leak
 * a cookie, a bearer token, a webhook body or a card number into the log store.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export interface LogOptions {
  /** The quietest level written (default "info"). */
  level: LogLevel;
  /** Where a finished line goes (default: stdout, or stderr for warn and error). */
  write: (line: string, level: LogLevel) => void;
}

const defaults: LogOptions = {
  level: "info",
  write: (line, level) =>
    (level === "warn" || level === "error" ? console.error : console.log)(line),
};
let current: LogOptions = { ...defaults };

/** Changes the process-wide log settings; returns the previous ones (tests restore them). */
export function configureLog(options: Partial<LogOptions>): LogOptions {
  const previous = current;
  current = { ...current, ...options };
  return previous;
}

/** Writes one line when `level` is at or above the configured level. */
export function log(level: LogLevel, message: string, fields: LogFields = {}): void {
  if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(current.level)) return;
  const line: LogFields = { time: new Date().toISOString(), level, message };
  for (const [key, value] of Object.entries(redact(fields) as LogFields)) {
    if (!(key in line)) line[key] = value;
  }
  current.write(JSON.stringify(line), level);
}

export const REDACTED = "[redacted]";

/**
 * Field names whose values are never logged, compared without case, `-` or `_`. Bodies are
 * on the list because a webhook or checkout body can carry personal and payment data.
 */
const SENSITIVE_NAME =
  /authorization|cookie|password|secret|token|signature|apikey|cvc|cvv|cardnumber|^card$|^pan$|^body$|^rawbody$|^payload$/;

/** Secrets and card numbers that slipped into a free-text value (an error message, a URL). */
const SECRET_VALUE =
  /\b(?:sk|rk|pk)_(?:live|test)_[0-9a-zA-Z]+|\bwhsec_[0-9a-zA-Z+/=]+|\bBearer\s+\S+/g;
const CARD_LIKE = /\b\d(?:[ -]?\d){12,18}\b/g;

/** A copy of `value` with sensitive fields and secret-looking substrings replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (depth > 6) return "[too deep]";
  if (value instanceof Error) {
    return redact({ name: value.name, message: value.message, stack: value.stack }, depth + 1);
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Headers) return redact(Object.fromEntries(value), depth + 1);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: LogFields = {};
  for (const [key, v] of Object.entries(value)) {
    const name = key.toLowerCase().replace(/[-_]/g, "");
    out[key] = SENSITIVE_NAME.test(name) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

function redactText(text: string): string {
  return text.replace(SECRET_VALUE, REDACTED)
    .replace(CARD_LIKE, (digits) => luhn(digits.replace(/\D/g, "")) ? REDACTED : digits);
}

/** The checksum every card number passes; it keeps timestamps and ids out of the net. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
