/**
 * The header's "Cart" link with a pill counting the units in the cart. Pages that cannot
 * change the cart render it as is; pages with cart islands wrap it in the CartBadge island
 * so the count follows them. Client-safe: the island imports it.
 */
import { NAV_LINK } from "./styles.ts";

export interface CartLinkProps {
  /** Units in the cart. */
  count: number;
  /** The cart page itself is showing. */
  current?: boolean;
}

export function CartLink({ count, current = false }: CartLinkProps) {
  return (
    <a href="/cart" class={NAV_LINK} aria-current={current ? "page" : undefined}>
      <svg
        viewBox="0 0 24 24"
        class="h-5 w-5"
        fill="none"
        stroke="currentColor"
        stroke-width="1.8"
        aria-hidden="true"
      >
        <path
          stroke-linecap="round"
          stroke-linejoin="round"
          d="M3 4h2l2.2 10.2a2 2 0 0 0 2 1.6h7.6a2 2 0 0 0 2-1.5L21 8H6.2M10 20h.01M17 20h.01"
        />
      </svg>
      Cart
      {/* A classless wrapper: the UA's [hidden] rule must not lose to the pill's display. */}
      <span hidden={count === 0}>
        <span
          class="inline-flex h-6 min-w-[1.5rem] items-center justify-center rounded-full bg-brand-600 px-1.5 text-xs font-bold text-white tabular-nums"
          data-cart-count
          aria-hidden="true"
        >
          {count}
        </span>
      </span>
      <span class="sr-only">
        {count === 0 ? "(empty)" : `${count} ${count === 1 ? "item" : "items"}`}
      </span>
    </a>
  );
}
