/**
 * POST /api/payments/create-order: the Razorpay side of create-checkout-session. The local
 * order is placed first with the same placement code (create_session.ts `placeOrder`:
 * owner-scoped Idempotency-Key, holds, stock), or a saved order is paid by its owner; then
 * a Razorpay order is created for the order's total (`receipt` = the order number,
 * `notes.order_id`) and tied to the order in one commit: the `session_created` fact (the
 * Razorpay order id is the session id) and `["orders_by_session", "razorpay", id]`.
 *
 * Razorpay orders cannot be closed: a repeated request reuses the order's current Razorpay
 * order while it is unpaid and for the same amount, and twins arriving together take turns
 * (opening_claim.ts) instead of each creating one. A Stripe session the order still has
 * open is closed first (payment_page.ts `closeSession`), so one order is never payable at
 * both providers at once.
 */
import { z } from "zod";
import { CHECKOUT_REQUEST_TTL_MS, keys } from "../db/keys.ts";
import { getOrder } from "../db/orders.ts";
import { BusinessRuleError, NotFoundError, ValidationError } from "../http/errors.ts";
import { log } from "../log.ts";
import { type FactSource, type Order } from "../orders/types.ts";
import type { RazorpayOrder } from "../payments/razorpay/client.ts";
import type { AppDeps, RazorpayDeps } from "../state.ts";
import { markDone, type Task } from "../tasks/outbox.ts";
import { abandonRetake, prepareRetake } from "../stock/retake.ts";
import { attachSession } from "./attach_session.ts";
import { withOpeningClaim } from "./opening_claim.ts";
import { type CheckoutInput, CheckoutRequestSchema, placeOrder } from "./create_session.ts";
import { signOrderToken } from "./owner_token.ts";
import { type AttemptRecord, closeSession, refuseUnpayable } from "./payment_page.ts";
import { ownedOrder, type Owner } from "./retry_session.ts";
import { applyRazorpayPayments } from "./razorpay_verify.ts";

/** The body: a checkout request (items or the cart, details), or a saved order and its token. */
export const CreateOrderRequestSchema = CheckoutRequestSchema.extend({
  orderId: z.string().min(1).max(100).optional(),
  token: z.string().max(200).optional(),
});
export type CreateOrderRequest = z.infer<typeof CreateOrderRequestSchema>;

export interface RazorpayOrderResult {
  provider: "razorpay";
  /** The public key the popup opens with. */
  keyId: string;
  providerOrderId: string;
  /** Minor units: the order's total, shipping included. */
  amount: number;
  /** Upper case, as Razorpay Checkout wants it. */
  currency: string;
  orderId: string;
  orderNumber: string;
  orderToken: string;
}

/** Razorpay orders still open for payment (not `paid`). */
const OPEN = new Set(["created", "attempted"]);

export function razorpayOf(deps: AppDeps): RazorpayDeps {
  if (!deps.razorpay) {
    throw new BusinessRuleError("provider_not_enabled", "Razorpay is not offered by this shop", {
      provider: "razorpay",
    });
  }
  return deps.razorpay;
}

export async function createRazorpayOrder(
  deps: AppDeps,
  input: CheckoutInput & { orderId?: string; token?: string },
  owner: Owner,
): Promise<RazorpayOrderResult> {
  const rzp = razorpayOf(deps);
  if (input.orderId !== undefined) {
    const extra = (["items", "metadata", "customer", "shipping", "shippingRateId"] as const)
      .filter((k) => input[k] !== undefined);
    if (extra.length) {
      throw new ValidationError(
        "A saved order is paid as it is: send only orderId and token",
        extra.map((path) => ({ path, message: "not allowed with orderId" })),
      );
    }
    const order = await ownedOrder(deps, input.orderId, { ...owner, token: input.token ?? null });
    return await openRazorpayOrder(deps, rzp, order.id);
  }
  const orderId = await placeOrder(deps, input, { provider: "razorpay", requireDelivery: true });
  return await openRazorpayOrder(deps, rzp, orderId);
}

/**
 * The order's Razorpay order: its current one while usable, else a new one, tied to it.
 * `fresh` (the admin's retry) always opens a new one, once the current one's payments
 * are recorded.
 */
export async function openRazorpayOrder(
  deps: AppDeps,
  rzp: RazorpayDeps,
  orderId: string,
  source: FactSource = { kind: "system" },
  options: { fresh?: boolean } = {},
): Promise<RazorpayOrderResult> {
  return await withOpeningClaim(
    deps.kv,
    orderId,
    deps.now,
    () => openHoldingClaim(deps, rzp, orderId, source, options),
  );
}

