/** One product on the catalog grid: picture, title, price, stock and an add button. */
import AddToCart from "../islands/AddToCart.tsx";
import { MAX_QUANTITY } from "../lib/cart/service.ts";
import type { ShelfItem } from "../lib/catalog/shelf.ts";
import { Availability } from "./Availability.tsx";
import { Price } from "./Price.tsx";
import { CARD, FOCUS_RING } from "./styles.ts";

export function ProductCard({ product }: { product: ShelfItem }) {
  const href = `/products/${product.slug}`;
  return (
    <li class={`${CARD} group flex flex-col overflow-hidden`} data-product={product.slug}>
      {/* The title link below is the one a keyboard or screen reader uses. */}
      <a href={href} tabIndex={-1} aria-hidden="true" class="block bg-stone-100">
        <img
          src={product.image}
          alt=""
          width={400}
          height={300}
          class="aspect-[4/3] w-full object-cover transition-opacity group-hover:opacity-90"
        />
      </a>
      <div class="flex flex-1 flex-col gap-3 p-5">
        <div class="flex items-start justify-between gap-3">
          <h2 class="text-base font-semibold leading-snug text-ink">
            <a href={href} class={`rounded hover:text-brand-700 hover:underline ${FOCUS_RING}`}>
              {product.title}
            </a>
          </h2>
          <Price
            amount={product.unitAmount}
            currency={product.currency}
            class="shrink-0 text-base font-semibold text-ink"
          />
        </div>
        <Availability stock={product.stock} />
        <div class="mt-auto pt-1">
          <AddToCart
            productId={product.id}
            title={product.title}
            available={product.stock}
            max={product.unique ? 1 : MAX_QUANTITY}
          />
        </div>
      </div>
    </li>
  );
}
