/**
 * One line of the cart page: picture, title, unit price, quantity, line total and a
 * remove button. The line total carries `data-line-total` so QuantityStepper can rewrite it,
 * and dims while the stepper marks it `aria-busy`.
 */
import QuantityStepper from "../islands/QuantityStepper.tsx";
import { MAX_QUANTITY } from "../lib/cart/service.ts";
import { minorUnitDigits } from "../lib/orders/money.ts";
import type { CartLine } from "../lib/cart/types.ts";
import { Button } from "./Button.tsx";
import { Price } from "./Price.tsx";
import { BUSY_DIMS, FOCUS_RING } from "./styles.ts";

/** Why a line cannot be bought as it stands, if it cannot. */
export function lineProblem(line: CartLine): string | null {
  if (!line.active) return "No longer for sale. Remove it to check out.";
  if (line.available === 0) return "Sold out. Remove it to check out.";
  if (line.quantity > line.available) return `Only ${line.available} left. Lower the quantity.`;
  return null;
}

export function CartLineItem({ line, currency }: { line: CartLine; currency: string }) {
  const href = `/products/${line.slug}`;
  const problem = lineProblem(line);
  return (
    <li
      class="grid grid-cols-[5rem_1fr] gap-x-4 gap-y-4 py-6 sm:grid-cols-[8rem_1fr_auto] sm:gap-x-6"
      data-line={line.productId}
    >
      <a
        href={href}
        tabIndex={-1}
        aria-hidden="true"
        class="block h-16 w-20 overflow-hidden rounded-xl bg-stone-100 sm:h-24 sm:w-32"
      >
        <img src={line.image} alt="" width={128} height={96} class="h-full w-full object-cover" />
      </a>
      <div class="min-w-0">
        <h2 class="font-semibold text-ink">
          <a href={href} class={`rounded hover:text-brand-700 hover:underline ${FOCUS_RING}`}>
            {line.title}
          </a>
        </h2>
        <p class="mt-1 text-sm text-stone-600">
          <Price amount={line.unitAmount} currency={currency} /> each
        </p>
        {problem && <p class="mt-1 text-sm font-medium text-amber-700">{problem}</p>}
      </div>
      <div class="col-span-2 flex items-start justify-between gap-4 sm:col-span-1 sm:gap-6">
        <div class="w-40">
          {line.active
            ? (
              <QuantityStepper
                productId={line.productId}
                title={line.title}
                quantity={line.quantity}
                max={line.unique ? 1 : Math.min(MAX_QUANTITY, line.available)}
                digits={minorUnitDigits(currency)}
              />
            )
            : <p class="py-2 text-sm text-stone-600">Quantity {line.quantity}</p>}
        </div>
        <div class="flex min-w-[5.5rem] flex-col items-end gap-1">
          <span class="sr-only">Line total</span>
          <Price
            amount={line.lineTotal}
            currency={currency}
            class={`py-1.5 font-semibold text-ink ${BUSY_DIMS}`}
            data-line-total={line.productId}
          />
          <form method="post" action="/cart">
            <input type="hidden" name="action" value="remove" />
            <input type="hidden" name="productId" value={line.productId} />
            <Button type="submit" variant="danger" size="sm" class="-mr-3">
              Remove<span class="sr-only">{line.title}</span>
            </Button>
          </form>
        </div>
      </div>
    </li>
  );
}
