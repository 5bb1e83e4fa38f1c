/**
 * The mail API the Settle processes send receipts to (MAIL_API_URL). It counts messages per
 * Idempotency-Key, so a receipt sent twice for one payment shows up.
 */

export interface Mailbox {
  url: string;
  /** Messages received per idempotency key (`receipt:<orderId>:<paymentKey>`). */
  byKey(): Map<string, number>;
  /** Answers each message this much later, like a real mail API (0 by default). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export function startMailbox(): Mailbox {
  const received = new Map<string, number>();
  let n = 0;
  let latency = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.text();
    if (latency) await new Promise((r) => setTimeout(r, latency));
    const key = req.headers.get("idempotency-key") ?? "(none)";
    received.set(key, (received.get(key) ?? 0) + 1);
    return Response.json({ id: `msg_${++n}` });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/emails`,
    byKey: () => new Map(received),
    setLatency(ms) {
      latency = ms;
    },
    close: () => server.shutdown(),
  };
}
