/**
 * A shopper's order status page, `/orders/:id?token=…`: number, status and payment in plain
 * words (preparing or sent, refunds), items, totals and what was paid and refunded, and
 * "Retry payment" while the order can still be paid. Only the owner sees it (the signed
 * token, or the cart cookie that placed the order).
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { LinkButton } from "@/components/Button.tsx";
import { CartSummary } from "@/components/CartSummary.tsx";
import { OrderDelivery } from "@/components/OrderDelivery.tsx";
import { OrderItems } from "@/components/OrderItems.tsx";
import {
  OrderProblem,
  type OrderProblemKind,
  orderProblemTitle,
} from "@/components/OrderProblem.tsx";
import { Page, type PageMeta } from "@/components/Page.tsx";
import { CARD, COLUMNS } from "@/components/styles.ts";
import { RetryChoice } from "@/components/RetryChoice.tsx";
import {
  providerHeaders,
  type ShopperProviders,
  shopperProviders,
} from "@/lib/checkout/shopper_providers.ts";
import {
  canRetry,
  type CheckoutState,
  checkoutState,
  orderExplanation,
  orderStatusWords,
  PAYMENT_STATUS_WORDS,
  type ShopperOrderView,
} from "@/lib/checkout/checkout_state.ts";
import { ownedOrderView } from "@/lib/checkout/order_status.ts";
import { OrderIdSchema, orderLinks, requestOwner } from "@/lib/checkout/shopper_pages.ts";
import { ForbiddenError, NotFoundError } from "@/lib/http/errors.ts";
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
      taxLabel: string;
    }
    | { problem: OrderProblemKind }
  );

const PRIVATE = { "cache-control": "no-store" };

export const handler: Handlers<Data, ShopState> = {
  async GET(req, ctx) {
    const problem = (kind: OrderProblemKind, status: number) =>
      ctx.render({ title: orderProblemTitle(kind), problem: kind }, { status, headers: PRIVATE });
    const id = OrderIdSchema.safeParse(ctx.params.id);
    if (!id.success) return await problem("unknown_order", 404);
    const token = ctx.url.searchParams.get("token");
    let order: ShopperOrderView;
    try {
      order = await ownedOrderView(ctx.state, id.data, await requestOwner(req, ctx.state, token));
    } catch (err) {
      if (err instanceof NotFoundError) return await problem("unknown_order", 404);
      if (err instanceof ForbiddenError) return await problem("forbidden", 403);
      throw err;
    }
    const links = await orderLinks(ctx.state.secret, order.id);
    const providers = shopperProviders(ctx.state);
    return ctx.render({
      title: `Order ${order.number}`,
      problem: null,
      order,
      ...links,
      providers,
      taxLabel: ctx.state.config.taxLabel,
    }, { headers: providerHeaders(providers, PRIVATE) });
  },
};

const TONES: Record<CheckoutState, string> = {
  paid: "bg-green-100 text-green-800",
  under_review: "bg-amber-100 text-amber-900",
  pending: "bg-amber-100 text-amber-900",
  failed: "bg-red-100 text-red-800",
  expired: "bg-red-100 text-red-800",
  cancelled: "bg-stone-200 text-stone-800",
};

const dateTime = (iso: string) =>
  new Date(iso).toLocaleString("en-NZ", {
    dateStyle: "long",
    timeStyle: "short",
    timeZone: "Pacific/Auckland",
  });

export default function OrderStatusPage({ data }: PageProps<Data>) {
  if (data.problem) return <OrderProblem kind={data.problem} />;
  const { order, token, statusUrl, taxLabel, providers } = data;
  const state = checkoutState(order.status);
  const payable = canRetry(order.status);
  return (
    <Page
      eyebrow="Your order"
      heading={
        <>
          Order <span class="whitespace-nowrap">{order.number}</span>
        </>
      }
      lead={`Placed ${dateTime(order.createdAt)}`}
    >
      <div class={COLUMNS}>
        <div class="flex flex-col gap-6">
          <section aria-labelledby="status-heading" class={`${CARD} p-5 sm:p-6`}>
            <h2 id="status-heading" class="text-lg font-semibold text-ink">Status</h2>
            <dl class="mt-4 grid gap-4 text-sm sm:grid-cols-3">
              <div>
                <dt class="text-stone-600">Order</dt>
                <dd class="mt-1">
                  <span
                    class={`inline-flex rounded-full px-2.5 py-1 font-semibold ${TONES[state]}`}
                    data-order-status={order.status}
                  >
                    {orderStatusWords(order)}
                  </span>
                </dd>
              </div>
              <div>
                <dt class="text-stone-600">Payment</dt>
                <dd
                  class="mt-1 py-1 font-semibold text-ink"
                  data-payment-status={order.paymentStatus}
                >
                  {PAYMENT_STATUS_WORDS[order.paymentStatus]}
                </dd>
              </div>
              <div>
                <dt class="text-stone-600">Last change</dt>
                <dd class="mt-1 py-1 text-ink">{dateTime(order.updatedAt)}</dd>
              </div>
            </dl>
            <p class="mt-4 text-sm leading-relaxed text-stone-700">{orderExplanation(order)}</p>
          </section>
          <OrderItems items={order.items} currency={order.currency} label="Items in this order" />
          <OrderDelivery order={order} receiptUrl={statusUrl} />
        </div>
        <CartSummary
          heading="Order total"
          subtotal={order.subtotal}
          total={order.total}
          currency={order.currency}
          amounts={order.amounts}
          shipping={order.delivery && {
            label: order.delivery.method,
            amount: order.delivery.amount,
          }}
          taxLabel={taxLabel}
        >
          {payable && <RetryChoice orderId={order.id} token={token} providers={providers} />}
          {state === "pending" && (
            <LinkButton href={statusUrl} variant="secondary" block>Check again</LinkButton>
          )}
          <LinkButton href="/" variant={payable ? "ghost" : "primary"} block>
            Continue shopping
          </LinkButton>
        </CartSummary>
      </div>
    </Page>
  );
}
