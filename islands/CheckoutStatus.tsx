/**
 * The success page's status panel. The server renders the state it found; while that is
 * "pending" (the webhook not in yet, or a bank debit settling) the island asks
 * GET /api/orders/by-session/:id again with growing pauses and turns into the confirmation,
 * the review notice (money that does not match the order) or the failure state in place,
 * announced through the polite live region. After a while it says the page may be closed
 * (and that the receipt will come by e-mail, when Settle has an address to send it to);
 * without JavaScript a "Check again" link reloads the page instead. A refused check (rate
 * limited, offline, server trouble) keeps the last state shown and tries again later; a 429
 * waits at least its Retry-After.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { LinkButton } from "../components/Button.tsx";
import { RetryPaymentForm } from "../components/RetryPaymentForm.tsx";
import { cartCount } from "../lib/cart/cart_count_signal.ts";
import { cartCountNow } from "../lib/checkout/checkout_client.ts";
import {
  canRetry,
  type CheckoutState,
  checkoutState,
  type ShopperOrderView,
  type ShopperStatus,
  UNDER_REVIEW_TEXT,
  UNDER_REVIEW_TITLE,
} from "../lib/checkout/checkout_state.ts";

interface Props {
  sessionId: string;
  orderId: string;
  number: string;
  /** The order's signed token, for the retry and the status page. */
  token: string;
  status: ShopperStatus;
  /** Settle has an address for the receipt: only then do the words promise an e-mail. */
  emailKnown: boolean;
}

/**
 * First pause between checks; each next one is 1.5 × longer, up to POLL_MAX_MS: at most 10
 * checks in the first minute, well within the server's RATE_LIMIT_STATUS_PER_MIN.
 */
export const POLL_FIRST_MS = 1000;
export const POLL_MAX_MS = 10_000;
/** After this long pending, the page says it may be closed. */
export const LATE_AFTER_MS = 30_000;
/** Polling stops here; "Check again" takes over. */
export const GIVE_UP_AFTER_MS = 10 * 60_000;

const PANEL = "rounded-2xl p-5 ring-1 ring-inset sm:p-6 " +
  "bg-amber-50 text-amber-900 ring-amber-200 " +
  "data-[state=paid]:bg-green-50 data-[state=paid]:text-green-900 data-[state=paid]:ring-green-200 " +
  "data-[state=failed]:bg-red-50 data-[state=failed]:text-red-900 data-[state=failed]:ring-red-200 " +
  "data-[state=expired]:bg-red-50 data-[state=expired]:text-red-900 " +
  "data-[state=expired]:ring-red-200 data-[state=cancelled]:bg-stone-100 " +
  "data-[state=cancelled]:text-stone-800 data-[state=cancelled]:ring-stone-200";

const ICONS: Record<CheckoutState, string> = {
  paid: "M5 12.5l4.5 4.5L19 7.5",
  under_review: "M12 8v5M12 16h.01M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18z",
  pending: "M12 7v5l3 2M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18z",
  failed: "M7 7l10 10M17 7L7 17",
  expired: "M12 7v5l3 2M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18z",
  cancelled: "M7 7l10 10M17 7L7 17",
};

type Check =
  | { ok: true; order: ShopperOrderView }
  | { ok: false; status: number; retryAfterMs: number };

/**
 * One status check. Fetched here rather than through checkout_client's `call`, which does
 * not pass on Retry-After; status 0 means the shop could not be reached.
 */
