/**
 * The lines of a cart under review or of a saved order: what, how many, at what unit price,
 * and the line total. Read-only; the cart page has its own editable lines.
 */
import { Price } from "./Price.tsx";
import { CARD } from "./styles.ts";

export interface OrderItemLine {
  title: string;
  /** Minor units. */
  unitAmount: number;
  quantity: number;
  lineTotal: number;
  /** A picture under static/ (the checkout review shows them; saved orders have none). */
  image?: string;
  /** A problem to fix before paying (sold out, fewer left…). */
  problem?: string | null;
}

export interface OrderItemsProps {
  items: OrderItemLine[];
  currency: string;
  /** The section's accessible name. */
  label?: string;
}

export function OrderItems({ items, currency, label = "Items" }: OrderItemsProps) {
  return (
    <section aria-label={label} class={`${CARD} px-5 sm:px-6`}>
      <ul class="divide-y divide-stone-200">
        {items.map((item, i) => (
          <li key={i} class="flex items-start gap-4 py-5" data-order-line={item.title}>
            {item.image && (
              <img
                src={item.image}
                alt=""
                width={80}
                height={60}
                class="h-14 w-[4.5rem] shrink-0 rounded-lg bg-stone-100 object-cover sm:h-16 sm:w-20"
              />
            )}
            <div class="min-w-0 flex-1">
              <p class="font-semibold text-ink">{item.title}</p>
              <p class="mt-1 text-sm text-stone-600">
                <span data-quantity>
                  <span class="sr-only">Quantity</span> {item.quantity}
                </span>{" "}
                × <Price amount={item.unitAmount} currency={currency} />
                <span class="sr-only">each</span>
              </p>
              {item.problem && <p class="mt-1 text-sm font-medium text-amber-700">{item.problem}
              </p>}
            </div>
            <p class="shrink-0 font-semibold text-ink">
              <span class="sr-only">Line total</span>
              <Price amount={item.lineTotal} currency={currency} />
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
