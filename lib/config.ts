/**
 * The one place the environment is read. Parsed once with zod; a bad value stops
 * start-up with a message naming the variable. Development needs no variables at all.
 */
import { z } from "zod";
import { LOG_LEVELS, type LogLevel } from "./log.ts";

export const DEFAULT_SHOP_TIME_ZONE = "Pacific/Auckland";
export const DEFAULT_TAX_LABEL = "incl. GST";
/** shop/shipping.json of this checkout, whatever the working directory. */
export const DEFAULT_SHIPPING_RATES_FILE = decodeURIComponent(
  new URL("../shop/shipping.json", import.meta.url).pathname,
);

export const PAYMENT_PROVIDER_NAMES = ["stripe", "razorpay"] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDER_NAMES)[number];

const intFrom = (fallback: number, min = 0, max = 1_000_000) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Whether the platform's Intl knows `zone`, the test the admin's time formatting relies on. */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const flag = z.enum(["1", "0", "true", "false", "yes", "no", ""]).transform((
  v,
) => v === "1" || v === "true" || v === "yes").default(false);

const EnvSchema = z.object({
  PORT: intFrom(8000, 0, 65535),
  /**
   * The interface to listen on. Outside production only this machine (127.0.0.1): development
   * runs the emulator with generated secrets. `HOST=0.0.0.0` widens it.
   */
  HOST: z.string().trim().regex(/^[0-9A-Za-z.:-]+$/, "must be an address or host name")
    .optional(),
  SETTLE_ENV: z.enum(["development", "test", "production"]).default(
    "development",
  ),
  KV_PATH: z.string().trim().min(1, "must not be empty (unset it for the default file)")
    .optional(),
  PUBLIC_ORIGIN: z.url({ protocol: /^https?$/ }).optional(),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters")
    .optional(),
  STRIPE_SECRET_KEY: z.string().startsWith("sk_").optional(),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_").optional(),
  /**
   * Another Stripe-compatible API instead of api.stripe.com, e.g. one emulator shared by
   * several Settle processes (tests/reliability). Never honoured in production.
   */
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * The payment providers the shop offers, e.g. `stripe,razorpay`. Default: both outside
   * production (each emulated when its keys are unset), `stripe` in production.
   */
  PAYMENT_PROVIDERS: z.string().trim().transform((s, ctx) => {
    const names = [...new Set(s.split(",").map((n) => n.trim().toLowerCase()).filter(Boolean))];
    const unknown = names.filter((n) => !(PAYMENT_PROVIDER_NAMES as readonly string[]).includes(n));
    if (unknown.length || names.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `must list one or more of ${PAYMENT_PROVIDER_NAMES.join(", ")}` +
          (unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""),
      });
      return z.NEVER;
    }
    return names as PaymentProviderName[];
  }).optional(),
  RAZORPAY_KEY_ID: z.string().trim().regex(
    /^rzp_(test|live)_\w+$/,
    "must be rzp_test_… or rzp_live_…",
  )
    .optional(),
  RAZORPAY_KEY_SECRET: z.string().min(8, "must be at least 8 characters").optional(),
  RAZORPAY_WEBHOOK_SECRET: z.string().min(8, "must be at least 8 characters").optional(),
  /** Another Razorpay API (e.g. a shared emulator) for a test key; unset: api.razorpay.com. */
  RAZORPAY_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  /** Port of the embedded Razorpay emulator; 0 picks a free one. */
  RAZORPAY_EMULATOR_PORT: intFrom(0, 0, 65535),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  ADMIN_PASSWORD_HASH: z.string().min(1).optional(),
  ADMIN_API_TOKEN: z.string().min(16).optional(),
  CURRENCY: z.string().regex(/^[a-zA-Z]{3}$/).transform((s) => s.toLowerCase())
    .default(
      "nzd",
    ),
  ORDER_NUMBER_PREFIX: z.string().regex(/^[A-Z0-9]{1,6}$/).default("SO"),
  // Stripe allows 30 min … 24 h; checkout adds a minute of margin.
  CHECKOUT_EXPIRES_MINUTES: intFrom(30, 30, 24 * 60 - 1),
  RATE_LIMIT_CHECKOUT_PER_MIN: intFrom(20),
  RATE_LIMIT_RETRY_PER_MIN: intFrom(10),
  RATE_LIMIT_CART_PER_MIN: intFrom(120),
  RATE_LIMIT_LOGIN_PER_MIN: intFrom(5),
  /**
   * GET /api/orders/by-session/:id. The success page polls at most 10 times in its first
   * minute (1 s, growing 1.5× to 10 s) and 6 a minute after; 60 leaves room for reloads and
   * several shoppers behind one address (office or carrier NAT).
   */
  RATE_LIMIT_STATUS_PER_MIN: intFrom(60),
  /**
   * What one client (its cart, else its address) may hold unpaid at once: enough for any
   * real basket, few enough that one stranger cannot take the whole shelf. 0 = off.
   */
  HOLD_LIMIT_UNITS_PER_CLIENT: intFrom(20),
  HOLD_LIMIT_ORDERS_PER_CLIENT: intFrom(3),
  /**
   * A basket too big for one commit is placed in steps; if its order is not made within this
   * window (a crash), compensation gives its stock back (lib/stock/reservations.ts).
   */
  STOCK_PLACEMENT_WINDOW_SECONDS: intFrom(60, 1, 3600),
  /**
   * Test only (refused elsewhere): a file path. After a placement's first chunk the process
   * creates `<path>.reached` and waits until `<path>` exists, so a test can kill it there.
   */
  SETTLE_TEST_PAUSE_PLACEMENT: z.string().min(1).optional(),
  TRUST_PROXY: flag,
  SLACK_WEBHOOK_URL: z.url().optional(),
  FULFILLMENT_URL: z.url().optional(),
  /**
   * `http` posts paid orders to FULFILLMENT_URL; `demo` pretends to ship; `manual` leaves
   * shipping to people. Default: http with a URL, else demo in development, else manual.
   */
  FULFILLMENT_ADAPTER: z.enum(["demo", "http", "manual"]).optional(),
  FULFILLMENT_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  /** The demo adapter's failure switch, for trying out retries and alerts. */
  FULFILLMENT_DEMO_FAIL: z.enum(["never", "once", "always"]).default("never"),
  /** Attempts before a fulfilment failure is final (the order is flagged, an alert goes out). */
  FULFILLMENT_MAX_ATTEMPTS: intFrom(6, 1, 8),
  /** Per call; under the outbox lease (30 s) so a slow supplier never outlives its claim. */
  FULFILLMENT_TIMEOUT_MS: intFrom(10_000, 100, 25_000),
  MAIL_API_URL: z.url().optional(),
  MAIL_API_KEY: z.string().min(1).optional(),
  MAIL_FROM: z.string().min(3).optional(),
  /** First retry delay of a failed follow-up task; each later one waits 4× longer (≤ 10 min). */
  TASK_RETRY_BASE_MS: intFrom(1000, 1, 60_000),
  /**
   * Where the outbox worker runs: `inline` in this process, stepping aside while requests are
   * in flight; `separate` in its own process (`deno task worker`) on the same KV.
   */
  WORKER: z.enum(["inline", "separate"]).default("inline"),
  /** How often `deno task worker` looks for due tasks (kv.watch does not cross processes). */
  WORKER_POLL_MS: intFrom(250, 10, 60_000),
  /** Reconciliation looks at pending and failed orders older than this. */
  RECONCILE_AFTER_MINUTES: intFrom(10, 0, 7 * 24 * 60),
  /** Deno.cron schedule of reconciliation; `off` disables it. */
  RECONCILE_CRON: z.string().trim().regex(
    /^(off|\S+( \S+){4})$/,
    "must be a 5-field cron expression or off",
  ).default("*/5 * * * *"),
  /** Port of the embedded Stripe emulator; 0 picks a free one. */
  EMULATOR_PORT: intFrom(0, 0, 65535),
  /** Quietest log level written; default info (warn under SETTLE_ENV=test). */
  LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  /** The shop's shipping rates file (lib/shipping/rates.ts); default shop/shipping.json. */
  SHIPPING_RATES_FILE: z.string().trim().min(1).optional(),
  /**
   * How prices name the tax they include, e.g. "incl. GST". Settle shows prices
   * tax-inclusive and computes no tax. Set it empty for none (unset gives the default).
   */
  TAX_LABEL: z.string().trim().max(40, "at most 40 characters").optional(),
  /** The IANA time zone admin pages show times in (UTC stays on hover). */
  SHOP_TIME_ZONE: z.string().trim().refine(
    isTimeZone,
    "must be an IANA time zone, e.g. Pacific/Auckland",
  )
    .default(DEFAULT_SHOP_TIME_ZONE),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  /** Where the server listens: HOST, else 0.0.0.0 in production and 127.0.0.1 elsewhere. */
  host: string;
  env: "development" | "test" | "production";
  kvPath: string;
  publicOrigin: string;
  /** Signs cookies and order tokens; generated per data folder in development. */
  sessionSecret: string | undefined;
  stripe: {
    secretKey?: string;
    webhookSecret?: string;
    /** STRIPE_API_BASE as the SDK's `host`/`port`/`protocol`; unset means api.stripe.com. */
    apiBase?: { host: string; port: number; protocol: "http" | "https" };
  };
  /** PAYMENT_PROVIDERS: the providers the shop offers, in the order given. */
  paymentProviders: PaymentProviderName[];
  razorpay: {
    keyId?: string;
    keySecret?: string;
    webhookSecret?: string;
    /**
     * True when Razorpay is offered and RAZORPAY_KEY_ID is unset: the embedded Razorpay
     * emulator serves it (never in production), signing with the secrets when they are set.
     */
    useEmulator: boolean;
    emulatorPort: number;
    /** RAZORPAY_API_BASE: where the client sends its calls when a key is set. */
    apiBase?: string;
  };
  admin: { password?: string; passwordHash?: string; apiToken?: string };
  currency: string;
  orderNumberPrefix: string;
  checkoutExpiresMinutes: number;
  rateLimits: { checkout: number; retry: number; cart: number; login: number; status: number };
  /** Unpaid units and orders one client may hold at once; 0 = no cap. */
  holdLimits: { units: number; orders: number };
  /** How long a placement in steps may take before compensation undoes it. */
  placementWindowMs: number;
  /** SETTLE_TEST_PAUSE_PLACEMENT: only ever set under SETTLE_ENV=test. */
  testPausePlacement?: string;
  trustProxy: boolean;
  slackWebhookUrl?: string;
  fulfillmentUrl?: string;
  fulfillment: {
    adapter: "demo" | "http" | "manual";
    url?: string;
    secret?: string;
    demoFail: "never" | "once" | "always";
    maxAttempts: number;
    timeoutMs: number;
  };
  /** Receipts go to this HTTP mail API when `apiUrl` is set, else to the log. */
  mail: { apiUrl?: string; apiKey?: string; from: string };
  taskRetryBaseMs: number;
  /** WORKER: `inline` runs the outbox worker here, `separate` leaves it to `deno task worker`. */
  workerMode: "inline" | "separate";
  /** WORKER_POLL_MS: the poll of a worker in its own process. */
  workerPollMs: number;
  reconcile: { afterMinutes: number; cron: string | null };
  emulatorPort: number;
  logLevel: LogLevel;
  /** SHOP_TIME_ZONE: where admin pages put their times. */
  shopTimeZone: string;
  /** SHIPPING_RATES_FILE: the shop's zones and rates (lib/shipping/rates.ts). */
  shippingRatesFile: string;
  /** TAX_LABEL: shown beside tax-inclusive prices ("incl. GST"); "" shows nothing. */
  taxLabel: string;
  /** True when no STRIPE_SECRET_KEY is set: the embedded Stripe emulator serves payments. */
  useEmulator: boolean;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses an environment record (Deno.env.toObject() in production code, a literal in tests). */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty value means unset, except KV_PATH: falling back to a local file would hide a
  // deploy whose store address went missing.
  const present = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => v !== undefined && (v !== "" || k === "KV_PATH")),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  const e = parsed.data;
  const host = e.HOST ?? (e.SETTLE_ENV === "production" ? "0.0.0.0" : "127.0.0.1");
  const providers: PaymentProviderName[] = e.PAYMENT_PROVIDERS ??
    (e.SETTLE_ENV === "production" ? ["stripe"] : ["stripe", "razorpay"]);
  const config: Config = {
    port: e.PORT,
    host,
    env: e.SETTLE_ENV,
    // On Deno Deploy (DENO_DEPLOYMENT_ID is set) the app's assigned database is the default.
    kvPath: e.KV_PATH ?? (env.DENO_DEPLOYMENT_ID ? "default" : ".data/settle.kv"),
    publicOrigin: (e.PUBLIC_ORIGIN ?? `http://${originHost(host)}:${e.PORT}`).replace(
      /\/$/,
      "",
    ),
    sessionSecret: e.SESSION_SECRET,
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiBase: e.STRIPE_API_BASE ? apiBase(e.STRIPE_API_BASE) : undefined,
    },
    paymentProviders: providers,
    razorpay: {
      keyId: e.RAZORPAY_KEY_ID,
      keySecret: e.RAZORPAY_KEY_SECRET,
      webhookSecret: e.RAZORPAY_WEBHOOK_SECRET,
      useEmulator: providers.includes("razorpay") && !e.RAZORPAY_KEY_ID &&
        e.SETTLE_ENV !== "production",
      emulatorPort: e.RAZORPAY_EMULATOR_PORT,
      apiBase: e.RAZORPAY_API_BASE,
    },
    admin: {
      password: e.ADMIN_PASSWORD,
      passwordHash: e.ADMIN_PASSWORD_HASH,
      apiToken: e.ADMIN_API_TOKEN,
    },
    currency: e.CURRENCY,
    orderNumberPrefix: e.ORDER_NUMBER_PREFIX,
    checkoutExpiresMinutes: e.CHECKOUT_EXPIRES_MINUTES,
    rateLimits: {
      checkout: e.RATE_LIMIT_CHECKOUT_PER_MIN,
      retry: e.RATE_LIMIT_RETRY_PER_MIN,
      cart: e.RATE_LIMIT_CART_PER_MIN,
      login: e.RATE_LIMIT_LOGIN_PER_MIN,
      status: e.RATE_LIMIT_STATUS_PER_MIN,
    },
    holdLimits: {
      units: e.HOLD_LIMIT_UNITS_PER_CLIENT,
      orders: e.HOLD_LIMIT_ORDERS_PER_CLIENT,
    },
    placementWindowMs: e.STOCK_PLACEMENT_WINDOW_SECONDS * 1000,
    testPausePlacement: e.SETTLE_TEST_PAUSE_PLACEMENT,
    trustProxy: e.TRUST_PROXY,
    slackWebhookUrl: e.SLACK_WEBHOOK_URL,
    fulfillmentUrl: e.FULFILLMENT_URL,
    fulfillment: {
      // Tests opt in to the demo supplier, so a paid order stays paid unless they ask.
      adapter: e.FULFILLMENT_ADAPTER ??
        (e.FULFILLMENT_URL ? "http" : e.SETTLE_ENV === "development" ? "demo" : "manual"),
      url: e.FULFILLMENT_URL,
      secret: e.FULFILLMENT_SECRET,
      demoFail: e.FULFILLMENT_DEMO_FAIL,
      maxAttempts: e.FULFILLMENT_MAX_ATTEMPTS,
      timeoutMs: e.FULFILLMENT_TIMEOUT_MS,
    },
    mail: { apiUrl: e.MAIL_API_URL, apiKey: e.MAIL_API_KEY, from: e.MAIL_FROM ?? "" },
    taskRetryBaseMs: e.TASK_RETRY_BASE_MS,
    workerMode: e.WORKER,
    workerPollMs: e.WORKER_POLL_MS,
    reconcile: {
      afterMinutes: e.RECONCILE_AFTER_MINUTES,
      cron: e.RECONCILE_CRON === "off" ? null : e.RECONCILE_CRON,
    },
    emulatorPort: e.EMULATOR_PORT,
    logLevel: e.LOG_LEVEL ?? (e.SETTLE_ENV === "test" ? "warn" : "info"),
    shopTimeZone: e.SHOP_TIME_ZONE,
    shippingRatesFile: e.SHIPPING_RATES_FILE ?? DEFAULT_SHIPPING_RATES_FILE,
    // An empty TAX_LABEL is "none"; `present` above drops empty values, so read it here.
    taxLabel: env.TAX_LABEL === undefined ? DEFAULT_TAX_LABEL : e.TAX_LABEL ?? "",
    // Production never emulates: Stripe is either configured or not offered.
    useEmulator: !e.STRIPE_SECRET_KEY && e.SETTLE_ENV !== "production",
  };
  assertIntegrations(config);
  if (config.env === "production") assertProductionReady(config);
  return config;
}

