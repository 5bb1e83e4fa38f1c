/**
 * The header's cart link on pages that can change the cart: it starts from the count the
 * server read and then follows the shared cartCount signal, so adding or changing a line
 * moves it without a reload. It is a polite live region, so a screen reader hears the new
 * count ("Cart 3 items") as it changes.
 */
import { useEffect } from "preact/hooks";
import { CartLink, type CartLinkProps } from "../components/CartLink.tsx";
import { cartCount } from "../lib/cart/cart_count_signal.ts";
import { useSignalValue } from "$fresh/use_signal_value.ts";

export default function CartBadge({ count, current }: CartLinkProps) {
  const shared = useSignalValue(cartCount);
  useEffect(() => {
    if (cartCount.peek() === null) cartCount.value = count;
  }, []);
  return (
    <span aria-live="polite" aria-atomic="true">
      <CartLink count={shared ?? count} current={current} />
    </span>
  );
}
