import assert from "node:assert/strict";
import { ProviderRejectedError, ProviderUnavailableError } from "../provider.ts";
import { createRazorpayClient } from "./client.ts";

async function rejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${err}`);
    return err as E;
  }
  throw new assert.AssertionError({ message: `expected ${type.name}` });
}

function stub(answer: (req: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetchStub = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req.clone());
    return await answer(req);
  }) as typeof fetch;
  return { seen, fetch: fetchStub };
}

const order = {
  id: "order_ABC",
  entity: "order",
  amount: 4500,
  amount_paid: 0,
  amount_due: 4500,
  currency: "NZD",
  receipt: "SO-1",
  status: "created",
  notes: { order_id: "01J" },
  created_at: 1,
};

Deno.test("createOrder posts JSON with Basic auth to /v1/orders and parses the order", async () => {
  const s = stub(() => Response.json(order));
  const client = createRazorpayClient({
    keyId: "rzp_test_k",
    keySecret: "sec",
    baseUrl: "http://emu.test/",
    fetch: s.fetch,
  });
  const got = await client.createOrder({
    amount: 4500,
    currency: "nzd",
    receipt: "SO-1",
    notes: { order_id: "01J" },
  });
  assert.deepEqual(got.id, "order_ABC");
  assert.deepEqual(got.notes, { order_id: "01J" });
  const req = s.seen[0];
  assert.deepEqual(req.method, "POST");
  assert.deepEqual(req.url, "http://emu.test/v1/orders");
  assert.deepEqual(req.headers.get("authorization"), `Basic ${btoa("rzp_test_k:sec")}`);
  assert.deepEqual(await req.json(), {
    amount: 4500,
    currency: "NZD",
    receipt: "SO-1",
    notes: { order_id: "01J" },
  });
});

Deno.test("a 4xx is a rejection naming Razorpay's code; 5xx and network errors are unavailable", async () => {
  const bad = stub(() =>
    Response.json({ error: { code: "BAD_REQUEST_ERROR", description: "nope", reason: "x" } }, {
      status: 400,
    })
  );
  const client = createRazorpayClient({ keyId: "k", keySecret: "s", fetch: bad.fetch });
  const err = await rejects(() => client.fetchPayment("pay_1"), ProviderRejectedError);
  assert.deepEqual(err.details.type, "BAD_REQUEST_ERROR");
  assert.deepEqual(err.details.statusCode, 400);

  const down = stub(() => new Response("oops", { status: 502 }));
  await rejects(
    () =>
      createRazorpayClient({ keyId: "k", keySecret: "s", fetch: down.fetch }).fetchPayment("pay_1"),
    ProviderUnavailableError,
  );
  const offline = stub(() => Promise.reject(new TypeError("connection refused")));
  await rejects(
    () =>
      createRazorpayClient({ keyId: "k", keySecret: "s", fetch: offline.fetch }).fetchOrder(
        "order_1",
      ),
    ProviderUnavailableError,
  );
});

Deno.test("an unreadable answer is unavailable; a path-unsafe id never leaves", async () => {
  const odd = stub(() => Response.json({ hello: 1 }));
  const client = createRazorpayClient({ keyId: "k", keySecret: "s", fetch: odd.fetch });
  await rejects(() => client.fetchPayment("pay_1"), ProviderUnavailableError);
  const err = await rejects(() => client.fetchPayment("../orders"), ProviderRejectedError);
  assert.ok(err instanceof ProviderRejectedError);
  assert.deepEqual(odd.seen.length, 1);
});

Deno.test("a slow answer times out as unavailable", async () => {
  const slow = stub((req) =>
    new Promise((_, reject) =>
      req.signal.addEventListener("abort", () => reject(req.signal.reason))
    )
  );
  const client = createRazorpayClient({
    keyId: "k",
    keySecret: "s",
    timeoutMs: 20,
    fetch: slow.fetch,
  });
  const err = await rejects(() => client.orderPayments("order_1"), ProviderUnavailableError);
  assert.ok(err.message.includes("order_payments"));
});

Deno.test("orderPayments reads the collection's items; capture sends amount and currency", async () => {
  const payment = {
    id: "pay_1",
    amount: 4500,
    currency: "NZD",
    status: "captured",
    order_id: "order_ABC",
  };
  const s = stub((req) =>
    new URL(req.url).pathname.endsWith("/payments")
      ? Response.json({ entity: "collection", count: 1, items: [payment] })
      : Response.json(payment)
  );
  const client = createRazorpayClient({ keyId: "k", keySecret: "s", fetch: s.fetch });
  assert.deepEqual((await client.orderPayments("order_ABC")).map((p) => p.id), ["pay_1"]);
  await client.capturePayment("pay_1", 4500, "nzd");
  assert.deepEqual(new URL(s.seen[1].url).pathname, "/v1/payments/pay_1/capture");
  assert.deepEqual(await s.seen[1].json(), { amount: 4500, currency: "NZD" });
});
