/**
 * Stripe's idempotency layer for POSTs: a key replays the first response for the same
 * endpoint and parameters, refuses different ones, and answers 409 while the first request
 * is still running. Keys are forgotten after 24 hours, as on Stripe.
 */
import { StripeApiError } from "./params.ts";

const KEY_TTL_MS = 24 * 60 * 60 * 1000;

export interface StoredResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  endpoint: string;
  params: string;
  createdAt: number;
  response?: StoredResponse;
}

export type Admission = { kind: "fresh" } | {
  kind: "replay";
  response: StoredResponse;
};

export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  /** Decides what a request carrying `key` gets; a fresh one must be finished or abandoned. */
  admit(
    scope: string,
    key: string,
    endpoint: string,
    params: string,
  ): Admission {
    if (key.length > 255) {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        "Idempotency-Key must be at most 255 characters long.",
        {},
        false,
      );
    }
    this.#forgetOld();
    const entry = this.#entries.get(`${scope}\n${key}`);
    if (!entry) {
      this.#entries.set(`${scope}\n${key}`, {
        endpoint,
        params,
        createdAt: this.now(),
      });
      return { kind: "fresh" };
    }
    if (entry.endpoint !== endpoint) {
      throw new StripeApiError(
        400,
        "idempotency_error",
        `Keys for idempotent requests can only be used for the same endpoint they were first ` +
          `used for ('${entry.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' ` +
          `if you meant to execute a different request.`,
      );
    }
    if (entry.params !== params) {
      throw new StripeApiError(
        400,
        "idempotency_error",
        `Keys for idempotent requests can only be used with the same parameters they were ` +
          `first used with. Try using a key other than '${key}' if you meant to execute a ` +
          `different request.`,
      );
    }
    if (!entry.response) {
      throw new StripeApiError(
        409,
        "idempotency_error",
        `There is currently another in-progress request using this Idempotent Key (that ` +
          `probably means you submitted twice, and the other request is still going ` +
          `through): ${key}. Please try again later.`,
      );
    }
    return { kind: "replay", response: entry.response };
  }

  finish(scope: string, key: string, response: StoredResponse): void {
    const entry = this.#entries.get(`${scope}\n${key}`);
    if (entry) entry.response = response;
  }

  /** For requests Stripe does not remember, e.g. those whose parameters failed validation. */
  abandon(scope: string, key: string): void {
    this.#entries.delete(`${scope}\n${key}`);
  }

  #forgetOld(): void {
    const cutoff = this.now() - KEY_TTL_MS;
    for (const [id, entry] of this.#entries) {
      if (entry.createdAt >= cutoff) break;
      this.#entries.delete(id);
    }
  }
}
