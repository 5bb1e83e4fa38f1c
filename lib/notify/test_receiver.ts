/**
 * A local HTTP endpoint that records what Settle posts to it (Slack, a mail API, a
 * fulfilment supplier), on a free loopback port. For tests only.
 */

export interface Captured {
  method: string;
  path: string;
  headers: Headers;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** Picks the answer to the n-th request (1-based). */
export type Responder = (request: Captured, n: number) => Response | Promise<Response>;

export interface TestReceiver extends AsyncDisposable {
  url: string;
  /** Every request, in arrival order. */
  requests: Captured[];
  /** Replaceable at any time; answers 200 `{"id": "msg_<n>"}` by default. */
  respond: Responder;
  close(): Promise<void>;
}

export function startTestReceiver(respond?: Responder): TestReceiver {
  const requests: Captured[] = [];
  const receiver: TestReceiver = {
    url: "",
    requests,
    respond: respond ?? ((_req, n) => Response.json({ id: `msg_${n}` })),
    close: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const captured = {
      method: req.method,
      path: new URL(req.url).pathname,
      headers: req.headers,
      body,
      json,
    };
    requests.push(captured);
    return await receiver.respond(captured, requests.length);
  });
  receiver.url = `http://127.0.0.1:${server.addr.port}`;
  return receiver;
}
