/**
 * A small typed client for the part of Razorpay's REST API Settle uses (orders, payments,
 * capture, refunds), on fetch: Basic auth, JSON bodies, a timeout per request through
 * AbortSignal, zod-parsed answers (only the fields Settle relies on) and Razorpay's errors
 * as the provider errors of ../provider.ts. The same code talks to api.razorpay.com or to
 * the embedded emulator (`baseUrl`). Why not `npm:razorpay`: docs/ARCHITECTURE.md.
 */
import { z } from "zod";
import {
  type ProviderErrorDetails,
  ProviderRejectedError,
  ProviderUnavailableError,
} from "../provider.ts";

export const RAZORPAY_API_BASE = "https://api.razorpay.com";

export interface RazorpayClientOptions {
  keyId: string;
  keySecret: string;
  /** Where the API lives (no trailing `/v1`); default api.razorpay.com. */
  baseUrl?: string;
  /** Per request. Default 20 000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const notes = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish()
  .transform((n) =>
    n && !Array.isArray(n)
      ? Object.fromEntries(Object.entries(n).map(([k, v]) => [k, String(v)]))
      : {}
  );

export const RazorpayOrderSchema = z.object({
  id: z.string().min(1),
  amount: z.number().int(),
  amount_paid: z.number().int().nullish(),
  amount_due: z.number().int().nullish(),
  currency: z.string(),
  receipt: z.string().nullish(),
  status: z.string(),
  notes,
  created_at: z.number().nullish(),
});
export type RazorpayOrder = z.infer<typeof RazorpayOrderSchema>;

export const RazorpayPaymentSchema = z.object({
  id: z.string().min(1),
  amount: z.number().int(),
  currency: z.string(),
  /** created, authorized, captured, refunded or failed. */
  status: z.string(),
  order_id: z.string().nullish(),
  method: z.string().nullish(),
  captured: z.boolean().nullish(),
  email: z.string().nullish(),
  amount_refunded: z.number().int().nullish(),
  error_code: z.string().nullish(),
  error_description: z.string().nullish(),
  error_reason: z.string().nullish(),
  notes,
  created_at: z.number().nullish(),
});
export type RazorpayPayment = z.infer<typeof RazorpayPaymentSchema>;

const CollectionSchema = <T extends z.ZodType>(item: T) =>
  z.object({ count: z.number().int().nullish(), items: z.array(item) });

export const RazorpayRefundSchema = z.object({
  id: z.string().min(1),
  amount: z.number().int(),
  currency: z.string(),
  payment_id: z.string().nullish(),
  /** pending, processed or failed. */
  status: z.string(),
  receipt: z.string().nullish(),
  notes,
});
export type RazorpayRefund = z.infer<typeof RazorpayRefundSchema>;

const ErrorBody = z.object({
  error: z.object({
    code: z.string().nullish(),
    description: z.string().nullish(),
    reason: z.string().nullish(),
    field: z.string().nullish(),
  }),
});

export interface CreateOrderParams {
  /** Minor units. */
  amount: number;
  /** Upper case, as Razorpay writes it; lower case is upper-cased here. */
  currency: string;
  receipt: string;
  notes?: Record<string, string>;
}

export interface RefundParams {
  /** Minor units; omitted refunds the rest. */
  amount?: number;
  /** Razorpay's refund idempotency: the same receipt for the same payment is one refund. */
  receipt: string;
  notes?: Record<string, string>;
  /**
   * Sent as `X-Refund-Idempotency` (letters, digits, `-` and `_`, at least 10): the same key
   * with the same request answers with the refund it made instead of making another.
   */
  idempotencyKey?: string;
}

export interface RazorpayClient {
  readonly keyId: string;
  createOrder(params: CreateOrderParams): Promise<RazorpayOrder>;
  fetchOrder(id: string): Promise<RazorpayOrder>;
  orderPayments(orderId: string): Promise<RazorpayPayment[]>;
  fetchPayment(id: string): Promise<RazorpayPayment>;
  capturePayment(id: string, amount: number, currency: string): Promise<RazorpayPayment>;
  refund(paymentId: string, params: RefundParams): Promise<RazorpayRefund>;
  fetchRefund(id: string): Promise<RazorpayRefund>;
}

