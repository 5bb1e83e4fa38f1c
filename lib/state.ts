/** What every route receives in `ctx.state`: the app's dependencies and per-request values. */
import type { AdminCredential, AdminSession } from "./admin/auth.ts";
import type { Config } from "./config.ts";
import type { Health } from "./health.ts";
import type { PaymentProvider } from "./payments/provider.ts";
import type { RazorpayClient } from "./payments/razorpay/client.ts";

/** Razorpay, when PAYMENT_PROVIDERS offers it: real, or the embedded emulator. */
export interface RazorpayDeps {
  /** Handed to the shopper's checkout (public). */
  keyId: string;
  /** Verifies the checkout's payment signatures. */
  keySecret: string;
  /** Verifies `X-Razorpay-Signature` on webhooks. */
  webhookSecret: string;
  client: RazorpayClient;
  /** Razorpay Checkout's script for the shopper's page: the emulator's, else Razorpay's. */
  checkoutUrl?: string;
}

export interface AppDeps {
  config: Config;
  kv: Deno.Kv;
  provider: PaymentProvider;
  /** Set when Razorpay is offered (config.paymentProviders); absent or null otherwise. */
  razorpay?: RazorpayDeps | null;
  /** Signs cookies and owner tokens (config.sessionSecret or the dev secret). */
  secret: string;
  /** Injected clock, so tests can move time. */
  now: () => Date;
  /** Background work's heartbeat for /readyz (set by lib/runtime.ts). */
  health?: Health;
  /** The admin secret to check sign-ins against (generated in development). */
  adminCredential?: AdminCredential;
}

export interface State extends AppDeps {
  /** The request id echoed in `x-request-id` and log lines. */
  requestId: string;
  /** The client's address (see lib/http/client_ip.ts), for per-client caps. */
  clientIp: string;
  /** Set by the admin middleware for signed-in admins (or the API token). */
  admin?: AdminSession;
}
