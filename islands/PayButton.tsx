/**
 * The checkout page's "Pay" button. Without JavaScript it is a form posting to /checkout,
 * which answers 303 to the payment page; with it, the island calls create-checkout-session
 * and goes to the session's page. The idempotency key is fixed for the page view, so a
 * double click, or a second click after an error, reaches the same order and session.
 */
import { useState } from "preact/hooks";
import { Button } from "../components/Button.tsx";
import { MESSAGE_BOX, TEXT_LINK } from "../components/styles.ts";
import { openPaymentPage, startCheckout } from "../lib/checkout/checkout_client.ts";

interface Props {
  /** Made by the server for this page view; the no-JS form posts the same one. */
  idempotencyKey: string;
  /** The total as shown, e.g. "$37.80". */
  amount: string;
  /** The cart has lines that cannot be bought as they stand. */
  disabled?: boolean;
}

type Message = { tone: "error" | "info"; title?: string; text: string; toCart?: boolean };

export default function PayButton({ idempotencyKey, amount, disabled = false }: Props) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);

  async function pay(event: Event) {
    event.preventDefault();
    if (busy || disabled) return;
    setBusy(true);
    setMessage({ tone: "info", text: "Opening the secure payment page…" });
    const failure = openPaymentPage(await startCheckout(idempotencyKey));
    if (!failure) return;
    setBusy(false);
    if (failure.status === 422) {
      setMessage({
        tone: "error",
        title: "Something in your cart can’t be bought right now",
        text: `${failure.message}. Update your cart, then pay.`,
        toCart: true,
      });
    } else {
      setMessage({ tone: "error", title: "Payment not started", text: failure.message });
    }
  }

  return (
    <form method="post" action="/checkout" onSubmit={pay}>
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      <Button
        type="submit"
        size="lg"
        block
        disabled={disabled}
        aria-disabled={busy ? "true" : undefined}
      >
        {busy ? "Opening payment…" : `Pay ${amount}`}
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
    </form>
  );
}
