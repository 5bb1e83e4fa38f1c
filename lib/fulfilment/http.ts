/**
 * The HTTP supplier: POSTs the paid order as JSON to FULFILLMENT_URL, signed with
 * FULFILLMENT_SECRET (signature.ts) and carrying `Idempotency-Key: <order id>`, so a retry
 * after a timeout cannot ship twice at a supplier that honours the key. A 2xx answer with
 * `{externalId}` (or `{id}`) is success; anything else throws and the task retries.
 */
import type { Address, Customer, Order } from "../orders/types.ts";
import { type FulfilmentAdapter, FulfilmentError } from "./adapter.ts";
import { SIGNATURE_HEADER, signBody } from "./signature.ts";

export interface HttpAdapterOptions {
  url: string;
  secret: string;
  /** Unix seconds for the signature (tests); default now. */
  now?: () => number;
}

/** What the supplier receives: the order as it was paid, without Settle's bookkeeping. */
export interface FulfilmentRequest {
  orderId: string;
  number: string;
  items: { productId: string; title: string; unitAmount: number; quantity: number }[];
  subtotal: number;
  total: number;
  currency: string;
  metadata: Record<string, string>;
  createdAt: string;
  /** Who bought it, or null when the order never said (an API order that sent none). */
  customer: Customer | null;
  /**
   * Where it goes and how: the delivery address, the rate chosen and what it cost (minor
   * units, in `currency`); null when nothing in the order ships.
   */
  shipping: { address: Address; rateId: string; label: string; amount: number } | null;
}

export function fulfilmentRequest(order: Order): FulfilmentRequest {
  return {
    orderId: order.id,
    number: order.number,
    items: order.items.map(({ productId, title, unitAmount, quantity }) => ({
      productId,
      title,
      unitAmount,
      quantity,
    })),
    subtotal: order.subtotal,
    total: order.total,
    currency: order.currency,
    metadata: order.metadata,
    createdAt: order.createdAt,
    customer: order.customer
      ? {
        email: order.customer.email,
        ...(order.customer.name ? { name: order.customer.name } : {}),
        ...(order.customer.phone ? { phone: order.customer.phone } : {}),
      }
      : null,
    shipping: order.shipping
      ? {
        address: { ...order.shipping.address },
        rateId: order.shipping.rateId,
        label: order.shipping.label,
        amount: order.shipping.amount,
      }
      : null,
  };
}

export function createHttpAdapter(options: HttpAdapterOptions): FulfilmentAdapter {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    name: "http",
    async fulfil(order, { idempotencyKey, signal }) {
      const body = JSON.stringify(fulfilmentRequest(order));
      let res: Response;
      try {
        res = await fetch(options.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": idempotencyKey,
            [SIGNATURE_HEADER]: await signBody(options.secret, body, now()),
          },
          body,
          signal,
        });
      } catch (err) {
        const why = signal.aborted ? "timed out" : err instanceof Error ? err.message : String(err);
        throw new FulfilmentError(`supplier unreachable: ${why}`);
      }
      const text = await res.text().catch(() => "");
      if (!res.ok) {
        throw new FulfilmentError(
          `supplier answered ${res.status}: ${text.slice(0, 200)}`,
          res.status,
        );
      }
      const externalId = readExternalId(text);
      if (!externalId) {
        throw new FulfilmentError(
          `supplier answered ${res.status} without an externalId`,
          res.status,
        );
      }
      return { externalId };
    },
  };
}

function readExternalId(text: string): string | null {
  try {
    const json = JSON.parse(text);
    const id = json?.externalId ?? json?.id;
    return typeof id === "string" && id.length > 0 ? id : null;
  } catch {
    return null;
  }
}
