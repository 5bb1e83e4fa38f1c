/**
 * The demo supplier: accepts every order with a generated reference, unless its failure
 * switch says otherwise, so retries, final failures and alerts can be tried without one. It
 * builds the same request the http adapter sends (customer and address included) and keeps
 * the last one per order, so a developer or a test can see what a supplier would get.
 */
import type { FulfilmentAdapter } from "./adapter.ts";
import { FulfilmentError } from "./adapter.ts";
import { type FulfilmentRequest, fulfilmentRequest } from "./http.ts";

export interface DemoAdapterOptions {
  /**
   * `never` (default) always accepts; `once` refuses each order's first call and accepts the
   * next; `always` refuses every call.
   */
  fail?: "never" | "once" | "always";
}

export interface DemoAdapter extends FulfilmentAdapter {
  /** The last request built for each order id, as the http adapter would POST it. */
  readonly received: Map<string, FulfilmentRequest>;
}

export function createDemoAdapter(options: DemoAdapterOptions = {}): DemoAdapter {
  const fail = options.fail ?? "never";
  const refusedOnce = new Set<string>();
  const received = new Map<string, FulfilmentRequest>();
  return {
    name: "demo",
    received,
    fulfil(order, { idempotencyKey, signal }) {
      signal.throwIfAborted();
      received.delete(order.id);
      received.set(order.id, fulfilmentRequest(order));
      // Bounded: a long-running development server keeps only the latest orders.
      if (received.size > 100) received.delete(received.keys().next().value!);
      if (fail === "always" || (fail === "once" && !refusedOnce.has(order.id))) {
        refusedOnce.add(order.id);
        return Promise.reject(new FulfilmentError("demo supplier refused the order", 503));
      }
      // Like a real supplier, a repeated key gets the same shipment back.
      return Promise.resolve({ externalId: `demo_${idempotencyKey.toLowerCase()}` });
    },
  };
}
