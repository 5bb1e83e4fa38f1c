/** The shop's header: name, navigation and the cart link with its count. */
import { CartLink } from "./CartLink.tsx";
import { SHOP_NAME } from "./Page.tsx";
import { CONTAINER, FOCUS_RING, NAV_LINK } from "./styles.ts";

export interface SiteHeaderProps {
  /** Units in the shopper's cart when the page was rendered. */
  cartCount: number;
  /** The current path, to mark the current section. */
  path: string;
  /** The page has islands that change the cart: the count must follow them live. */
  liveCart?: boolean;
}

export function SiteHeader({ cartCount, path, liveCart = false }: SiteHeaderProps) {
  const inShop = path === "/" || path.startsWith("/products/");
  return (
    <header class="border-b border-stone-200 bg-white/90">
      <div class={`${CONTAINER} flex h-16 items-center justify-between gap-4`}>
        <a href="/" class={`flex items-center gap-2 rounded-lg ${FOCUS_RING}`}>
          <img src="/favicon.svg" alt="" width={32} height={32} class="h-8 w-8" />
          <span class="text-lg font-bold tracking-tight text-ink">{SHOP_NAME}</span>
        </a>
        <nav aria-label="Main">
          <ul class="flex items-center gap-1">
            <li>
              <a href="/" class={NAV_LINK} aria-current={inShop ? "page" : undefined}>Shop</a>
            </li>
            <li>
              <CartLink count={cartCount} current={path === "/cart"} live={liveCart} />
            </li>
          </ul>
        </nav>
      </div>
    </header>
  );
}