/**
 * The host of the default public origin: the address listened on, so the address printed at
 * start is the one whose cookies the redirects come back to ("every interface" reads as
 * localhost).
 */
function originHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

function apiBase(url: string): NonNullable<Config["stripe"]["apiBase"]> {
  const u = new URL(url);
  const protocol = u.protocol === "https:" ? "https" : "http";
  const port = u.port ? Number(u.port) : protocol === "https" ? 443 : 80;
  return { host: u.hostname, port, protocol };
}

/** Integrations switched on without what they need to work. */
function assertIntegrations(c: Config): void {
  const problems: string[] = [];
  if (c.stripe.apiBase) {
    // A test key only: a live key must never travel to some other host.
    if (c.env === "production") {
      problems.push("STRIPE_API_BASE: not allowed with SETTLE_ENV=production");
    } else if (!c.stripe.secretKey?.startsWith("sk_test_")) {
      problems.push("STRIPE_API_BASE: requires a test STRIPE_SECRET_KEY (sk_test_…)");
    }
  }
  if (c.razorpay.apiBase) {
    // As for Stripe: a live key must never travel to some other host.
    if (c.env === "production") {
      problems.push("RAZORPAY_API_BASE: not allowed with SETTLE_ENV=production");
    } else if (!c.razorpay.keyId?.startsWith("rzp_test_")) {
      problems.push("RAZORPAY_API_BASE: requires a test RAZORPAY_KEY_ID (rzp_test_…)");
    }
  }
  // Production names it among the missing keys instead.
  if (c.razorpay.keyId && !c.razorpay.keySecret && c.env !== "production") {
    problems.push("RAZORPAY_KEY_SECRET: required with RAZORPAY_KEY_ID");
  }
  if (c.testPausePlacement && c.env !== "test") {
    problems.push("SETTLE_TEST_PAUSE_PLACEMENT: only allowed with SETTLE_ENV=test");
  }
  const f = c.fulfillment;
  if (f.adapter === "http" && !f.url) {
    problems.push("FULFILLMENT_URL: required by FULFILLMENT_ADAPTER=http");
  }
  if (f.adapter === "http" && !f.secret) {
    problems.push("FULFILLMENT_SECRET: required to sign requests to FULFILLMENT_URL");
  }
  if (c.mail.apiUrl && !c.mail.from) problems.push("MAIL_FROM: required with MAIL_API_URL");
  if (problems.length) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

function assertProductionReady(c: Config): void {
  const missing: string[] = [];
  if (c.paymentProviders.includes("stripe")) {
    if (!c.stripe.secretKey) missing.push("STRIPE_SECRET_KEY");
    if (!c.stripe.webhookSecret) missing.push("STRIPE_WEBHOOK_SECRET");
  }
  if (c.paymentProviders.includes("razorpay")) {
    if (!c.razorpay.keyId) missing.push("RAZORPAY_KEY_ID");
    if (!c.razorpay.keySecret) missing.push("RAZORPAY_KEY_SECRET");
    if (!c.razorpay.webhookSecret) missing.push("RAZORPAY_WEBHOOK_SECRET");
  }
  if (!c.admin.password && !c.admin.passwordHash) {
    missing.push("ADMIN_PASSWORD (or ADMIN_PASSWORD_HASH)");
  }
  if (!c.sessionSecret) missing.push("SESSION_SECRET");
  if (!c.publicOrigin.startsWith("https://")) {
    missing.push("PUBLIC_ORIGIN (an https:// origin)");
  }
  if (missing.length) {
    throw new ConfigError(
      `SETTLE_ENV=production refuses to start without: ${missing.join(", ")}`,
    );
  }
}

/**
 * What start-up should shout about without refusing to start: a production shop on a test
 * key takes no real money.
 */
export function startupWarnings(c: Config): string[] {
  const warnings: string[] = [];
  if (c.env === "production" && c.stripe.secretKey?.startsWith("sk_test_")) {
    warnings.push(
      "STRIPE_SECRET_KEY is a TEST key (sk_test_…) in production: no real payment will be taken",
    );
  }
  if (
    c.env === "production" && c.paymentProviders.includes("razorpay") &&
    c.razorpay.keyId?.startsWith("rzp_test_")
  ) {
    warnings.push(
      "RAZORPAY_KEY_ID is a TEST key (rzp_test_…) in production: no real payment will be taken",
    );
  }
  return warnings;
}

/** Reads the process environment once. */
export function loadConfig(): Config {
  return parseConfig(Deno.env.toObject());
}

/** For entry points: a bad configuration prints its message (naming the variable) and exits 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    Deno.exit(1);
  }
}
