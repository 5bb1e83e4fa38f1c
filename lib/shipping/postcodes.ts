/**
 * Postcode shapes of the countries a shop may serve. A country not listed here gets only a
 * length check: the rates file decides where the shop ships, this file how its postcodes look.
 */

interface PostcodeRule {
  pattern: RegExp;
  /** Said beside the field, e.g. "must be 4 digits, e.g. 6011". */
  hint: string;
}

const RULES: Record<string, PostcodeRule> = {
  NZ: { pattern: /^\d{4}$/, hint: "must be 4 digits, e.g. 6011" },
  AU: { pattern: /^\d{4}$/, hint: "must be 4 digits, e.g. 2000" },
  US: { pattern: /^\d{5}(?:-\d{4})?$/, hint: "must be a ZIP code: 5 digits or 5-4, e.g. 94103" },
  GB: {
    // The usual outward + inward pattern (GIR 0AA included); the space is optional.
    pattern: /^(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$/,
    hint: "must be a UK postcode, e.g. SW1A 1AA",
  },
};

/** The postcode as stored: trimmed, upper case, inner runs of spaces made one. */
export function normalisePostcode(postcode: string): string {
  return postcode.trim().toUpperCase().replace(/\s+/g, " ");
}

/**
 * Why `postcode` is not one of `country`'s, or null when it is (or when Settle knows no
 * shape for that country).
 */
export function postcodeProblem(country: string, postcode: string): string | null {
  const rule = RULES[country.toUpperCase()];
  if (!rule) return null;
  return rule.pattern.test(normalisePostcode(postcode)) ? null : rule.hint;
}

/** Countries whose postcodes Settle checks. */
export const CHECKED_COUNTRIES: readonly string[] = Object.keys(RULES);
