/**
 * The cart page. GET renders the cart priced from the catalog now; POST takes the small
 * forms on this page and on product pages (add, set, remove), so the shop works without
 * JavaScript: a change answers 303 back here, a refused one re-renders the cart saying why.
 */
import { z } from "zod";
import type { Handlers, PageProps } from "$fresh/types.ts";
import { LinkButton } from "@/components/Button.tsx";
import { CartLineItem, lineProblem } from "@/components/CartLineItem.tsx";
import { CartSummary } from "@/components/CartSummary.tsx";
import { Notice } from "@/components/Notice.tsx";
import { Page, type PageMeta } from "@/components/Page.tsx";
import { CARD } from "@/components/styles.ts";
import { requestCart, withCartCookie } from "@/lib/cart/cart_request.ts";
import {
  addItem,
  cartLimits,
  getCartView,
  MAX_QUANTITY,
  ProductIdSchema,
  removeItem,
  setQuantity,
} from "@/lib/cart/service.ts";
import type { CartView } from "@/lib/cart/types.ts";
import { readCartId } from "@/lib/http/cart_cookie.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { readForm } from "@/lib/http/form_body.ts";
import { parseInput } from "@/lib/http/json_body.ts";
import type { ShopState } from "./_middleware.ts";

interface Data extends PageMeta {
  view: CartView;
  /** Why the posted change was refused. */
  error: string | null;
}

const FormQuantity = z.coerce.number().int().min(1).max(MAX_QUANTITY);
const CartForm = z.discriminatedUnion("action", [
  z.object({ action: z.literal("add"), productId: ProductIdSchema, quantity: FormQuantity }),
  z.object({ action: z.literal("set"), productId: ProductIdSchema, quantity: FormQuantity }),
  z.object({ action: z.literal("remove"), productId: ProductIdSchema }),
]);

/** One shopper's cart: never kept by a shared cache, and read afresh after "back". */
const PRIVATE = { "cache-control": "no-store" };

/** Refusals shown on the cart page itself; anything else goes to the error page. */
const SHOWN_ON_PAGE = new Set([400, 404, 422]);

export const handler: Handlers<Data, ShopState> = {
  async GET(req, ctx) {
    const { kv, secret, config } = ctx.state;
    const view = await getCartView(kv, await readCartId(req, secret), config.currency);
    return ctx.render({ title: "Your cart", liveCart: view.count > 0, view, error: null }, {
      headers: PRIVATE,
    });
  },

  async POST(req, ctx) {
    // Forms from other sites were refused before this (lib/app.ts).
    const { state } = ctx;
    const cart = await requestCart(req, state);
    let action: string;
    try {
      const fields = Object.fromEntries(await readForm(req));
      const input = parseInput(CartForm, fields, "Choose a whole number from 1 to 99");
      action = input.action;
      const limits = cartLimits(state.config);
      if (input.action === "add") await addItem(state.kv, cart.id, input, limits);
      else if (input.action === "set") {
        await setQuantity(state.kv, cart.id, input.productId, input.quantity, limits);
      } else await removeItem(state.kv, cart.id, input.productId);
    } catch (thrown) {
      const err = toAppError(thrown);
      if (!err || !SHOWN_ON_PAGE.has(err.status)) throw thrown;
      const view = await getCartView(
        state.kv,
        cart.existing ? cart.id : null,
        state.config.currency,
      );
      state.cartCount = view.count;
      return ctx.render(
        { title: "Your cart", liveCart: view.count > 0, view, error: err.message },
        { status: err.status },
      );
    }
    const back = new Response(null, { status: 303, headers: { location: "/cart" } });
    // A first "add" mints the cart; other changes renew an existing one.
    return cart.existing || action === "add"
      ? await withCartCookie(back, req, state, cart.id)
      : back;
  },
};

export default function CartPage({ data: { view, error }, state }: PageProps<Data, ShopState>) {
  const taxLabel = state.config.taxLabel;
  const needsAttention = view.items.some((line) => lineProblem(line) !== null);
  return (
    <Page heading="Your cart">
      {error && <Notice tone="error" title="Your cart was not changed" class="mb-6">{error}
      </Notice>}
      {view.items.length === 0
        ? (
          <div class={`${CARD} px-6 py-12 text-center`}>
            <p class="text-lg font-semibold text-ink">Your cart is empty.</p>
            <p class="mt-1 text-stone-600">Find something good to brew.</p>
            <LinkButton href="/" size="lg" class="mt-6">Browse the shop</LinkButton>
          </div>
        )
        : (
          <div class="grid gap-8 lg:grid-cols-[1fr_20rem] lg:items-start">
            <section aria-label="Items in your cart" class={`${CARD} px-5 sm:px-6`}>
              <ul class="divide-y divide-stone-200">
                {view.items.map((line) => (
                  <CartLineItem key={line.productId} line={line} currency={view.currency} />
                ))}
              </ul>
            </section>
            <CartSummary
              subtotal={view.subtotal}
              total={view.total}
              currency={view.currency}
              taxLabel={taxLabel}
            >
              {needsAttention && (
                <p class="text-sm font-medium text-amber-700">
                  Some items need a change before checkout.
                </p>
              )}
              <LinkButton href="/checkout" size="lg" block>Checkout</LinkButton>
              <LinkButton href="/" variant="ghost" block>Continue shopping</LinkButton>
            </CartSummary>
          </div>
        )}
    </Page>
  );
}
