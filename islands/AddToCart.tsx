/**
 * "Add to cart" for one product. Without JavaScript it is a plain form posting to /cart;
 * with it, the island posts to the cart API, keeps the page, moves the header badge and
 * says what happened (or the server's reason, e.g. "Only 1 of … available") in a live region.
 */
import { useState } from "preact/hooks";
import { Button } from "../components/Button.tsx";
import { INPUT, LIVE_MESSAGE } from "../components/styles.ts";
import { sendCart } from "../lib/cart/cart_client.ts";

interface Props {
  productId: string;
  title: string;
  /** Units in stock; 0 renders a disabled "Sold out" button. */
  available: number;
  /** Most units one cart may hold (1 for one-of-a-kind items, else 99). */
  max: number;
  /** Offer a quantity field (product page); otherwise one unit is added. */
  withQuantity?: boolean;
  size?: "md" | "lg";
}

type Status = { tone: "ok" | "error"; text: string };

export default function AddToCart(
  { productId, title, available, max, withQuantity = false, size = "md" }: Props,
) {
  const [quantity, setQuantity] = useState("1");
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status | null>(null);
  const soldOut = available <= 0;
  const limit = Math.max(1, Math.min(max, available));
  const fieldId = `quantity-${productId}`;
  const label = soldOut ? "Sold out" : busy ? "Adding…" : "Add to cart";

  async function add(event: Event) {
    event.preventDefault();
    if (busy || soldOut) return;
    const units = Math.min(limit, Math.max(1, Math.trunc(Number(quantity)) || 1));
    setQuantity(String(units));
    setBusy(true);
    setStatus(null);
    const result = await sendCart("POST", "/api/cart/items", { productId, quantity: units });
    setBusy(false);
    setStatus(
      result.ok
        ? { tone: "ok", text: `Added ${units > 1 ? `${units} × ` : ""}${title} to your cart.` }
        : { tone: "error", text: result.message },
    );
  }

  return (
    <form method="post" action="/cart" onSubmit={add} class="flex flex-col gap-2">
      <input type="hidden" name="action" value="add" />
      <input type="hidden" name="productId" value={productId} />
      <div class="flex items-end gap-3">
        {withQuantity && !soldOut && limit > 1
          ? (
            <div>
              <label for={fieldId} class="mb-1 block text-sm font-medium text-stone-700">
                Quantity
              </label>
              <input
                id={fieldId}
                type="number"
                name="quantity"
                inputMode="numeric"
                min={1}
                max={limit}
                required
                value={quantity}
                onInput={(e) => setQuantity(e.currentTarget.value)}
                class={`${INPUT} w-20`}
              />
            </div>
          )
          : <input type="hidden" name="quantity" value="1" />}
        <Button
          type="submit"
          size={size}
          block={!withQuantity}
          disabled={soldOut}
          aria-disabled={busy ? "true" : undefined}
          aria-label={`${label}: ${title}`}
          class={withQuantity ? "flex-1 sm:flex-none sm:min-w-[12rem]" : ""}
        >
          {label}
        </Button>
      </div>
      <p role="status" class={LIVE_MESSAGE} data-tone={status?.tone}>{status?.text}</p>
    </form>
  );
}
