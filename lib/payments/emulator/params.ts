/**
 * Reads Stripe's form-encoded parameters as the SDK sends them: flat bracketed keys such as
 * `line_items[0][price_data][unit_amount]`. Keeping the keys flat lets every error name the
 * exact `param` Stripe would name, and unknown keys are refused the way Stripe refuses them.
 */

/** Stripe's error body `{error: {type, message, code?, param?}}` with its HTTP status. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: "invalid_request_error" | "idempotency_error" | "api_error",
    message: string,
    readonly extra: { code?: string; param?: string } = {},
    /** False for parameter validation failures, which Stripe does not store for replay. */
    readonly replayable = true,
  ) {
    super(message);
  }

  toJSON(): { error: Record<string, string> } {
    return { error: { type: this.type, message: this.message, ...this.extra } };
  }
}

export function invalidParam(
  param: string,
  message: string,
  code = "parameter_invalid_empty",
) {
  return new StripeApiError(400, "invalid_request_error", message, {
    code,
    param,
  }, false);
}

export function missingResource(kind: string, id: string, param = "id") {
  return new StripeApiError(
    404,
    "invalid_request_error",
    `No such ${kind}: '${id}'`,
    {
      code: "resource_missing",
      param,
    },
  );
}

export class Params {
  readonly #values = new Map<string, string>();
  readonly #read = new Set<string>();

  constructor(search: URLSearchParams) {
    for (const [key, value] of search) this.#values.set(key, value);
  }

  static fromBody(body: string): Params {
    return new Params(new URLSearchParams(body));
  }

  /** Sorted key=value pairs: equal for requests Stripe would call "the same parameters". */
  canonical(): string {
    return [...this.#values].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .map(([k, v]) => `${k}=${v}`).join("&");
  }

  has(prefix: string): boolean {
    for (const key of this.#values.keys()) {
      if (key === prefix || key.startsWith(`${prefix}[`)) return true;
    }
    return false;
  }

  string(key: string, opts: { required: true; max?: number }): string;
  string(key: string, opts?: { required?: boolean; max?: number }): string | undefined;
  string(
    key: string,
    opts: { required?: boolean; max?: number } = {},
  ): string | undefined {
    this.#read.add(key);
    const value = this.#values.get(key);
    if (value === undefined || value === "") {
      if (opts.required) {
        throw invalidParam(
          key,
          `Missing required param: ${key}.`,
          "parameter_missing",
        );
      }
      return undefined;
    }
    if (opts.max !== undefined && value.length > opts.max) {
      throw invalidParam(
        key,
        `Invalid string: ${key} must be at most ${opts.max} characters`,
      );
    }
    return value;
  }

  integer(key: string, opts: { required: true; min?: number }): number;
  integer(key: string, opts?: { required?: boolean; min?: number }): number | undefined;
  integer(
    key: string,
    opts: { required?: boolean; min?: number } = {},
  ): number | undefined {
    const raw = this.string(key, opts);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      throw invalidParam(
        key,
        `Invalid integer: ${raw}`,
        "parameter_invalid_integer",
      );
    }
    const value = Number(raw);
    if (opts.min !== undefined && value < opts.min) {
      throw invalidParam(
        key,
        `This value must be greater than or equal to ${opts.min}.`,
        "parameter_invalid_integer",
      );
    }
    return value;
  }

  oneOf<T extends string>(
    key: string,
    allowed: readonly T[],
    required = false,
  ): T | undefined {
    const value = this.string(key, { required });
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw invalidParam(
        key,
        `Invalid ${key}: must be one of ${allowed.join(", ")}`,
        "parameter_unknown",
      );
    }
    return value as T;
  }

  /** The indices used under `prefix[n]…`, in order; gaps are an error, as on Stripe. */
  indices(prefix: string): number[] {
    const found = new Set<number>();
    const pattern = new RegExp(`^${escapeRegExp(prefix)}\\[(\\d+)\\]`);
    for (const key of this.#values.keys()) {
      const match = pattern.exec(key);
      if (match) found.add(Number(match[1]));
    }
    const sorted = [...found].sort((a, b) => a - b);
    sorted.forEach((n, i) => {
      if (n !== i) {
        throw invalidParam(`${prefix}[${i}]`, `Missing ${prefix}[${i}].`);
      }
    });
    return sorted;
  }

  /** Values of an array parameter sent as `key[0]=…` (the SDK) or `key[]=…` (curl). */
  list(key: string): string[] {
    const out: string[] = [];
    for (const [k, v] of this.#values) {
      if (
        k === `${key}[]` ||
        new RegExp(`^${escapeRegExp(key)}\\[\\d+\\]$`).test(k)
      ) {
        this.#read.add(k);
        out.push(v);
      }
    }
    return out;
  }

  /** Stripe metadata under `prefix[key]`: at most 50 keys of 40 characters, values of 500. */
  metadata(prefix = "metadata"): Record<string, string> {
    const out: Record<string, string> = {};
    const pattern = new RegExp(`^${escapeRegExp(prefix)}\\[([^\\[\\]]+)\\]$`);
    for (const [key, value] of this.#values) {
      const match = pattern.exec(key);
      if (!match) continue;
      this.#read.add(key);
      if (match[1].length > 40) {
        throw invalidParam(
          key,
          "Metadata keys can be at most 40 characters long.",
        );
      }
      if (value.length > 500) {
        throw invalidParam(
          key,
          "Metadata values can be at most 500 characters long.",
        );
      }
      if (value !== "") out[match[1]] = value;
    }
    if (Object.keys(out).length > 50) {
      throw invalidParam(prefix, "Metadata can have at most 50 keys.");
    }
    return out;
  }

  /** Accepts keys Stripe knows but the emulator has no use for. */
  ignore(...prefixes: string[]): void {
    for (const key of this.#values.keys()) {
      if (prefixes.some((p) => key === p || key.startsWith(`${p}[`))) {
        this.#read.add(key);
      }
    }
  }

  /** Throws Stripe's "Received unknown parameter" for the first key nothing has read. */
  assertAllRead(): void {
    for (const key of this.#values.keys()) {
      if (!this.#read.has(key)) {
        throw invalidParam(
          key,
          `Received unknown parameter: ${key}`,
          "parameter_unknown",
        );
      }
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
