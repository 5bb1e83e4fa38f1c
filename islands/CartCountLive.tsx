/**
 * The header cart link's count on pages that can change the cart: it starts from the count
 * the server read and then follows the shared cartCount signal, so adding or changing a line
 * moves it without a reload. Only the count is an island (the link and its icon stay server
 * HTML); it is a polite live region, so a screen reader hears the new count ("3 items").
 */
import { useEffect } from "preact/hooks";
import { CartCount } from "../components/CartCount.tsx";
import { cartCount } from "../lib/cart/cart_count_signal.ts";
import { useSignalValue } from "$fresh/use_signal_value.ts";

export default function CartCountLive({ count }: { count: number }) {
  const shared = useSignalValue(cartCount);
  useEffect(() => {
    if (cartCount.peek() === null) cartCount.value = count;
  }, []);
  return (
    <span aria-live="polite" aria-atomic="true">
      <CartCount count={shared ?? count} />
    </span>
  );
}
