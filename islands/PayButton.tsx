/**
 * The checkout page's "Pay" button. It submits the page's details form (routes/checkout),
 * which saves the details, opens the payment session and answers 303 to the payment page,
 * or renders the page again saying what to fix: with or without JavaScript, the same post.
 * Once hydrated it says it is opening the payment page, ignores a second click while the
 * first is on its way (the idempotency key would reach the same session anyway), and shows
 * the amount the chosen delivery method makes (ShippingChoice).
 */
import { useRef, useState } from "preact/hooks";
import { Button } from "../components/Button.tsx";
import { MESSAGE_BOX, TEXT_LINK } from "../components/styles.ts";
import { openPaymentPage, retryPayment } from "../lib/checkout/checkout_client.ts";
import { payAmount } from "../lib/checkout/pay_amount_signal.ts";
import { placedOrder } from "../lib/checkout/placed_order_signal.ts";
import { useSignalValue } from "$fresh/use_signal_value.ts";

interface Props {
  /** Made by the server for this page view; posted with the form. */
  idempotencyKey: string;
  /** The total as shown, e.g. "$37.80". */
  amount: string;
  /** The cart has lines that cannot be bought as they stand. */
  disabled?: boolean;
  /** Why the last Pay was refused, from the server's render of the page. */
  message?: { title?: string; text: string; toCart?: boolean } | null;
  /** Words after the amount when the page offers more than one way to pay ("with card"). */
  words?: string;
}

type Message = { tone: "error" | "info"; title?: string; text: string; toCart?: boolean };

export default function PayButton(
  { idempotencyKey, amount, disabled = false, message: refused = null, words }: Props,
) {
  const [busy, setBusy] = useState(false);
  const chosenAmount = useSignalValue(payAmount);
  const sent = useRef(false);
  const [message, setMessage] = useState<Message | null>(
    refused ? { tone: "error", ...refused } : null,
  );

  function pay(event: Event) {
    if (disabled || sent.current) {
      event.preventDefault();
      return;
    }
    sent.current = true;
    setBusy(true);
    setMessage({ tone: "info", text: "Opening the secure payment page…" });
    const placed = placedOrder.value;
    if (placed) {
      // A Razorpay attempt placed the order: a new card payment page for that same order.
      event.preventDefault();
      retryPayment(placed.orderId, placed.token).then((result) => {
        const failure = openPaymentPage(result);
        if (!failure) return;
        sent.current = false;
        setBusy(false);
        setMessage({ tone: "error", title: "Payment not started", text: failure.message });
      });
      return;
    }
    // The form goes on its way; the page leaves (303) or comes back saying what to fix.
    // A page restored from the back-forward cache may be paid again.
    addEventListener("pageshow", () => {
      sent.current = false;
      setBusy(false);
      setMessage(null);
    }, { once: true });
  }

  return (
    <div>
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      <Button
        type="submit"
        name="intent"
        value="pay"
        size="lg"
        block
        disabled={disabled}
        aria-disabled={busy ? "true" : undefined}
        onClick={pay}
      >
        {busy ? "Opening payment…" : `Pay ${chosenAmount ?? amount}${words ? ` ${words}` : ""}`}
      </Button>
      <div role="status" aria-live="polite">
        <div
          hidden={!message}
          class={`mt-3 ${MESSAGE_BOX}`}
          data-tone={message?.tone}
          data-pay-message
        >
          <p hidden={!message?.title} class="font-semibold">{message?.title}</p>
          <p>{message?.text}</p>
          <p hidden={!message?.toCart} class="mt-2">
            <a href="/cart" class={TEXT_LINK}>Go to your cart</a>
          </p>
        </div>
      </div>
    </div>
  );
}
