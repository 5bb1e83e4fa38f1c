/**
 * "Pay with UPI, cards or netbanking": Razorpay Checkout as a popup. On the checkout page it
 * first saves the details form exactly as the card path does (POST /checkout, intent=save,
 * answered in JSON with the idempotency key those details make; details that need a fix are
 * posted the no-JS way so the page comes back with its error summary), then asks
 * POST /api/payments/create-order for the order's Razorpay order, loads checkout.js once
 * (the page's CSP allows exactly that script's origin) and opens the popup.
 *
 * - handler: POST /api/payments/verify, then the success page for that Razorpay order,
 *   which shows pending until the payment is confirmed.
 * - modal.ondismiss: the order stays saved; the message says so and Pay again reuses it.
 * - payment.failed: the reason is shown; the order stays payable (here or by card).
 *
 * Messages are in a polite live region and focus returns to the button when the popup
 * closes. Hidden until hydrated: without JavaScript the page says Razorpay needs it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { Button, type ButtonSize, type ButtonVariant } from "../components/Button.tsx";
import { MESSAGE_BOX } from "../components/styles.ts";
import { requestApi } from "../lib/checkout/checkout_client.ts";
import { payAmount } from "../lib/checkout/pay_amount_signal.ts";
import { placedOrder } from "../lib/checkout/placed_order_signal.ts";
import { useSignalValue } from "$fresh/use_signal_value.ts";

interface Props {
  /** Razorpay Checkout's script: the emulator's in emulator mode. */
  scriptUrl: string;
  /** Shown in the popup's header. */
  shopName: string;
  /** The button's words after "Pay <amount>" (checkout) or in full (retry). */
  label: string;
  /** The total as shown, e.g. "$37.80"; with `idempotencyKey`, follows the delivery choice. */
  amount?: string;
  /** The checkout page's key: the cart is checked out and the form's details saved first. */
  idempotencyKey?: string;
  /** A saved order to pay (the retry pages), with its owner's token. */
  orderId?: string;
  token?: string;
  disabled?: boolean;
  variant?: ButtonVariant;
  size?: ButtonSize;
  /** Card payments are offered too: messages mention them. */
  cardOffered?: boolean;
  /** Shown until hydrated (JavaScript off): why this way to pay is not offered. */
  noScript?: string;
}

interface Created {
  providerOrderId: string;
  keyId: string;
  amount: number;
  currency: string;
  orderId: string;
  orderNumber: string;
  orderToken: string;
}

interface HandlerResponse {
  razorpay_order_id: string;
  razorpay_payment_id: string;
  razorpay_signature: string;
}

interface RazorpayInstance {
  open(): void;
  on(name: "payment.failed", cb: (r: { error?: { description?: string } }) => void): void;
}
type RazorpayConstructor = new (options: Record<string, unknown>) => RazorpayInstance;

type Message = { tone: "error" | "info"; title?: string; text: string };

let loading: Promise<RazorpayConstructor> | null = null;

/** checkout.js, added once per page; a failed load may be tried again. */
function loadCheckout(src: string): Promise<RazorpayConstructor> {
  const ready = (globalThis as { Razorpay?: RazorpayConstructor }).Razorpay;
  if (ready) return Promise.resolve(ready);
  return loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = () => {
      const loaded = (globalThis as { Razorpay?: RazorpayConstructor }).Razorpay;
      if (loaded) resolve(loaded);
      else reject(new Error("no Razorpay"));
    };
    script.onerror = () => {
      loading = null;
      script.remove();
      reject(new Error("checkout.js did not load"));
    };
    document.head.appendChild(script);
  });
}

function post<T>(path: string, body: BodyInit, headers: Record<string, string>) {
  return requestApi<T>(path, {
    method: "POST",
    headers: { accept: "application/json", ...headers },
    body,
  });
}

const field = (form: HTMLFormElement, name: string) => {
  const el = form.elements.namedItem(name);
  return el instanceof HTMLInputElement ? el.value.trim() : "";
};

