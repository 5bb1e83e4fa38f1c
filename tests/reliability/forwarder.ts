/**
 * The one webhook endpoint the emulator knows: it hands each delivery to the next Settle
 * process in turn, like a load balancer without health checks. A process that is down
 * answers nothing, so the delivery fails (502) and the emulator's retry finds another.
 */

export interface ForwarderStats {
  /** Deliveries handed to a process. */
  forwarded: number;
  /** Deliveries whose process could not be reached (502 to the emulator). */
  unreachable: number;
  /** 5xx answers from Settle itself. */
  settle5xx: number;
  /** The first few 5xx bodies, for the report. */
  samples: string[];
}

export interface Forwarder {
  url: string;
  setTargets(origins: string[]): void;
  stats(): ForwarderStats;
  close(): Promise<void>;
}

const FORWARDED_HEADERS = ["content-type", "stripe-signature", "user-agent"];

export function startForwarder(): Forwarder {
  let targets: string[] = [];
  let turn = 0;
  const stats: ForwarderStats = { forwarded: 0, unreachable: 0, settle5xx: 0, samples: [] };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
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
    stats: () => ({ ...stats, samples: [...stats.samples] }),
    close: () => server.shutdown(),
  };
}
