/**
 * Typed errors mapped to HTTP statuses in one place. Services throw these; the app's
 * error handler turns them into `{error: {code, message, details?}}` with the right status.
 */
import { CommitConflictError } from "../db/atomic.ts";
import { DuplicateProductError } from "../db/products.ts";
import { ProviderError, WebhookVerificationError } from "../payments/provider.ts";
import {
  PlacementAbandonedError,
  RetakeNeededError,
  StockBelowZeroError,
  StockInputError,
} from "../stock/errors.ts";

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed (zod issues go in details). */
export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, "invalid_request", message, details);
  }
}
/** 401: no credentials, or wrong ones. */
export class UnauthorizedError extends AppError {
  constructor(message = "Authentication required") {
    super(401, "unauthorized", message);
  }
}
/** 403: credentials are fine but do not reach this resource. */
export class ForbiddenError extends AppError {
  constructor(message = "Forbidden") {
    super(403, "forbidden", message);
  }
}
/** 404: unknown resource. */
export class NotFoundError extends AppError {
  constructor(message = "Not found", details?: unknown) {
    super(404, "not_found", message, details);
  }
}
/** 409: the resource's state does not allow this (e.g. order already paid). */
export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(409, code, message, details);
  }
}
/** 413: body too large. */
export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super(413, "payload_too_large", `Request body exceeds ${limit} bytes`, {
      limit,
    });
  }
}
/** 422: well-formed but breaks a business rule (out of stock, inactive product, …). */
export class BusinessRuleError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(422, code, message, details);
  }
}
/** 408: the client did not finish sending its body in time. */
export class RequestTimeoutError extends AppError {
  constructor(ms: number) {
    super(408, "request_timeout", `The request body did not arrive within ${ms / 1000} s`);
  }
}
/** 429: rate limited. */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    const wait = retryAfterSeconds === 1 ? "1 second" : `${retryAfterSeconds} seconds`;
    super(429, "rate_limited", `Too many requests: please try again in ${wait}`, {
      retryAfter: retryAfterSeconds,
    });
  }
}
/** 502: the payment provider (or another upstream) failed. */
export class BadGatewayError extends AppError {
  constructor(message: string, details?: unknown, code = "provider_unavailable") {
    super(502, code, message, details);
  }
}

/** 503: storage contention outlasted the retries; the client may try again shortly. */
export class ServiceBusyError extends AppError {
  constructor() {
    super(503, "busy", "The shop is busy: please try again in a moment");
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * The HTTP meaning of a thrown value: lower layers (lib/db, lib/payments) throw their own
 * errors, and this is the one place they become statuses. null for anything unexpected.
 */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof CommitConflictError) return new ServiceBusyError();
  if (err instanceof ProviderError) return new BadGatewayError(err.message, err.details, err.code);
  if (err instanceof WebhookVerificationError) {
    return new AppError(400, "webhook_verification_failed", err.message, { reason: err.reason });
  }
  if (err instanceof DuplicateProductError) {
    return new ConflictError("product_exists", err.message, err.details);
  }
  if (err instanceof StockBelowZeroError) {
    return new ConflictError("stock_below_zero", err.message, err.details);
  }
  if (err instanceof StockInputError) {
    return err.notFound ? new NotFoundError(err.message) : new ValidationError(err.message);
  }
  if (err instanceof PlacementAbandonedError) {
    return new ConflictError(
      "checkout_timed_out",
      "Placing your order took too long, so it was undone. Please try again.",
    );
  }
  if (err instanceof RetakeNeededError) {
    return new ConflictError(
      "stock_moved",
      "Your order's items changed while the payment page opened. Please try again.",
    );
  }
  return null;
}

/** Headers an error's response carries, JSON or page alike. */
export function errorHeaders(err: AppError | null): Headers {
  const headers = new Headers();
  if (err instanceof RateLimitedError) headers.set("retry-after", String(err.retryAfterSeconds));
  if (err instanceof ServiceBusyError) headers.set("retry-after", "1");
  // A client that trickled its body gets no second request on this connection.
  if (err instanceof RequestTimeoutError) headers.set("connection", "close");
  return headers;
}

/** The JSON response for any thrown value; unknown errors become an opaque 500. */
export function errorResponse(thrown: unknown): Response {
  const err = toAppError(thrown);
  if (err) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return Response.json(body, { status: err.status, headers: errorHeaders(err) });
  }
  return Response.json(
    {
      error: {
        code: "internal_error",
        message: "Something went wrong on our side",
      },
    },
    { status: 500 },
  );
}
