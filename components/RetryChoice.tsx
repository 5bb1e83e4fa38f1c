/**
 * "Retry payment" once per provider the shop offers: by card (Stripe) and through Razorpay.
 * The cancel page and the order status page offer the same choice. Server-only.
 */
import { SHOP_NAME } from "./Page.tsx";
import RazorpayPay from "../islands/RazorpayPay.tsx";
import RetryPayment from "../islands/RetryPayment.tsx";
import {
  CARD_WORDS,
  RAZORPAY_NEEDS_JS,
  RAZORPAY_WORDS,
  type ShopperProviders,
} from "../lib/checkout/shopper_providers.ts";

export interface RetryChoiceProps {
  orderId: string;
  /** The order's signed token (the owner's proof on another device). */
  token: string;
  providers: ShopperProviders;
}

export function RetryChoice({ orderId, token, providers }: RetryChoiceProps) {
  const both = providers.card && providers.razorpay !== null;
  return (
    <>
      {providers.card && (
        <RetryPayment orderId={orderId} token={token} words={both ? CARD_WORDS : undefined} />
      )}
      {providers.razorpay && (
        <RazorpayPay
          scriptUrl={providers.razorpay.scriptUrl}
          shopName={SHOP_NAME}
          label={`Retry payment ${RAZORPAY_WORDS}`}
          orderId={orderId}
          token={token}
          variant={providers.card ? "secondary" : "primary"}
          cardOffered={providers.card}
          noScript={RAZORPAY_NEEDS_JS}
        />
      )}
    </>
  );
}
