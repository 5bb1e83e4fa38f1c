/**
 * The cart API as islands call it: the cart view on success (which also moves the header
 * badge), the server's own words on failure. Client-safe: bundled for the browser.
 */
import { cartCount } from "./cart_count_signal.ts";
import type { CartView } from "./types.ts";

export type CartResult =
  | { ok: true; view: CartView }
  | { ok: false; status: number; message: string };

/** Sends one cart request; never throws. */
export async function sendCart(
  method: "POST" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<CartResult> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, status: 0, message: "The shop could not be reached. Please try again." };
  }
  const json = await res.json().catch(() => null);
  if (res.ok && json) {
    cartCount.value = (json as CartView).count;
    return { ok: true, view: json };
  }
  const message = json?.error?.message ?? `Something went wrong (${res.status}). Please try again.`;
  return { ok: false, status: res.status, message };
}

/** The product's own cart API path. */
export function cartItemPath(productId: string): string {
  return `/api/cart/items/${encodeURIComponent(productId)}`;
}
