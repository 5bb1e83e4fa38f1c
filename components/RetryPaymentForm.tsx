/**
 * "Retry payment" for a saved order, one name on every page. Without JavaScript it is a
 * form posting to /checkout/cancel, which answers 303 to the new payment page; inside an
 * island it calls the retry-session API and goes to the new session, or says in a live
 * region why not (already paid, sold out since, provider down). Client-safe: islands
 * render it.
 */
import { useState } from "preact/hooks";
import { openPaymentPage, retryPayment } from "../lib/checkout/checkout_client.ts";
import { Button, type ButtonSize } from "./Button.tsx";
import { MESSAGE_BOX, TEXT_LINK } from "./styles.ts";

export interface RetryPaymentFormProps {
  orderId: string;
  /** The order's signed token (the owner's proof on another device). */
  token: string;
  size?: ButtonSize;
  /** Words after "Retry payment" when another provider is offered too ("with card"). */
  words?: string;
}

type Message = { tone: "error" | "info"; text: string; link?: string };

export function RetryPaymentForm(
  { orderId, token, size = "lg", words }: RetryPaymentFormProps,
) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);

  async function retry(event: Event) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setMessage({ tone: "info", text: "Opening a new secure payment page…" });
    const failure = openPaymentPage(await retryPayment(orderId, token));
    if (!failure) return;
    setBusy(false);
    if (failure.code === "order_paid") {
      setMessage({
        tone: "info",
        text: "Good news: this order is already paid.",
        link: failure.statusUrl,
      });
    } else {
      setMessage({ tone: "error", text: failure.message });
    }
  }

  return (
    <form method="post" action="/checkout/cancel" onSubmit={retry}>
      <input type="hidden" name="order" value={orderId} />
      <input type="hidden" name="token" value={token} />
      <Button
        type="submit"
        size={size}
        block
        aria-disabled={busy ? "true" : undefined}
      >
        {busy ? "Opening payment…" : (
          <>
            Retry payment{words && <span>{` ${words}`}</span>}
          </>
        )}
      </Button>
      <div role="status" aria-live="polite">
        <p hidden={!message} class={`mt-3 ${MESSAGE_BOX}`} data-tone={message?.tone}>
          {message?.text}{" "}
          <span hidden={!message?.link}>
            <a href={message?.link ?? "#"} class={TEXT_LINK}>See the order</a>
          </span>
        </p>
      </div>
    </form>
  );
}
