/**
 * The one webhook endpoint the emulator knows: it hands each delivery to the next Settle
 * process in turn, like a load balancer without health checks. A process that is down
 * answers nothing, so the delivery fails (502) and the emulator's retry finds another.
 * A phase can hold events back: they are answered 503 unforwarded, and the emulator's
 * retries bring them once the hold is lifted.
 */

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
  url: string;
  setTargets(origins: string[]): void;
  /** Holds back every event `matches` picks until the returned release is called. */
  hold(matches: (event: HeldEvent) => boolean): () => void;
  stats(): ForwarderStats;
  close(): Promise<void>;
}

const FORWARDED_HEADERS = ["content-type", "stripe-signature", "user-agent"];

export function startForwarder(): Forwarder {
  let targets: string[] = [];
  let turn = 0;
  const holds = new Set<(event: HeldEvent) => boolean>();
  const stats: ForwarderStats = {
    forwarded: 0,
    unreachable: 0,
    held: 0,
    settle5xx: 0,
    samples: [],
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    if (holds.size && isHeld(body, holds)) {
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
      res = await fetch(`${target}${new URL(req.url).pathname}`, {
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
  return {
    url: `http://127.0.0.1:${server.addr.port}/api/payments/webhook`,
    setTargets(origins) {
      targets = [...origins];
    },
    hold(matches) {
      holds.add(matches);
      return () => holds.delete(matches);
    },
    stats: () => ({ ...stats, samples: [...stats.samples] }),
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
