/**
 * Real Settle processes for the reliability suite: `deno run -A main.ts` on loopback, all on
 * one KV file, using one Stripe emulator and one Razorpay emulator (run by the suite) through
 * STRIPE_API_BASE and RAZORPAY_API_BASE. Each
 * process appends its stderr (the JSON log) to `<name>.log` beside the KV file.
 */

export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
/** Signs cookies and order tokens; the suite signs order tokens with it too. */
export const SESSION_SECRET = "reliability-session-secret-reliability!";
export const WEBHOOK_SECRET = "whsec_reliability_4Jd8Qm2Xv6Lp9Tz3";
export const RAZORPAY_KEYS = {
  keyId: "rzp_test_reliability",
  keySecret: "reliability_razorpay_key_secret",
  webhookSecret: "reliability_razorpay_webhook_secret",
};
/** The checkout window the processes run with: Stripe's minimum, and Settle's default. */
export const CHECKOUT_EXPIRES_MINUTES = 30;
/** main.ts: `Settle (test) listening on http://127.0.0.1:8000`. */
const READY = /listening on http:\/\/[^\s/]+:(\d+)/;
const START_TIMEOUT_MS = 60_000;

export interface SettleSetup {
  kvPath: string;
  /** The emulator both processes use as their Stripe API. */
  stripeApi: string;
  /** The emulator both processes use as their Razorpay API; unset: Settle's own default. */
  razorpayApi?: string;
  /** Where receipts are POSTed (the suite's mailbox). */
  mailApi: string;
  /** Folder for the processes' logs. */
  logDir: string;
  /** Extra variables for this setup's processes (e.g. a test-only switch), over the defaults. */
  env?: Record<string, string>;
}

export interface SettleProcess {
  name: string;
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  logFile: string;
  /** SIGTERM and wait (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown; leases and requests in flight are simply abandoned. */
  kill(): Promise<void>;
}

/** The environment of one process, spelled out so nothing leaks in from the caller's. */
export function settleEnv(setup: SettleSetup, port: number): Record<string, string> {
  return {
    SETTLE_ENV: "test",
    PORT: String(port),
    KV_PATH: setup.kvPath,
    PUBLIC_ORIGIN: "http://127.0.0.1:8000",
    SESSION_SECRET,
    STRIPE_SECRET_KEY: "sk_test_reliability",
    STRIPE_API_BASE: setup.stripeApi,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...(setup.razorpayApi ? razorpayEnv(setup.razorpayApi) : {}),
    ADMIN_PASSWORD: "reliability-admin-password",
    CHECKOUT_EXPIRES_MINUTES: String(CHECKOUT_EXPIRES_MINUTES),
    // One client address sends everything: limits would only measure themselves.
    RATE_LIMIT_CHECKOUT_PER_MIN: "0",
    RATE_LIMIT_RETRY_PER_MIN: "0",
    RATE_LIMIT_CART_PER_MIN: "0",
    RATE_LIMIT_LOGIN_PER_MIN: "0",
    RATE_LIMIT_STATUS_PER_MIN: "0",
    HOLD_LIMIT_UNITS_PER_CLIENT: "0",
    HOLD_LIMIT_ORDERS_PER_CLIENT: "0",
    FULFILLMENT_ADAPTER: "demo",
    FULFILLMENT_URL: "",
    MAIL_API_URL: setup.mailApi,
    MAIL_API_KEY: "",
    MAIL_FROM: "shop@reliability.test",
    SLACK_WEBHOOK_URL: "",
    TASK_RETRY_BASE_MS: "50",
    RECONCILE_CRON: "off",
    LOG_LEVEL: "warn",
    ...setup.env,
  };
}

function razorpayEnv(api: string): Record<string, string> {
  return {
    PAYMENT_PROVIDERS: "stripe,razorpay",
    RAZORPAY_KEY_ID: RAZORPAY_KEYS.keyId,
    RAZORPAY_KEY_SECRET: RAZORPAY_KEYS.keySecret,
    RAZORPAY_WEBHOOK_SECRET: RAZORPAY_KEYS.webhookSecret,
    RAZORPAY_API_BASE: api,
  };
}

/** Starts one process; `port` 0 picks a free one, a restart passes the old one. */
export async function startSettle(
  name: string,
  setup: SettleSetup,
  port = 0,
): Promise<SettleProcess> {
  for (let attempt = 1;; attempt++) {
    try {
      return await spawnSettle(name, setup, port);
    } catch (err) {
      // A restart can race the kernel releasing the killed process's port.
      if (port === 0 || attempt === 5 || !/AddrInUse|already in use/i.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

async function spawnSettle(name: string, setup: SettleSetup, port: number): Promise<SettleProcess> {
  const logFile = `${setup.logDir}/${name}.log`;
  const log = await Deno.open(logFile, { create: true, append: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: ROOT,
    env: settleEnv(setup, port),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const logged = child.stderr.pipeTo(log.writable).catch(() => {});
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let actual = 0;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!actual) {
    const timer = setTimeout(() => lines.cancel(), Math.max(0, deadline - Date.now()));
    const { done, value } = await lines.read();
    clearTimeout(timer);
    if (done) break;
    buffered += value;
    actual = Number(READY.exec(buffered)?.[1] ?? 0);
  }
  // Keep draining stdout so a chatty process never blocks on a full pipe.
  const drained = (async () => {
    while (!(await lines.read().catch(() => ({ done: true }))).done);
  })();
  const finished = async () => {
    await child.status;
    await Promise.all([logged, drained]);
  };
  if (!actual) {
    signal(child, "SIGKILL");
    await finished();
    const tail = (await Deno.readTextFile(logFile).catch(() => "")).slice(-600);
    throw new Error(
      `Settle ${name} did not start (see ${logFile}): ${buffered.slice(-300)}${tail}`,
    );
  }
  return {
    name,
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    logFile,
    async stop() {
      const killer = setTimeout(() => signal(child, "SIGKILL"), 10_000);
      signal(child, "SIGTERM");
      await finished();
      clearTimeout(killer);
    },
    async kill() {
      signal(child, "SIGKILL");
      await finished();
    },
  };
}

function signal(child: Deno.ChildProcess, sig: Deno.Signal): void {
  try {
    child.kill(sig);
  } catch { /* already gone */ }
}

/** Error and warning lines of the processes' logs, counted by message (for the report). */
export async function logSummary(files: string[]): Promise<string[]> {
  const counts = new Map<string, number>();
  for (const file of new Set(files)) {
    let text = "";
    try {
      text = await Deno.readTextFile(file);
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      let key = line.slice(0, 200);
      try {
        const entry = JSON.parse(line);
        key = `${entry.level}: ${entry.message}` +
          (entry.error ? ` (${String(entry.error.message ?? entry.error).slice(0, 160)})` : "");
      } catch { /* not JSON: keep the raw line */ }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${n}× ${key}`);
}
