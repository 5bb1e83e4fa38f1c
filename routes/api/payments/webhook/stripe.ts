// The same route as /api/payments/webhook (which stays): Stripe's, under its provider's name.
export { handler } from "../webhook.ts";