async function check(sessionId: string): Promise<Check> {
  try {
    const res = await fetch(`/api/orders/by-session/${encodeURIComponent(sessionId)}`, {
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
    if (res.ok) return { ok: true, order: await res.json() };
    return { ok: false, status: res.status, retryAfterMs: retryAfterMs(res.headers) };
  } catch {
    return { ok: false, status: 0, retryAfterMs: 0 };
  }
}

/** Retry-After in seconds or as an HTTP date; 0 when absent or unreadable. */
function retryAfterMs(headers: Headers): number {
  const value = headers.get("retry-after") ?? "";
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : 0;
}

function words(
  state: CheckoutState,
  number: string,
  late: boolean,
  emailKnown: boolean,
): [string, string] {
  switch (state) {
    case "paid":
      return [
        "Payment received. Thank you!",
        `Order ${number} is confirmed.${emailKnown ? " We’ll e-mail your receipt." : ""}`,
      ];
    case "under_review":
      return [UNDER_REVIEW_TITLE, UNDER_REVIEW_TEXT];
    case "pending":
      return late
        ? [
          "Your payment is still being confirmed",
          "Some payments, like bank debits, take longer to clear. " + (emailKnown
            ? "We’ll e-mail your receipt as soon as it does, so you can safely close this page."
            : "You can safely close this page: your order is saved, and its status page " +
              "shows when the payment clears."),
        ]
        : [
          "Confirming your payment…",
          "This usually takes a few seconds. There’s no need to pay again.",
        ];
    case "failed":
      return [
        "Your payment didn’t go through",
        "No money was taken. Your order is saved, so you can retry the payment, for example " +
        "with another card.",
      ];
    case "expired":
      return [
        "This checkout expired before payment",
        "No money was taken. Your order is saved: pay for it now while the items are still in stock.",
      ];
    case "cancelled":
      return [
        "This order was cancelled",
        "No money was taken. To buy these items, start a new checkout from your cart.",
      ];
  }
}

export default function CheckoutStatus(
  { sessionId, orderId, number, token, status, emailKnown }: Props,
) {
  const [current, setCurrent] = useState(status);
  const [ready, setReady] = useState(false);
  const [late, setLate] = useState(false);
  const [stopped, setStopped] = useState(false);
  const started = useRef(Date.now());
  const state = checkoutState(current);

  useEffect(() => setReady(true), []);

  useEffect(() => {
    if (state !== "pending") return;
    let delay = POLL_FIRST_MS;
    let timer: ReturnType<typeof setTimeout>;
    let live = true;
    const tick = async () => {
      const result = await check(sessionId);
      if (!live) return;
      if (result.ok) setCurrent(result.order.status);
      const waited = Date.now() - started.current;
      if (waited >= LATE_AFTER_MS) setLate(true);
      if ((!result.ok && result.status === 404) || waited >= GIVE_UP_AFTER_MS) {
        setStopped(true);
        return;
      }
      if (result.ok && checkoutState(result.order.status) !== "pending") return;
      delay = Math.min(POLL_MAX_MS, delay * 1.5);
      // Rate limited: no message, the last state stays; wait as long as the server asks.
      timer = setTimeout(tick, result.ok ? delay : Math.max(delay, result.retryAfterMs));
    };
    timer = setTimeout(tick, delay);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [state === "pending"]);

  useEffect(() => {
    if (state !== "paid") return;
    // The paid order's items leave the cart in a follow-up task; catch up with it.
    const timers = [0, 1500, 4000].map((ms) =>
      setTimeout(async () => {
        const count = await cartCountNow();
        if (count !== null) cartCount.value = count;
      }, ms)
    );
    return () => timers.forEach(clearTimeout);
  }, [state]);

  const [title, text] = words(state, number, late, emailKnown);
  const statusUrl = `/orders/${encodeURIComponent(orderId)}?token=${encodeURIComponent(token)}`;
  const checkAgain = `/checkout/success?session_id=${encodeURIComponent(sessionId)}`;
  return (
    <section aria-label="Payment status" class={PANEL} data-state={state} data-checkout-state>
      <div class="flex items-start gap-4">
        <svg
          viewBox="0 0 24 24"
          class="mt-0.5 h-8 w-8 shrink-0"
          fill="none"
          stroke="currentColor"
          stroke-width="2"
          stroke-linecap="round"
          stroke-linejoin="round"
          aria-hidden="true"
        >
          <path d={ICONS[state]} />
        </svg>
        <div role="status" aria-live="polite" aria-atomic="true" class="min-w-0">
          <p class="text-lg font-semibold" data-status-title>{title}</p>
          <p class="mt-1 text-sm leading-relaxed">{text}</p>
          <p hidden={!(ready && state === "pending" && !stopped)} class="mt-1 text-sm">
            This page updates by itself.
          </p>
        </div>
      </div>
      <div class="mt-5 flex flex-col gap-3 sm:flex-row sm:flex-wrap sm:items-start">
        <div hidden={!canRetry(current) || state === "pending"} class="sm:w-64">
          <RetryPaymentForm orderId={orderId} token={token} />
        </div>
        <span hidden={state !== "pending" || (ready && !stopped)}>
          <LinkButton href={checkAgain} size="lg" block>Check again</LinkButton>
        </span>
        <span hidden={state === "cancelled"}>
          <LinkButton href={statusUrl} variant="secondary" size="lg" block>
            View order status
          </LinkButton>
        </span>
        <span hidden={state !== "cancelled"}>
          <LinkButton href="/cart" variant="secondary" size="lg" block>
            Back to your cart
          </LinkButton>
        </span>
        <span hidden={state !== "paid" && state !== "under_review"}>
          <LinkButton href="/" variant="ghost" size="lg" block>Continue shopping</LinkButton>
        </span>
      </div>
    </section>
  );
}
