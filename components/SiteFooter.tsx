/** The shop's footer. */
import { SHOP_NAME } from "./Page.tsx";
import { CONTAINER, FOCUS_RING } from "./styles.ts";

export function SiteFooter() {
  return (
    <footer class="mt-16 border-t border-stone-200 bg-white">
      <div
        class={`${CONTAINER} flex flex-col gap-2 py-8 text-sm text-stone-600 sm:flex-row sm:justify-between`}
      >
        <p>
          {SHOP_NAME} · small-batch coffee and brewing gear from Aotearoa. Prices in NZD.
        </p>
        <p>
          <a href="/cart" class={`rounded underline hover:text-ink ${FOCUS_RING}`}>Your cart</a>
        </p>
      </div>
    </footer>
  );
}
