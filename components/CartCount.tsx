/**
 * The cart link's count: a pill with the units (hidden when empty) and the words a screen
 * reader reads ("(empty)", "3 items"). Client-safe: the CartCountLive island renders it too.
 */
export function CartCount({ count }: { count: number }) {
  return (
    <>
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
    </>
  );
}
