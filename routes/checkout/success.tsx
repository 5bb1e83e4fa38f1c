/**
 * Where the payment page sends the shopper back: `/checkout/success?session_id=…` (a Stripe
 * session, or the Razorpay order id after the popup's handler and verify). The
 * server asks the provider itself (orderBySession), so a paid session shows paid at once
 * even before its webhook; a pending one is polled by the CheckoutStatus island. A payment
 * that does not match the order shows under review, not paid. An unknown session is a 404
 * page that says what to do.
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { CartSummary } from "@/components/CartSummary.tsx";
import { OrderDelivery } from "@/components/OrderDelivery.tsx";
import { OrderItems } from "@/components/OrderItems.tsx";
import { OrderProblem, orderProblemTitle } from "@/components/OrderProblem.tsx";
import { Page, type PageMeta } from "@/components/Page.tsx";
import { COLUMNS } from "@/components/styles.ts";
import CheckoutStatus from "@/islands/CheckoutStatus.tsx";
import type { ShopperOrderView } from "@/lib/checkout/checkout_state.ts";
import { orderBySession } from "@/lib/checkout/order_status.ts";
import { orderLinks, SessionIdSchema } from "@/lib/checkout/shopper_pages.ts";
import { z } from "zod";
import { NotFoundError } from "@/lib/http/errors.ts";
import type { ShopState } from "../_middleware.ts";

type Data =
  & PageMeta
  & (
    | {
      found: true;
      sessionId: string;
      order: ShopperOrderView;
      token: string;
      statusUrl: string;
      taxLabel: string;
    }
    | { found: false }
  );

const PRIVATE = { "cache-control": "no-store" };

/**
 * A Stripe session (the hosted page's return), or a Razorpay order id (order_…): where the
 * Razorpay popup's handler sends the shopper after verify; the index maps it to the order.
 */
const PaidWith = z.union([SessionIdSchema, z.string().regex(/^order_[A-Za-z0-9]{1,58}$/)]);

export const handler: Handlers<Data, ShopState> = {
  async GET(_req, ctx) {
    const parsed = PaidWith.safeParse(ctx.url.searchParams.get("session_id"));
    const missing = () =>
      ctx.render({ title: orderProblemTitle("unknown_session"), found: false }, {
        status: 404,
        headers: PRIVATE,
      });
    if (!parsed.success) return await missing();
    let order: ShopperOrderView;
    try {
      order = await orderBySession(ctx.state, parsed.data);
    } catch (err) {
      if (err instanceof NotFoundError) return await missing();
      throw err;
    }
    const { token, statusUrl } = await orderLinks(ctx.state.secret, order.id);
    return ctx.render({
      title: `Order ${order.number}`,
      // A paid order's items leave the cart: the header's count follows.
      liveCart: true,
      found: true,
      sessionId: parsed.data,
      order,
      token,
      statusUrl,
      taxLabel: ctx.state.config.taxLabel,
    }, { headers: PRIVATE });
  },
};

export default function CheckoutSuccess({ data }: PageProps<Data>) {
  if (!data.found) return <OrderProblem kind="unknown_session" />;
  const { order, sessionId, token, statusUrl, taxLabel } = data;
  const placed = new Date(order.createdAt).toLocaleDateString("en-NZ", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "Pacific/Auckland",
  });
  return (
    <Page
      eyebrow="Checkout"
      heading={
        <>
          Order <span class="whitespace-nowrap">{order.number}</span>
        </>
      }
      lead={`Placed ${placed}`}
    >
      <div class={COLUMNS}>
        <div class="flex flex-col gap-6">
          <CheckoutStatus
            sessionId={sessionId}
            orderId={order.id}
            number={order.number}
            token={token}
            status={order.status}
            emailKnown={order.emailKnown}
          />
          <OrderItems items={order.items} currency={order.currency} label="Items in this order" />
          <OrderDelivery order={order} receiptUrl={statusUrl} />
        </div>
        <CartSummary
          heading="Order total"
          subtotal={order.subtotal}
          total={order.total}
          currency={order.currency}
          shipping={order.delivery && {
            label: order.delivery.method,
            amount: order.delivery.amount,
          }}
          taxLabel={taxLabel}
        />
      </div>
    </Page>
  );
}
