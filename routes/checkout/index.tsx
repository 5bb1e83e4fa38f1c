/**
 * Checkout: the cart under review (items, unit prices, quantities, total, currency) and the
 * Pay button. GET renders it with an idempotency key made for this page view; POST is the
 * no-JS path of the Pay form: it opens the session with the posted key and answers 303 to
 * the payment page, or renders the review again saying why not.
 */
import { z } from "zod";
import type { Handlers, PageProps } from "$fresh/types.ts";
import { LinkButton } from "@/components/Button.tsx";
import { lineProblem } from "@/components/CartLineItem.tsx";
import { CartSummary } from "@/components/CartSummary.tsx";
import { Notice } from "@/components/Notice.tsx";
import { OrderItems } from "@/components/OrderItems.tsx";
import { Page, type PageMeta } from "@/components/Page.tsx";
import { CARD, TEXT_LINK } from "@/components/styles.ts";
import PayButton from "@/islands/PayButton.tsx";
import { getCartView } from "@/lib/cart/service.ts";
import type { CartView } from "@/lib/cart/types.ts";
import { shopperMessage } from "@/lib/checkout/checkout_client.ts";
import { cartCheckoutKey, createCheckout } from "@/lib/checkout/create_session.ts";
import { checkoutOwner } from "@/lib/checkout/shopper_pages.ts";
import { readCartId } from "@/lib/http/cart_cookie.ts";
import { BadGatewayError, toAppError } from "@/lib/http/errors.ts";
import { readForm } from "@/lib/http/form_body.ts";
import { formatMoney } from "@/lib/orders/money.ts";
import type { ShopState } from "../_middleware.ts";

interface Data extends PageMeta {
  view: CartView;
  idempotencyKey: string;
  error: { title: string; message: string } | null;
}

const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/);

/** Refusals shown on the review itself; anything else goes to the error page. */
const SHOWN_ON_PAGE = new Set([400, 409, 422, 429, 502]);

const PRIVATE = { "cache-control": "no-store" };

export const handler: Handlers<Data, ShopState> = {
  async GET(req, ctx) {
    const { kv, secret, config } = ctx.state;
    const cartId = await readCartId(req, secret);
    const view = await getCartView(kv, cartId, config.currency);
    const idempotencyKey = await cartCheckoutKey(kv, cartId);
    return ctx.render(
      { title: "Checkout", view, idempotencyKey, error: null },
      { headers: PRIVATE },
    );
  },

  async POST(req, ctx) {
    const { state } = ctx;
    const { cartId, owner, holders } = await checkoutOwner(req, state);
    const posted = IdempotencyKey.safeParse((await readForm(req)).get("idempotencyKey"));
    const idempotencyKey = posted.success ? posted.data : crypto.randomUUID();
    try {
      const session = await createCheckout(state, { cartId, owner, holders, idempotencyKey });
      if (!session.url) throw new BadGatewayError("The payment page has no address");
      return new Response(null, { status: 303, headers: { location: session.url } });
    } catch (thrown) {
      const err = toAppError(thrown);
      if (!err || !SHOWN_ON_PAGE.has(err.status)) throw thrown;
      const view = await getCartView(state.kv, cartId, state.config.currency);
      state.cartCount = view.count;
      const title = err.status === 422
        ? "Something in your cart can’t be bought right now"
        : "Payment not started";
      const message = err.status === 422
        ? `${err.message}. Update your cart, then pay.`
        : shopperMessage(err.status, err.message);
      // The same key again: a second try reaches the order this one may have placed.
      return ctx.render({ title: "Checkout", view, idempotencyKey, error: { title, message } }, {
        status: err.status,
        headers: PRIVATE,
      });
    }
  },
};

export default function Checkout({ data: { view, idempotencyKey, error } }: PageProps<Data>) {
  const lines = view.items.map((line) => ({ ...line, problem: lineProblem(line) }));
  const blocked = lines.some((line) => line.problem !== null);
  return (
    <Page
      heading="Checkout"
      lead="Check your order, then pay on a secure payment page."
      eyebrow={<a href="/cart" class={TEXT_LINK}>← Back to your cart</a>}
    >
      {error && <Notice tone="error" title={error.title} class="mb-6">{error.message}</Notice>}
      {view.items.length === 0
        ? (
          <div class={`${CARD} px-6 py-12 text-center`}>
            <p class="text-lg font-semibold text-ink">Your cart is empty.</p>
            <p class="mt-1 text-stone-600">Add something to your cart, then come back to pay.</p>
            <LinkButton href="/" size="lg" class="mt-6">Browse the shop</LinkButton>
          </div>
        )
        : (
          <div class="grid gap-8 lg:grid-cols-[1fr_22rem] lg:items-start">
            <OrderItems items={lines} currency={view.currency} label="Items in your order" />
            <CartSummary
              heading="Total to pay"
              subtotal={view.subtotal}
              total={view.total}
              currency={view.currency}
            >
              {blocked && (
                <p class="text-sm font-medium text-amber-700">
                  Some items need a change before you can pay.{" "}
                  <a href="/cart" class={TEXT_LINK}>Update your cart</a>
                </p>
              )}
              <PayButton
                idempotencyKey={idempotencyKey}
                amount={formatMoney(view.total, view.currency)}
                disabled={blocked}
              />
              <p class="text-xs leading-relaxed text-stone-600">
                You’ll pay on Stripe’s secure page. Your cart is kept until the payment goes
                through.
              </p>
            </CartSummary>
          </div>
        )}
    </Page>
  );
}
