/**
 * Fulfilment: handing a paid order to whoever ships it. The `fulfil` outbox task
 * (task.ts) calls the configured adapter; the adapter only talks to the supplier and never
 * touches KV, so retries, history and flags stay in one place.
 */
import type { Config } from "../config.ts";
import type { Order } from "../orders/types.ts";
import { createDemoAdapter } from "./demo.ts";
import { createHttpAdapter } from "./http.ts";

export interface FulfilOptions {
  /** The order id: the supplier must treat a repeat with the same key as the same request. */
  idempotencyKey: string;
  /** Aborts the call (the task's timeout). */
  signal: AbortSignal;
}

export interface FulfilmentAdapter {
  readonly name: string;
  /** Resolves with the supplier's reference; throws when the order was not accepted. */
  fulfil(order: Order, opts: FulfilOptions): Promise<{ externalId: string }>;
}

/** The supplier refused or could not be reached; the task retries until its last attempt. */
export class FulfilmentError extends Error {
  override name = "FulfilmentError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** The adapter FULFILLMENT_ADAPTER names, or null for `manual` (people ship, nothing is called). */
export function createFulfilmentAdapter(config: Config): FulfilmentAdapter | null {
  const f = config.fulfillment;
  switch (f.adapter) {
    case "http":
      return createHttpAdapter({ url: f.url!, secret: f.secret! });
    case "demo":
      return createDemoAdapter({ fail: f.demoFail });
    case "manual":
      return null;
  }
}
