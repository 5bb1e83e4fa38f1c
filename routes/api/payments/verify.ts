/**
 * POST /api/payments/verify: Razorpay Checkout's handler response, `{orderId,
 * razorpay_order_id, razorpay_payment_id, razorpay_signature}`. A bad signature is 400
 * `invalid_signature` and changes nothing; a good one makes Settle ask Razorpay and apply
 * what it says (lib/checkout/razorpay_verify.ts). Answers the order's shopper status.
 */
import type { Handlers } from "$fresh/types.ts";
import { verifyRazorpayPayment, VerifyRequestSchema } from "@/lib/checkout/razorpay_verify.ts";
import { readJson } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const body = await readJson(req, VerifyRequestSchema);
    return Response.json(await verifyRazorpayPayment(ctx.state, body));
  },
};
