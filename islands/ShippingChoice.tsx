/**
 * The checkout's delivery methods: a radio list of the rates for the chosen country. Without
 * JavaScript it is part of the details form, with a button that posts the form to list the
 * rates of another country. Once hydrated, a change of the country select fetches that
 * country's rates from GET /api/shipping-rates, and a change of method rewrites the
 * summary's shipping line and total (and the Pay button's amount) without a reload.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { Button } from "../components/Button.tsx";
import { FOCUS_RING, LIVE_MESSAGE } from "../components/styles.ts";
import { payAmount } from "../lib/checkout/pay_amount_signal.ts";
import { formatAmount } from "../lib/orders/format_amount.ts";

export interface RateOption {
  id: string;
  label: string;
  amount: number;
  currency: string;
}

interface Props {
  /** The id of the country select whose changes this list follows. */
  countryField: string;
  country: string;
  rates: RateOption[];
  selected: string;
  /** The items' total, minor units: the rates' free thresholds and the total start from it. */
  subtotal: number;
  /** The cart's currency, which the shop's rates are in too (lib/shipping/rates.ts). */
  currency: string;
  /** Digits of its minor unit (money.ts minorUnitDigits). */
  digits: number;
  error?: string;
}

/** The rates GET /api/shipping-rates answers, checked before use. */
function readRates(json: unknown): RateOption[] | null {
  const list = Array.isArray(json) ? json : (json as { rates?: unknown } | null)?.rates;
  if (!Array.isArray(list)) return null;
  const ok = list.every((r) =>
    typeof r === "object" && r !== null && typeof r.id === "string" &&
    typeof r.label === "string" && Number.isSafeInteger(r.amount) && r.amount >= 0 &&
    typeof r.currency === "string"
  );
  return ok
    ? list.map((r) => ({ id: r.id, label: r.label, amount: r.amount, currency: r.currency }))
    : null;
}

const priceOf = (rate: RateOption, digits: number) =>
  rate.amount === 0 ? "Free" : formatAmount(rate.amount, rate.currency, digits);

/** Rewrites the summary's shipping line and total that routes/checkout/index.tsx marks. */
function showSummary(
  rate: RateOption | undefined,
  subtotal: number,
  currency: string,
  digits: number,
) {
  const total = formatAmount(subtotal + (rate?.amount ?? 0), currency, digits);
  for (const el of document.querySelectorAll("[data-shipping-amount]")) {
    el.textContent = rate ? priceOf(rate, digits) : "—";
  }
  for (const el of document.querySelectorAll("[data-shipping-label]")) {
    el.textContent = rate ? rate.label : "";
  }
  for (const el of document.querySelectorAll("[data-cart-total]")) el.textContent = total;
  payAmount.value = total;
  return total;
}

export default function ShippingChoice(props: Props) {
  const { countryField, subtotal, currency, digits, error } = props;
  const [ready, setReady] = useState(false);
  const [rates, setRates] = useState(props.rates);
  const [selected, setSelected] = useState(props.selected);
  const [message, setMessage] = useState<{ tone?: "error"; text: string } | null>(null);
  const latest = useRef(0);

  function choose(id: string, list = rates, announce = true) {
    setSelected(id);
    const total = showSummary(list.find((r) => r.id === id), subtotal, currency, digits);
    if (announce) {
      const rate = list.find((r) => r.id === id);
      setMessage({ text: `${rate ? `Delivery ${priceOf(rate, digits)}. ` : ""}Total ${total}.` });
    }
  }

  useEffect(() => {
    setReady(true);
    const select = document.getElementById(countryField) as HTMLSelectElement | null;
    if (!select) return;
    const onChange = async () => {
      const ask = ++latest.current;
      setMessage({ text: "Finding delivery options…" });
      const query = new URLSearchParams({ country: select.value, subtotal: String(subtotal) });
      let list: RateOption[] | null = null;
      try {
        const res = await fetch(`/api/shipping-rates?${query}`, {
          headers: { accept: "application/json" },
          credentials: "same-origin",
        });
        list = res.ok ? readRates(await res.json()) : null;
      } catch {
        list = null;
      }
      if (ask !== latest.current) return;
      if (!list) {
        setRates([]);
        showSummary(undefined, subtotal, currency, digits);
        setMessage({
          tone: "error",
          text: "We couldn’t load the delivery options for that country. Please try again.",
        });
        return;
      }
      setRates(list);
      const keep = list.find((r) => r.id === selectedRef.current) ?? list[0];
      choose(keep?.id ?? "", list);
    };
    select.addEventListener("change", onChange);
    return () => select.removeEventListener("change", onChange);
  }, []);

  // The change listener above outlives renders: it reads the choice through this ref.
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  return (
    <fieldset
      class="mt-6"
      aria-describedby={error ? "shippingRateId-error" : undefined}
      data-shipping-choice
    >
      <legend class="text-base font-semibold text-ink">Delivery method</legend>
      {rates.length === 0
        ? <p class="mt-2 text-sm text-stone-600">Choose a country to see the delivery options.</p>
        : (
          <ul class="mt-3 space-y-2">
            {rates.map((rate, i) => (
              <li key={rate.id}>
                <label class="flex cursor-pointer items-center gap-3 rounded-lg px-4 py-3 ring-1 ring-inset ring-stone-300 hover:bg-stone-50">
                  <input
                    type="radio"
                    name="shippingRateId"
                    id={i === 0 ? "shippingRateId" : `shippingRateId-${rate.id}`}
                    value={rate.id}
                    checked={rate.id === selected}
                    onChange={() => choose(rate.id)}
                    aria-invalid={error ? "true" : undefined}
                    class={`h-4 w-4 accent-brand-600 ${FOCUS_RING}`}
                  />
                  <span class="flex-1 text-sm text-ink">{rate.label}</span>
                  <span class="text-sm font-semibold tabular-nums text-ink" data-rate-amount>
                    {priceOf(rate, digits)}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        )}
      {error && (
        <p id="shippingRateId-error" class="mt-2 text-sm font-medium text-red-700">
          <span class="sr-only">Error:</span> {error}
        </p>
      )}
      {!ready && (
        <Button type="submit" name="intent" value="update" variant="secondary" class="mt-3">
          Show delivery options for the chosen country
        </Button>
      )}
      <p role="status" aria-live="polite" class={`mt-2 ${LIVE_MESSAGE}`} data-tone={message?.tone}>
        {message?.text}
      </p>
    </fieldset>
  );
}
