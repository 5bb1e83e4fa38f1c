/**
 * The one webhook endpoint each emulator knows (Stripe's and Razorpay's path on one server):
 * it hands each delivery to the next Settle process in turn, like a load balancer without health checks. A process that is down
 * answers nothing, so the delivery fails (502) and the emulator's retry finds another.
 * A phase can hold Stripe events back: they are answered 503 unforwarded, and the emulator's
 * retries bring them once the hold is lifted. Stats are kept per provider.
 */

export type WebhookProvider = "stripe" | "razorpay";

export interface ForwarderStats {
  /** Deliveries handed to a process. */
  forwarded: number;
  /** Deliveries whose process could not be reached (502 to the emulator). */
  unreachable: number;
  /** Deliveries answered 503 here because a hold matched them (the emulator retries). */
  held: number;
  /** 5xx answers from Settle itself. */
  settle5xx: number;
  /** The first few 5xx bodies, for the report. */
  samples: string[];
}

/** What a hold decides on: the event as the emulator sent it. */
export interface HeldEvent {
  id: string;
  type: string;
  object: Record<string, unknown>;
}

export interface Forwarder {
  /** Stripe's webhook URL. */
  url: string;
  razorpayUrl: string;
  setTargets(origins: string[]): void;
  /** Holds back every event `matches` picks until the returned release is called. */
  hold(matches: (event: HeldEvent) => boolean): () => void;
  stats(provider?: WebhookProvider): ForwarderStats;
  close(): Promise<void>;
}

const FORWARDED_HEADERS = [
  "content-type",
  "stripe-signature",
  "x-razorpay-signature",
  "x-razorpay-event-id",
  "user-agent",
];
const RAZORPAY_PATH = "/api/payments/webhook/razorpay";

export function startForwarder(): Forwarder {
  let targets: string[] = [];
  let turn = 0;
  const holds = new Set<(event: HeldEvent) => boolean>();
  const empty = (): ForwarderStats => ({
    forwarded: 0,
    unreachable: 0,
    held: 0,
    settle5xx: 0,
    samples: [],
  });
  const byProvider: Record<WebhookProvider, ForwarderStats> = {
    stripe: empty(),
    razorpay: empty(),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    const { pathname } = new URL(req.url);
    const provider = pathname === RAZORPAY_PATH ? "razorpay" : "stripe";
    const stats = byProvider[provider];
    if (provider === "stripe" && holds.size && isHeld(body, holds)) {
      stats.held++;
      return new Response("held back by the suite", { status: 503 });
    }
    const target = targets[turn++ % targets.length];
    const headers = new Headers();
    for (const name of FORWARDED_HEADERS) {
      const value = req.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    let res: Response;
    try {
      res = await fetch(`${target}${pathname}`, {
        method: "POST",
        headers,
        body,
      });
    } catch (err) {
      stats.unreachable++;
      return new Response(`unreachable: ${err}`, { status: 502 });
    }
    const text = await res.text();
    stats.forwarded++;
    if (res.status >= 500) {
      stats.settle5xx++;
      if (stats.samples.length < 5) stats.samples.push(`${res.status} ${text.slice(0, 300)}`);
    }
    return new Response(text, { status: res.status });
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    url: `${origin}/api/payments/webhook`,
    razorpayUrl: `${origin}${RAZORPAY_PATH}`,
    setTargets(origins) {
      targets = [...origins];
    },
    hold(matches) {
      holds.add(matches);
      return () => holds.delete(matches);
    },
    stats: (provider = "stripe") => {
      const stats = byProvider[provider];
      return { ...stats, samples: [...stats.samples] };
    },
    close: () => server.shutdown(),
  };
}

function isHeld(body: string, holds: Set<(event: HeldEvent) => boolean>): boolean {
  let event: { id: string; type: string; data: { object: Record<string, unknown> } };
  try {
    event = JSON.parse(body);
  } catch {
    return false;
  }
  const seen = { id: event.id, type: event.type, object: event.data?.object ?? {} };
  return [...holds].some((matches) => matches(seen));
}