/** Ids travel in paths: anything but Razorpay's id alphabet is refused before a request. */
const SAFE_ID = /^[A-Za-z0-9_]{1,64}$/;

export function createRazorpayClient(options: RazorpayClientOptions): RazorpayClient {
  const base = (options.baseUrl ?? RAZORPAY_API_BASE).replace(/\/+$/, "");
  const auth = `Basic ${btoa(`${options.keyId}:${options.keySecret}`)}`;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const doFetch = options.fetch ?? fetch;

  async function call<T>(
    action: string,
    method: "GET" | "POST",
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const details: ProviderErrorDetails = { provider: "razorpay", action };
    let res: Response;
    try {
      res = await doFetch(`${base}/v1${path}`, {
        method,
        headers: {
          authorization: auth,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new ProviderUnavailableError(
        `Razorpay request failed (${action}): ${message}`,
        details,
      );
    }
    let json: unknown = null;
    try {
      json = await res.json();
    } catch {
      // An unreadable body: judged by the status below.
    }
    const requestId = res.headers.get("x-razorpay-request-id");
    if (requestId) details.requestId = requestId;
    if (!res.ok) {
      details.statusCode = res.status;
      const parsed = ErrorBody.safeParse(json);
      if (parsed.success) {
        if (parsed.data.error.code) details.type = parsed.data.error.code;
        if (parsed.data.error.reason) details.providerCode = parsed.data.error.reason;
      }
      const message = `Razorpay ${action} failed: ${
        parsed.success ? parsed.data.error.description ?? res.status : res.status
      }`;
      if (res.status >= 400 && res.status < 500 && res.status !== 409 && res.status !== 429) {
        throw new ProviderRejectedError(message, details);
      }
      throw new ProviderUnavailableError(message, details);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ProviderUnavailableError(
        `Razorpay returned an unreadable object (${action})`,
        details,
      );
    }
    return parsed.data;
  }

  function id(action: string, value: string): string {
    if (!SAFE_ID.test(value)) {
      throw new ProviderRejectedError(`Razorpay ${action}: not a Razorpay id`, {
        provider: "razorpay",
        action,
      });
    }
    return value;
  }

  return {
    keyId: options.keyId,
    createOrder: (p) =>
      call("create_order", "POST", "/orders", RazorpayOrderSchema, {
        amount: p.amount,
        currency: p.currency.toUpperCase(),
        receipt: p.receipt,
        notes: p.notes ?? {},
      }),
    fetchOrder: (orderId) =>
      call("fetch_order", "GET", `/orders/${id("fetch_order", orderId)}`, RazorpayOrderSchema),
    orderPayments: async (orderId) =>
      (await call(
        "order_payments",
        "GET",
        `/orders/${id("order_payments", orderId)}/payments`,
        CollectionSchema(RazorpayPaymentSchema),
      )).items,
    fetchPayment: (paymentId) =>
      call(
        "fetch_payment",
        "GET",
        `/payments/${id("fetch_payment", paymentId)}`,
        RazorpayPaymentSchema,
      ),
    capturePayment: (paymentId, amount, currency) =>
      call(
        "capture_payment",
        "POST",
        `/payments/${id("capture_payment", paymentId)}/capture`,
        RazorpayPaymentSchema,
        { amount, currency: currency.toUpperCase() },
      ),
    refund: (paymentId, p) =>
      call(
        "refund",
        "POST",
        `/payments/${id("refund", paymentId)}/refund`,
        RazorpayRefundSchema,
        {
          ...(p.amount !== undefined ? { amount: p.amount } : {}),
          receipt: p.receipt,
          notes: p.notes ?? {},
        },
        p.idempotencyKey ? { "x-refund-idempotency": p.idempotencyKey } : {},
      ),
    fetchRefund: (refundId) =>
      call("fetch_refund", "GET", `/refunds/${id("fetch_refund", refundId)}`, RazorpayRefundSchema),
  };
}
