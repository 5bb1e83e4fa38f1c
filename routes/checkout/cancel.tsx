/**
 * Where the payment page's "cancel" link (and an expired session) leads:
 * `/checkout/cancel?order=…&token=…`. It shows the saved order and "Retry payment" to its
 * owner (the token, or the cart cookie that placed it); 403 for anyone else, 404 for an
 * unknown order. POST is the no-JS retry: 303 to the new payment page, or the page again
 * saying why not.
 */
import type { FreshContext, Handlers, PageProps } from "$fresh/types.ts";
import { LinkButton } from "@/components/Button.tsx";
import { CartSummary } from "@/components/CartSummary.tsx";
import { Notice } from "@/components/Notice.tsx";
import { OrderItems } from "@/components/OrderItems.tsx";
import {
  OrderProblem,
  type OrderProblemKind,
  orderProblemTitle,
} from "@/components/OrderProblem.tsx";
import { Page, type PageMeta } from "@/components/Page.tsx";
import { COLUMNS } from "@/components/styles.ts";
import { RetryChoice } from "@/components/RetryChoice.tsx";
import {
  providerHeaders,
  type ShopperProviders,
  shopperProviders,
} from "@/lib/checkout/shopper_providers.ts";
import { shopperMessage } from "@/lib/checkout/checkout_client.ts";
import {
  canRetry,
  type CheckoutState,
  checkoutState,
  type ShopperOrderView,
  UNDER_REVIEW_TEXT,
  UNDER_REVIEW_TITLE,
} from "@/lib/checkout/checkout_state.ts";
import { ownedOrderView } from "@/lib/checkout/order_status.ts";
import { retryCheckout } from "@/lib/checkout/retry_session.ts";
import { orderLinks, requestOwner } from "@/lib/checkout/shopper_pages.ts";
import { BadGatewayError, ForbiddenError, NotFoundError, toAppError } from "@/lib/http/errors.ts";
import { getCartCount } from "@/lib/cart/service.ts";
import { readCartId } from "@/lib/http/cart_cookie.ts";
import { readForm } from "@/lib/http/form_body.ts";
import type { ShopState } from "../_middleware.ts";

type Data =
  & PageMeta
  & (
    | {
      problem: null;
      order: ShopperOrderView;
      token: string;
      statusUrl: string;
      providers: ShopperProviders;
      error: string | null;
    }
    | { problem: OrderProblemKind }
  );

const PRIVATE = { "cache-control": "no-store" };
/** Refusals of a retry shown on the page itself. */
const SHOWN_ON_PAGE = new Set([409, 422, 429, 502]);

/** The page for `orderId` as its owner sees it, or the 403/404 page. */
async function renderOrder(
  req: Request,
  ctx: FreshContext<ShopState, Data>,
  orderId: string | null,
  token: string | null,
  error: { status: number; message: string } | null = null,
): Promise<Response> {
  const problem = (kind: OrderProblemKind, status: number) =>
    ctx.render({ title: orderProblemTitle(kind), problem: kind }, { status, headers: PRIVATE });
  if (!orderId) return await problem("unknown_order", 404);
  let order: ShopperOrderView;
  try {
    order = await ownedOrderView(ctx.state, orderId, await requestOwner(req, ctx.state, token));
  } catch (err) {
    if (err instanceof NotFoundError) return await problem("unknown_order", 404);
    if (err instanceof ForbiddenError) return await problem("forbidden", 403);
    throw err;
  }
  const links = await orderLinks(ctx.state.secret, order.id);
  const providers = shopperProviders(ctx.state);
  return await ctx.render({
    title: `Order ${order.number} not paid`,
    problem: null,
    order,
    ...links,
    providers,
    error: error?.message ?? null,
  }, { status: error?.status ?? 200, headers: providerHeaders(providers, PRIVATE) });
}

export const handler: Handlers<Data, ShopState> = {
  GET(req, ctx) {
    const query = ctx.url.searchParams;
    return renderOrder(req, ctx, query.get("order"), query.get("token"));
  },

  async POST(req, ctx) {
    const { state } = ctx;
    const form = await readForm(req);
    const orderId = form.get("order");
    const token = form.get("token") || null;
    let refusal: { status: number; message: string } | null = null;
    if (orderId) {
      try {
        const session = await retryCheckout(state, orderId, await requestOwner(req, state, token));
        if (!session.url) throw new BadGatewayError("The payment page has no address");
        return new Response(null, { status: 303, headers: { location: session.url } });
      } catch (thrown) {
        const err = toAppError(thrown);
        if (!err) throw thrown;
        const shown = SHOWN_ON_PAGE.has(err.status);
        if (!shown && err.status !== 403 && err.status !== 404) throw thrown;
        // 403 and 404 get their own pages, and a paid order's page says it is paid.
        if (shown && err.code !== "order_paid" && err.code !== "payment_under_review") {
          refusal = { status: err.status, message: shopperMessage(err.status, err.message) };
        }
      }
    }
    // The middleware reads the header's count for GETs only.
    state.cartCount = await getCartCount(state.kv, await readCartId(req, state.secret));
    return await renderOrder(req, ctx, orderId, token, refusal);
  },
};

function words(state: CheckoutState, number: string): [string, string] {
  switch (state) {
    case "paid":
      return ["This order is already paid", `Order ${number} is paid. Thank you!`];
    case "under_review":
      return [UNDER_REVIEW_TITLE, UNDER_REVIEW_TEXT];
    case "cancelled":
      return [
        "This order was cancelled",
        `Order ${number} can no longer be paid. Nothing was charged.`,
      ];
    default:
      return [
        "Your payment wasn’t completed",
        `${state === "failed" ? "Your payment was declined. " : ""}No money was taken and ` +
        `your cart is as you left it. Order ${number} is saved, so you can pay for it now.`,
      ];
  }
}

export default function CheckoutCancel({ data }: PageProps<Data>) {
  if (data.problem) return <OrderProblem kind={data.problem} />;
  const { order, token, statusUrl, providers, error } = data;
  const state = checkoutState(order.status);
  const payable = canRetry(order.status);
  const [heading, lead] = words(state, order.number);
  return (
    <Page eyebrow="Checkout" heading={heading} lead={lead}>
      <div class={COLUMNS}>
        <div class="flex flex-col gap-6">
          {error && <Notice tone="error" title="Payment not started">{error}</Notice>}
          {state === "paid" && (
            <Notice tone="success" title="Payment received">
              Nothing more to do here: the order’s status page shows how it is going.
            </Notice>
          )}
          <OrderItems items={order.items} currency={order.currency} label="Items in this order" />
        </div>
        <CartSummary
          heading="Order total"
          subtotal={order.subtotal}
          total={order.total}
          currency={order.currency}
        >
          {payable && <RetryChoice orderId={order.id} token={token} providers={providers} />}
          <LinkButton href={statusUrl} variant={payable ? "secondary" : "primary"} block>
            View order status
          </LinkButton>
          <LinkButton href="/cart" variant="ghost" block>Back to your cart</LinkButton>
        </CartSummary>
      </div>
    </Page>
  );
}
