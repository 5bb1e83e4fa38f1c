/**
 * Pure parts of the soak bench (soak.ts, soak_load.ts): a seeded random source so every run
 * sends the same mix, a cookie jar per virtual shopper, and the RSS log that turns samples
 * into the value at a request mark and the largest value seen on the way to it.
 */

/** Numbers in [0, 1) from a 32-bit seed (mulberry32): the same seed gives the same mix. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `items`, picked with `random`. */
export function pick<T>(items: readonly T[], random: () => number): T {
  if (items.length === 0) throw new Error("nothing to pick from");
  return items[Math.floor(random() * items.length)];
}

/**
 * The cookies one browser holds for one site: enough of RFC 6265 for Settle's own cookies
 * (name=value, removal by Max-Age=0 or an expiry in the past); paths and domains are ignored
 * because every request goes to the same origin.
 */
export class CookieJar {
  #cookies = new Map<string, string>();

  /** Takes a response's `Set-Cookie` header values. */
  store(setCookies: string[], now = Date.now()): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attributes.some((a) => removes(a.trim(), now))) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** The `Cookie` request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

function removes(attribute: string, now: number): boolean {
  const [name, value = ""] = attribute.split("=", 2);
  const key = name.trim().toLowerCase();
  if (key === "max-age") return Number(value) <= 0;
  if (key === "expires") return Date.parse(value) <= now;
  return false;
}

/** VmRSS of a /proc/<pid>/status text, in KiB; null when the line is missing. */
export function vmRssKb(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : null;
}

export interface RssAtMark {
  /** Requests completed at the mark. */
  requests: number;
  /** The sample taken when the mark was crossed, in KiB. */
  atMarkKb: number;
  /** The largest sample from half-way to the mark up to the mark, in KiB. */
  maxKb: number;
}

/** RSS samples of the server, each with the number of requests completed when taken. */
export class RssLog {
  readonly samples: { requests: number; kb: number }[] = [];

  add(requests: number, kb: number): void {
    this.samples.push({ requests, kb });
  }

  /**
   * The first sample taken at or after `mark` requests, and the largest over the second half
   * of the way to it: one reading can land just before or after a collection, the maximum
   * shows what the process really needed. Null when no sample reached the mark.
   */
  at(mark: number): RssAtMark | null {
    const atMark = this.samples.find((s) => s.requests >= mark);
    if (!atMark) return null;
    const window = this.samples.filter((s) => s.requests > mark / 2 && s.requests <= mark);
    const maxKb = Math.max(atMark.kb, ...window.map((s) => s.kb));
    return { requests: atMark.requests, atMarkKb: atMark.kb, maxKb };
  }
}