export default function RazorpayPay(props: Props) {
  const { scriptUrl, shopName, label, idempotencyKey, disabled = false } = props;
  const [ready, setReady] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const button = {
    get current() {
      return root.current?.querySelector("button") ?? null;
    },
  };
  /** The order this button pays once placed: Pay again reuses it. */
  const paying = useRef<{ orderId: string; token: string } | null>(
    props.orderId && props.token ? { orderId: props.orderId, token: props.token } : null,
  );

  useEffect(() => setReady(true), []);

  const otherWay = props.cardOffered
    ? " You can pay again, or pay by card."
    : " You can pay again.";

  function stop(next: Message) {
    setBusy(false);
    setMessage(next);
  }

  /** Saves the form's details; the key they make, or null when the page was posted instead. */
  async function saveDetails(form: HTMLFormElement): Promise<string | null> {
    const body = new URLSearchParams();
    new FormData(form).forEach((value, name) => {
      if (typeof value === "string" && name !== "intent") body.append(name, value);
    });
    body.set("intent", "save");
    const saved = await post<{ idempotencyKey: string }>("/checkout", body, {});
    if (saved.ok) return saved.data.idempotencyKey;
    if (saved.status === 422) {
      // The details need a fix: the no-JS post brings the page back with the error summary.
      const intent = document.createElement("input");
      intent.type = "hidden";
      intent.name = "intent";
      intent.value = "save";
      form.appendChild(intent);
      form.submit();
      return null;
    }
    stop({ tone: "error", title: "Payment not started", text: saved.message });
    return null;
  }

  async function pay() {
    if (disabled || busy) return;
    setBusy(true);
    setMessage({ tone: "info", text: "Opening Razorpay Checkout…" });
    const form = button.current?.form ?? null;
    let body = "{}";
    let key = idempotencyKey;
    if (paying.current) {
      body = JSON.stringify(paying.current);
    } else if (form && idempotencyKey) {
      const saved = await saveDetails(form);
      if (saved === null) return;
      key = saved;
    }
    const created = await post<Created>("/api/payments/create-order", body, {
      "content-type": "application/json",
      ...(key && !paying.current ? { "idempotency-key": key } : {}),
    });
    if (!created.ok) {
      stop({ tone: "error", title: "Payment not started", text: created.message });
      return;
    }
    const order = created.data;
    paying.current = { orderId: order.orderId, token: order.orderToken };
    if (idempotencyKey) placedOrder.value = paying.current;
    let Razorpay: RazorpayConstructor;
    try {
      Razorpay = await loadCheckout(scriptUrl);
    } catch {
      stop({
        tone: "error",
        title: "Razorpay could not be opened",
        text: `Your order ${order.orderNumber} is saved and nothing was charged.${otherWay}`,
      });
      return;
    }
    let failure: string | null = null;
    const refocus = () => setTimeout(() => button.current?.focus(), 0);
    const rzp = new Razorpay({
      key: order.keyId,
      order_id: order.providerOrderId,
      amount: order.amount,
      currency: order.currency,
      name: shopName,
      description: `Order ${order.orderNumber}`,
      prefill: form
        ? { email: field(form, "email"), contact: field(form, "phone"), name: field(form, "name") }
        : {},
      handler: (response: HandlerResponse) => verify(order, response),
      modal: {
        ondismiss: () => {
          stop(
            failure
              ? {
                tone: "error",
                title: "Payment failed",
                text: `${failure} Your order ${order.orderNumber} is saved.${otherWay}`,
              }
              : {
                tone: "info",
                title: "Payment not completed — your order is saved",
                text: `Nothing was charged for order ${order.orderNumber}.${otherWay}`,
              },
          );
          refocus();
        },
      },
    });
    rzp.on("payment.failed", (response) => {
      failure = response.error?.description ?? "The payment was declined.";
      setMessage({
        tone: "error",
        title: "Payment failed",
        text: `${failure} Your order ${order.orderNumber} is saved.${otherWay}`,
      });
    });
    setMessage({ tone: "info", text: "Razorpay Checkout is open." });
    rzp.open();
  }

  async function verify(order: Created, response: HandlerResponse) {
    setMessage({ tone: "info", text: "Confirming your payment…" });
    const checked = await post(
      "/api/payments/verify",
      JSON.stringify({ orderId: order.orderId, ...response }),
      {
        "content-type": "application/json",
      },
    );
    if (!checked.ok && checked.status === 400) {
      stop({ tone: "error", title: "Payment not confirmed", text: checked.message });
      setTimeout(() => button.current?.focus(), 0);
      return;
    }
    // Anything else (confirmed, pending, or the shop unreachable): the success page asks
    // Razorpay itself and shows pending until the payment is confirmed.
    location.assign(`/checkout/success?session_id=${encodeURIComponent(order.providerOrderId)}`);
  }

  const chosenAmount = useSignalValue(payAmount);
  const amount = idempotencyKey ? chosenAmount ?? props.amount : props.amount;
  return (
    <div ref={root}>
      {props.noScript && (
        <p hidden={ready} class="text-sm text-stone-700" data-needs-javascript>
          {props.noScript}
        </p>
      )}
      <div hidden={!ready} data-razorpay-pay>
        <Button
          type="button"
          variant={props.variant ?? "secondary"}
          size={props.size ?? "lg"}
          block
          disabled={disabled}
          aria-disabled={busy ? "true" : undefined}
          onClick={pay}
        >
          {amount ? `Pay ${amount} ${label}` : label}
        </Button>
        <div role="status" aria-live="polite">
          <div
            hidden={!message}
            class={`mt-3 ${MESSAGE_BOX}`}
            data-tone={message?.tone}
            data-razorpay-message
          >
            <p hidden={!message?.title} class="font-semibold">{message?.title}</p>
            <p>{message?.text}</p>
          </div>
        </div>
      </div>
    </div>
  );
}
