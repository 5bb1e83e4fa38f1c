/**
 * The header's "Cart" link with a pill counting the units in the cart. On pages with cart
 * islands the count alone is the CartCountLive island, so it follows them; the link and its
 * icon stay server HTML either way. Server-only.
 */
import CartCountLive from "../islands/CartCountLive.tsx";
import { CartCount } from "./CartCount.tsx";
import { NAV_LINK } from "./styles.ts";

export interface CartLinkProps {
  /** Units in the cart. */
  count: number;
  /** The cart page itself is showing. */
  current?: boolean;
  /** The page has islands that change the cart: the count follows them (an island). */
  live?: boolean;
}

export function CartLink({ count, current = false, live = false }: CartLinkProps) {
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
      {live ? <CartCountLive count={count} /> : <CartCount count={count} />}
    </a>
  );
}
