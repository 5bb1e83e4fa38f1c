/**
 * The demo supplier: accepts every order with a generated reference, unless its failure
 * switch says otherwise, so retries, final failures and alerts can be tried without one.
 */
import type { FulfilmentAdapter } from "./adapter.ts";
import { FulfilmentError } from "./adapter.ts";

export interface DemoAdapterOptions {
  /**
   * `never` (default) always accepts; `once` refuses each order's first call and accepts the
   * next; `always` refuses every call.
   */
  fail?: "never" | "once" | "always";
}

export function createDemoAdapter(options: DemoAdapterOptions = {}): FulfilmentAdapter {
  const fail = options.fail ?? "never";
  const refusedOnce = new Set<string>();
  return {
    name: "demo",
    fulfil(order, { idempotencyKey, signal }) {
      signal.throwIfAborted();
      if (fail === "always" || (fail === "once" && !refusedOnce.has(order.id))) {
        refusedOnce.add(order.id);
        return Promise.reject(new FulfilmentError("demo supplier refused the order", 503));
      }
      // Like a real supplier, a repeated key gets the same shipment back.
      return Promise.resolve({ externalId: `demo_${idempotencyKey.toLowerCase()}` });
    },
  };
}
