/**
 * A cart line's quantity: −/+ buttons and a number field. Without JavaScript it is a form
 * with an "Update" button posting to /cart; once hydrated, changes go to the cart API one
 * at a time (the latest wins) and the page's line and cart totals are rewritten from the
 * cart the server returns, so they always show the server's prices. Until the server
 * answers, the line's total and the cart's totals are marked busy (dimmed) and the line's
 * live region says "Updating…".
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { Button } from "../components/Button.tsx";
import { INPUT, LIVE_MESSAGE } from "../components/styles.ts";
import { cartItemPath, sendCart } from "../lib/cart/cart_client.ts";
import type { CartView } from "../lib/cart/types.ts";
import { formatAmount } from "../lib/orders/format_amount.ts";

interface Props {
  productId: string;
  title: string;
  quantity: number;
  /** The + button stops here (stock, or 1 for one-of-a-kind items); the server decides. */
  max: number;
  /** Digits of the cart currency's minor unit (money.ts minorUnitDigits). */
  digits: number;
}

/** The cart service's MAX_QUANTITY (that module is server-only, so not imported here). */
const MAX_QUANTITY = 99;

/** Rewrites the totals routes/cart.tsx marks with data attributes. */
function showTotals(view: CartView, digits: number) {
  const set = (selector: string, amount: number) => {
    for (const el of document.querySelectorAll(selector)) {
      el.textContent = formatAmount(amount, view.currency, digits);
    }
  };
  for (const line of view.items) {
    set(`[data-line-total="${CSS.escape(line.productId)}"]`, line.lineTotal);
  }
  set("[data-cart-subtotal]", view.subtotal);
  set("[data-cart-total]", view.total);
}

/** Steppers waiting for the server: the cart's totals stay busy until all have an answer. */
let inFlight = 0;

/** Marks the line's total, and the cart's totals while any line waits, `aria-busy`. */
function showBusy(productId: string, busy: boolean) {
  const mark = (selector: string, on: boolean) => {
    for (const el of document.querySelectorAll(selector)) {
      if (on) el.setAttribute("aria-busy", "true");
      else el.removeAttribute("aria-busy");
    }
  };
  mark(`[data-line-total="${CSS.escape(productId)}"]`, busy);
  mark("[data-cart-subtotal], [data-cart-total]", inFlight > 0);
}

export default function QuantityStepper({ productId, title, quantity, max, digits }: Props) {
  const [ready, setReady] = useState(false);
  const [value, setValue] = useState(String(quantity));
  const [message, setMessage] = useState<{ tone: "ok" | "error" | "info"; text: string } | null>(
    null,
  );
  const confirmed = useRef(quantity);
  const wanted = useRef(quantity);
  const sending = useRef(false);
  useEffect(() => setReady(true), []);

  async function change(next: number) {
    wanted.current = Math.min(MAX_QUANTITY, Math.max(1, Math.trunc(next)));
    setValue(String(wanted.current));
    if (sending.current || wanted.current === confirmed.current) return;
    sending.current = true;
    inFlight++;
    showBusy(productId, true);
    setMessage({ tone: "info", text: "Updating…" });
    while (wanted.current !== confirmed.current) {
      const quantity = wanted.current;
      const result = await sendCart("PATCH", cartItemPath(productId), { quantity });
      if (!result.ok) {
        wanted.current = confirmed.current;
        setValue(String(confirmed.current));
        setMessage({ tone: "error", text: result.message });
        break;
      }
      const line = result.view.items.find((l) => l.productId === productId);
      confirmed.current = line?.quantity ?? quantity;
      showTotals(result.view, digits);
      setMessage({ tone: "ok", text: `Quantity updated to ${confirmed.current}.` });
    }
    inFlight--;
    showBusy(productId, false);
    sending.current = false;
  }

  const typed = Number(value);
  const fieldId = `quantity-${productId}`;
  return (
    <form
      method="post"
      action="/cart"
      class="flex flex-col gap-1"
      onSubmit={(e) => {
        e.preventDefault();
        if (Number.isFinite(typed) && typed >= 1) change(typed);
      }}
    >
      <input type="hidden" name="action" value="set" />
      <input type="hidden" name="productId" value={productId} />
      <label for={fieldId} class="sr-only">Quantity of {title}</label>
      <div class="flex items-center gap-1.5">
        <span hidden={!ready}>
          <Button
            variant="secondary"
            size="sm"
            class="h-9 w-9 !px-0 text-lg"
            aria-label={`Decrease quantity of ${title}`}
            disabled={typed <= 1}
            onClick={() => change(typed - 1)}
          >
            −
          </Button>
        </span>
        <input
          id={fieldId}
          type="number"
          name="quantity"
          inputMode="numeric"
          min={1}
          max={MAX_QUANTITY}
          required
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
          onChange={(e) => {
            const n = Number(e.currentTarget.value);
            if (e.currentTarget.value !== "" && n >= 1) change(n);
            else setValue(String(confirmed.current));
          }}
          class={`${INPUT} h-9 w-16 text-center`}
        />
        <span hidden={!ready}>
          <Button
            variant="secondary"
            size="sm"
            class="h-9 w-9 !px-0 text-lg"
            aria-label={`Increase quantity of ${title}`}
            disabled={typed >= Math.min(max, MAX_QUANTITY)}
            onClick={() => change(typed + 1)}
          >
            +
          </Button>
        </span>
        <span hidden={ready}>
          <Button type="submit" variant="secondary" size="sm" class="h-9">Update</Button>
        </span>
      </div>
      <p role="status" class={LIVE_MESSAGE} data-tone={message?.tone}>{message?.text}</p>
    </form>
  );
}
