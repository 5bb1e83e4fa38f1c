/**
 * The soak bench's load, run as its own process: `deno run -A tests/bench/soak_load.ts --plan
 * PLAN.json`. Virtual shoppers (one cookie jar each) browse the catalog and product pages,
 * fill a cart, check out, are paid by a signed webhook and read their order's status; now
 * and then a signed-in admin looks at the orders. It stops after `requests` requests and
 * samples the server's RSS on the way. The summary is one JSON line on stdout (SoakResult).
 */
import { parseArgs } from "node:util";
import { stripeEventBody, stripeSession, stripeSignature } from "@/lib/payments/stripe_fixtures.ts";
import { cpuMs } from "./proc.ts";
import { CookieJar, pick, type RssAtMark, RssLog, seededRandom, vmRssKb } from "./soak_mix.ts";

export interface SoakPlan {
  /** Loopback origin of the Settle process. */
  url: string;
  /** Its pid, for /proc/<pid>/status. */
  pid: number;
  requests: number;
  /** Request counts at which RSS is reported, ascending. */
  marks: number[];
  concurrency: number;
  seed: number;
  /** Product page slugs, all of the catalog. */
  slugs: string[];
  /** Products with stock enough for every order of the run. */
  productIds: string[];
  adminPassword: string;
  webhookSecret: string;
  /** What Settle takes as its own origin (PUBLIC_ORIGIN): browsers send it as Origin. */
  publicOrigin: string;
}

export interface KindStats {
  count: number;
  /** Answers other than 2xx. */
  unexpected: number;
  statuses: Record<string, number>;
  totalMs: number;
}

export interface SoakResult {
  requests: number;
  elapsedMs: number;
  kinds: Record<string, KindStats>;
  marks: RssAtMark[];
  /** RSS after the load, the server idle (outbox follow-ups aside), in KiB. */
  idleKb: number[];
  /** Server CPU (ms) from the start to each mark. */
  cpuAtMarksMs: (number | null)[];
  /** Orders paid by a webhook of this run, and every order placed, with their numbers. */
  paidOrderIds: string[];
  orders: { id: string; number: string }[];
}

const SAMPLE_EVERY_MS = 200;
/** A progress line on stderr every this many requests, so a long run shows its course. */
const PROGRESS_EVERY = 5_000;
const CHECKOUT_ATTEMPTS = 5;

