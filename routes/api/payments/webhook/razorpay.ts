import type { Handlers } from "$fresh/types.ts";
import { ingestRazorpayWebhook } from "@/lib/webhooks/razorpay.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  // 2xx only after the fact is committed; a storage failure throws → 5xx → Razorpay retries.
  async POST(req, ctx) {
    const result = await ingestRazorpayWebhook(ctx.state, await req.text(), req.headers);
    return Response.json({
      received: true,
      eventId: result.eventId,
      outcome: result.alreadyProcessed ? "already_processed" : result.outcome.kind,
    });
  },
};
