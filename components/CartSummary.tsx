/**
 * A cart's or order's money box: subtotal, shipping (its own line, when the order ships),
 * the tax-inclusive total with the tax named, what was paid and refunded (order pages) and
 * what to do next. The amounts carry `data-cart-subtotal` / `data-cart-total` so
 * QuantityStepper can rewrite them; it marks them `aria-busy` (dimmed) until the server
 * answers.
 */
import type { ComponentChildren } from "preact";
import type { PublicOrderView } from "../lib/orders/order.ts";
import { formatMoney } from "../lib/orders/money.ts";
import { Price } from "./Price.tsx";
import { BUSY_DIMS, CARD } from "./styles.ts";

export interface CartSummaryProps {
  subtotal: number;
  total: number;
  currency: string;
  heading?: string;
  /** An order's money so far: "Paid" and "Refunded" rows when they are not zero. */
  amounts?: PublicOrderView["amounts"];
  /**
   * The delivery line: its method and amount (`data-shipping-label` / `data-shipping-amount`,
   * which ShippingChoice rewrites); absent when nothing ships.
   */
  shipping?: { label: string; amount: number } | null;
  /** Names the tax the prices include, e.g. "incl. GST" (config TAX_LABEL); "" says nothing. */
  taxLabel?: string;
  /** Buttons and notes under the total (e.g. the "Checkout" link). */
  children?: ComponentChildren;
}

export function CartSummary(
  {
    subtotal,
    total,
    currency,
    heading = "Order summary",
    amounts,
    shipping,
    taxLabel = "",
    children,
  }: CartSummaryProps,
) {
  return (
    <section aria-labelledby="summary-heading" class={`${CARD} p-6`}>
      <h2 id="summary-heading" class="text-lg font-semibold text-ink">{heading}</h2>
      <dl class="mt-4 space-y-3 text-sm">
        <div class="flex justify-between text-stone-600">
          <dt>Subtotal</dt>
          <dd>
            <Price amount={subtotal} currency={currency} class={BUSY_DIMS} data-cart-subtotal />
          </dd>
        </div>
        {shipping && (
          <div class="flex justify-between gap-4 text-stone-600" data-shipping-line>
            <dt>
              Shipping{" "}
              <span class="block text-xs text-stone-600" data-shipping-label>
                {shipping.label}
              </span>
            </dt>
            <dd class="tabular-nums" data-shipping-amount>
              {shipping.amount === 0 ? "Free" : formatMoney(shipping.amount, currency)}
            </dd>
          </div>
        )}
        <div class="flex justify-between border-t border-stone-200 pt-3 text-base font-semibold text-ink">
          <dt>Total</dt>
          <dd>
            <Price amount={total} currency={currency} class={BUSY_DIMS} data-cart-total />{" "}
            <span class="text-xs font-medium text-stone-600">{currency.toUpperCase()}</span>
            {taxLabel && (
              <span class="block text-right text-xs font-medium text-stone-600" data-tax-label>
                {taxLabel}
              </span>
            )}
          </dd>
        </div>
        {amounts && amounts.received > 0 && (
          <div class="flex justify-between text-stone-600">
            <dt>Paid</dt>
            <dd>
              <Price amount={amounts.received} currency={currency} data-amount-paid />
            </dd>
          </div>
        )}
        {amounts && amounts.refunded > 0 && (
          <div class="flex justify-between text-stone-600">
            <dt>Refunded</dt>
            <dd>
              <Price amount={amounts.refunded} currency={currency} data-amount-refunded />
            </dd>
          </div>
        )}
      </dl>
      {children && <div class="mt-6 flex flex-col gap-3">{children}</div>}
    </section>
  );
}