/** Sends the plan's load and reports the server's memory on the way. */
export async function soak(plan: SoakPlan): Promise<SoakResult> {
  const client = Deno.createHttpClient({ http2: false, poolMaxIdlePerHost: plan.concurrency });
  const kinds: Record<string, KindStats> = {};
  const rss = new RssLog();
  const cpuAtMarks: (number | null)[] = [];
  const orders: { id: string; number: string }[] = [];
  const paidOrderIds: string[] = [];
  let sent = 0;
  let done = 0;
  let adminCookie = "";
  let runStarted = performance.now();

  const readRss = async () => {
    const kb = vmRssKb(await Deno.readTextFile(`/proc/${plan.pid}/status`));
    if (kb !== null) rss.add(done, kb);
  };

  /** One request, or null when the run's budget is spent. */
  const send = async (
    kind: string,
    path: string,
    init: RequestInit = {},
  ): Promise<Answer | null> => {
    if (sent >= plan.requests) return null;
    sent++;
    const started = performance.now();
    const res = await fetch(`${plan.url}${path}`, { ...init, client, redirect: "manual" });
    // A browser reads every answer; the server's work ends only once it is sent.
    const answer = { status: res.status, ok: res.ok, headers: res.headers, text: await res.text() };
    const stats = kinds[kind] ??= { count: 0, unexpected: 0, statuses: {}, totalMs: 0 };
    stats.count++;
    stats.totalMs += performance.now() - started;
    stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
    if (!res.ok) stats.unexpected++;
    // Other shoppers move `done` while this one awaits its readings.
    const count = ++done;
    if (plan.marks.includes(count)) {
      await readRss();
      cpuAtMarks.push(await cpuMs(plan.pid));
    }
    if (count % PROGRESS_EVERY === 0) {
      const kb = rss.samples.at(-1)?.kb ?? 0;
      console.error(
        `soak: ${count} requests, RSS ${(kb / 1024).toFixed(1)} MB, ` +
          `${Math.round((performance.now() - runStarted) / 1000)} s`,
      );
    }
    return answer;
  };

  const signIn = async () => {
    const res = await fetch(`${plan.url}/admin/login`, {
      method: "POST",
      client,
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: plan.publicOrigin },
      body: new URLSearchParams({ password: plan.adminPassword, next: "/admin" }),
    });
    await res.body?.cancel();
    const cookie = res.headers.getSetCookie()[0]?.split(";")[0];
    if (res.status !== 303 || !cookie) throw new Error(`admin sign-in answered ${res.status}`);
    adminCookie = cookie;
  };

  const shopper = async (random: () => number, journey: number) => {
    const jar = new CookieJar();
    const browse = (kind: string, path: string) =>
      send(kind, path, { headers: cookieHeaders(jar) });
    const post = async (kind: string, path: string, body: unknown, extra = {}) => {
      const res = await send(kind, path, {
        method: "POST",
        headers: {
          ...cookieHeaders(jar),
          "content-type": "application/json",
          origin: plan.publicOrigin,
          ...extra,
        },
        body: JSON.stringify(body),
      });
      if (res) jar.store(res.headers.getSetCookie());
      return res;
    };
    if (!await browse("catalog", "/")) return;
    for (let n = random() < 0.4 ? 2 : 1; n > 0; n--) {
      if (!await browse("product", `/products/${pick(plan.slugs, random)}`)) return;
    }
    if (random() < 0.25) return; // only looked
    const lines = random() < 0.3 ? 2 : 1;
    for (let n = 0; n < lines; n++) {
      const item = { productId: pick(plan.productIds, random), quantity: 1 + (n % 2) };
      if (!await post("cart_add", "/api/cart/items", item)) return;
    }
    if (!await browse("cart_read", "/api/cart")) return;
    if (random() < 0.3 && !await browse("cart_page", "/cart")) return;
    if (random() < 0.45) return; // left the cart
    const checkout = await placeCheckout(post, `soak-${plan.seed}-${journey}`);
    if (!checkout) return;
    orders.push({ id: checkout.orderId, number: checkout.orderNumber });
    const status = `/api/orders/by-session/${checkout.id}`;
    const view = readJson<{ total: number; currency: string; createdAt: string }>(
      await send("status", status),
    );
    if (!view || random() < 0.25) return; // left at the payment page
    const body = paidEvent(checkout, view);
    const signature = await stripeSignature(body, plan.webhookSecret);
    const hook = await send("webhook", "/api/payments/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": signature },
      body,
    });
    if (!hook) return;
    if (hook.ok) paidOrderIds.push(checkout.orderId);
    await send("status", status);
  };

  const placeCheckout = async (
    post: (kind: string, path: string, body: unknown, extra?: object) => Promise<Answer | null>,
    idempotencyKey: string,
  ): Promise<Checkout | null> => {
    for (let attempt = 1; attempt <= CHECKOUT_ATTEMPTS; attempt++) {
      const res = await post("checkout", "/api/payments/create-checkout-session", {}, {
        "idempotency-key": idempotencyKey,
      });
      if (!res) return null;
      // Contention on the day's order counter can answer 5xx; a browser sends it again.
      if (res.status < 500) return readJson<Checkout>(res);
    }
    return null;
  };

  const admin = async (random: () => number) => {
    const headers = { cookie: adminCookie };
    const recent = orders.at(-1 - Math.floor(random() * Math.min(orders.length, 50)));
    const pages = ["/admin", "/admin?status=paid", "/admin/products", "/admin/events"];
    if (recent) pages.push(`/admin/orders/${recent.id}`);
    for (let n = 0; n < 3; n++) {
      if (!await send("admin", pick(pages, random), { headers })) return;
    }
  };

  const worker = async (index: number) => {
    const random = seededRandom(plan.seed * 1000 + index);
    for (let journey = 0; sent < plan.requests; journey++) {
      if (random() < 0.08) await admin(random);
      else await shopper(random, journey * plan.concurrency + index);
    }
  };

  await signIn();
  const cpuBefore = await cpuMs(plan.pid);
  const sampler = setInterval(() => readRss().catch(() => {}), SAMPLE_EVERY_MS);
  runStarted = performance.now();
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, (_, i) => worker(i)));
  } finally {
    clearInterval(sampler);
  }
  const elapsedMs = performance.now() - runStarted;
  client.close();
  const idle = new RssLog();
  for (let n = 0; n < 5; n++) {
    await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
    idle.add(done, vmRssKb(await Deno.readTextFile(`/proc/${plan.pid}/status`)) ?? 0);
  }
  return {
    requests: done,
    elapsedMs,
    kinds,
    marks: plan.marks.map((m) => rss.at(m)).filter((m) => m !== null),
    idleKb: idle.samples.map((s) => s.kb),
    cpuAtMarksMs: cpuAtMarks.map((ms) => ms === null || cpuBefore === null ? null : ms - cpuBefore),
    paidOrderIds,
    orders,
  };
}

interface Checkout {
  id: string;
  orderId: string;
  orderNumber: string;
}

function cookieHeaders(jar: CookieJar): Record<string, string> {
  const cookie = jar.header();
  return cookie ? { cookie } : {};
}

interface Answer {
  status: number;
  ok: boolean;
  headers: Headers;
  text: string;
}

function readJson<T>(answer: Answer | null): T | null {
  return answer?.ok ? JSON.parse(answer.text) as T : null;
}

/** The paid completion of `checkout`'s session, as Stripe posts it. */
function paidEvent(
  checkout: Checkout,
  view: { total: number; currency: string; createdAt: string },
): string {
  const created = Math.floor(Date.parse(view.createdAt) / 1000);
  const session = stripeSession({
    id: checkout.id,
    amount_subtotal: view.total,
    amount_total: view.total,
    currency: view.currency,
    client_reference_id: checkout.orderNumber,
    created,
    expires_at: created + 31 * 60,
    metadata: { order_id: checkout.orderId, order_number: checkout.orderNumber },
    payment_intent: `pi_soak_${checkout.orderId}`,
  });
  return stripeEventBody("checkout.session.completed", session, {
    id: `evt_soak_${checkout.orderId}`,
  });
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { plan: { type: "string" } } });
  if (!values.plan) {
    console.error("usage: soak_load.ts --plan PLAN.json");
    Deno.exit(2);
  }
  const plan = JSON.parse(await Deno.readTextFile(values.plan)) as SoakPlan;
  if (new URL(plan.url).hostname !== "127.0.0.1") throw new Error(`loopback only: ${plan.url}`);
  console.log(JSON.stringify(await soak(plan)));
}
