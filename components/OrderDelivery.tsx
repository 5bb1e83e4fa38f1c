/**
 * What a shopper's order pages say beside the items: where the order goes and how, how it
 * was paid, when it was placed, and the link to keep as the receipt. Server-only.
 */
import type { ShopperOrderView } from "../lib/checkout/checkout_state.ts";
import { formatMoney } from "../lib/orders/money.ts";
import { CARD, TEXT_LINK } from "./styles.ts";

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });

/** The time of purchase in the shop's time zone, e.g. "2 December 2026 at 3:04 pm". */
export const purchaseTime = (iso: string) =>
  new Date(iso).toLocaleString("en-NZ", {
    dateStyle: "long",
    timeStyle: "short",
    timeZone: "Pacific/Auckland",
  });

/** "Visa ending 4242", "Card", or the method's own word. */
export function paymentMethodWords(method: ShopperOrderView["paymentMethod"]): string | null {
  if (!method) return null;
  const brand = method.brand
    ? method.brand.charAt(0).toUpperCase() + method.brand.slice(1)
    : method.type === "card"
    ? "Card"
    : method.type.replaceAll("_", " ");
  return method.last4 ? `${brand} ending ${method.last4}` : brand;
}

export function OrderDelivery(
  { order, receiptUrl }: { order: ShopperOrderView; receiptUrl: string },
) {
  const { delivery } = order;
  const paidWith = paymentMethodWords(order.paymentMethod);
  const a = delivery?.address;
  return (
    <section aria-labelledby="delivery-heading" class={`${CARD} p-5 sm:p-6`} data-order-delivery>
      <h2 id="delivery-heading" class="text-lg font-semibold text-ink">Delivery and payment</h2>
      <dl class="mt-4 grid gap-4 text-sm sm:grid-cols-2">
        {a && (
          <div>
            <dt class="text-stone-600">Delivery address</dt>
            <dd class="mt-1 text-ink">
              <address class="not-italic" data-delivery-address>
                {[
                  a.name,
                  a.line1,
                  a.line2,
                  [a.city, a.region, a.postalCode].filter(Boolean).join(" "),
                  regionNames.of(a.country) ?? a.country,
                ].filter(Boolean).map((line, i) => <span key={i} class="block">{line}</span>)}
              </address>
            </dd>
          </div>
        )}
        {delivery && (
          <div>
            <dt class="text-stone-600">Delivery method</dt>
            <dd class="mt-1 text-ink" data-delivery-method>
              {delivery.method} ·{" "}
              <span class="tabular-nums">
                {delivery.amount === 0 ? "Free" : formatMoney(delivery.amount, order.currency)}
              </span>
            </dd>
          </div>
        )}
        {order.email && (
          <div>
            <dt class="text-stone-600">E-mail</dt>
            <dd class="mt-1 break-all text-ink">{order.email}</dd>
          </div>
        )}
        {paidWith && (
          <div>
            <dt class="text-stone-600">Paid with</dt>
            <dd class="mt-1 text-ink" data-payment-method>{paidWith}</dd>
          </div>
        )}
        <div>
          <dt class="text-stone-600">Placed</dt>
          <dd class="mt-1 text-ink">
            <time dateTime={order.createdAt} data-purchase-time>
              {purchaseTime(order.createdAt)}
            </time>
          </dd>
        </div>
        <div>
          <dt class="text-stone-600">Receipt</dt>
          <dd class="mt-1">
            <a href={receiptUrl} class={TEXT_LINK} data-receipt-link>
              Receipt for order {order.number}
            </a>
            <span class="mt-1 block text-xs text-stone-600">
              Keep this link: it always shows this order as it stands.
            </span>
          </dd>
        </div>
      </dl>
    </section>
  );
}