async function openHoldingClaim(
  deps: AppDeps,
  rzp: RazorpayDeps,
  orderId: string,
  source: FactSource,
  { fresh = false }: { fresh?: boolean },
): Promise<RazorpayOrderResult> {
  let order = (await getOrder(deps.kv, orderId)).value;
  if (!order) throw new NotFoundError("No such order", { orderId });
  await refuseUnpayable(deps, order);
  const current = order.payment.sessionId;
  if (current && isRazorpayOrderId(current)) {
    const existing = await rzp.client.fetchOrder(current);
    // Money may have come meanwhile (the webhook is late): recorded, then 409 below.
    order = await applyRazorpayPayments(deps, rzp, order, existing.id);
    await refuseUnpayable(deps, order);
    if (!fresh && OPEN.has(existing.status) && matches(order, existing)) {
      return await resultFor(deps, rzp, order, existing);
    }
  } else if (current) {
    // A Stripe session: closed first, or its payment recorded (then 409).
    order = await closeSession(deps, order, current);
    await refuseUnpayable(deps, order);
  }
  const retake = await prepareRetake(deps.kv, order, {
    now: deps.now,
    windowMs: deps.config.placementWindowMs,
  });
  try {
    const created = await rzp.client.createOrder({
      amount: order.total,
      currency: order.currency,
      receipt: order.number,
      notes: { order_id: order.id, order_number: order.number },
    });
    const after = await attach(deps, order, created.id, source);
    return await resultFor(deps, rzp, after, created);
  } catch (err) {
    if (retake?.started) {
      await abandonRetake(deps.kv, order.id, retake.taskId, { now: deps.now }).catch((undo) =>
        log("warn", "could not give back a retake at once", {
          orderId: order!.id,
          error: undo instanceof Error ? undo.message : String(undo),
        })
      );
    }
    throw err;
  }
}

export function isRazorpayOrderId(id: string): boolean {
  return id.startsWith("order_");
}

function matches(order: Order, rzpOrder: RazorpayOrder): boolean {
  return rzpOrder.amount === order.total &&
    rzpOrder.currency.toLowerCase() === order.currency.toLowerCase();
}

/**
 * The attach commit: the `session_created` fact, the Razorpay index, the checkout attempt
 * marked attached and the lapse task retired (as a Stripe session's attach does).
 */
async function attach(
  deps: AppDeps,
  order: Order,
  providerOrderId: string,
  source: FactSource,
): Promise<Order> {
  const attemptKey = keys.checkoutAttempt(order.id);
  return await attachSession(
    deps,
    order.id,
    { sessionId: providerOrderId, provider: "razorpay" },
    source,
    async (op) => {
      op.set(keys.orderBySession("razorpay", providerOrderId), order.id);
      const attempt = (await deps.kv.get<AttemptRecord>(attemptKey)).value;
      if (attempt && attempt.state !== "attached") {
        const { lapseTaskId, ...rest } = attempt;
        op.set(attemptKey, { ...rest, state: "attached" }, { expireIn: CHECKOUT_REQUEST_TTL_MS });
        if (lapseTaskId) {
          const task = await deps.kv.get<Task>(keys.task(lapseTaskId));
          if (task.value?.status === "pending") {
            markDone(op, task as Deno.KvEntry<Task>, "a Razorpay order was attached", deps.now());
          }
        }
      }
    },
  ).catch((err) => {
    // Razorpay orders cannot be closed: an unpaid one is left to lapse at Razorpay, and a
    // payment on it still finds the order through `notes.order_id`.
    log("warn", "a Razorpay order could not be tied to its order", {
      orderId: order.id,
      providerOrderId,
      error: err instanceof Error ? err.message : String(err),
    });
    throw err;
  });
}

async function resultFor(
  deps: AppDeps,
  rzp: RazorpayDeps,
  order: Order,
  rzpOrder: RazorpayOrder,
): Promise<RazorpayOrderResult> {
  return {
    provider: "razorpay",
    keyId: rzp.keyId,
    providerOrderId: rzpOrder.id,
    amount: rzpOrder.amount,
    currency: rzpOrder.currency.toUpperCase(),
    orderId: order.id,
    orderNumber: order.number,
    orderToken: await signOrderToken(deps.secret, order.id),
  };
}
