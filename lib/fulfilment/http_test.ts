import assert from "node:assert/strict";
import { startTestReceiver } from "../notify/test_receiver.ts";
import { orderIn } from "../orders/order_fixtures.ts";
import { FulfilmentError } from "./adapter.ts";
import { createDemoAdapter } from "./demo.ts";
import { createHttpAdapter, fulfilmentRequest } from "./http.ts";
import { SIGNATURE_HEADER, signBody, verifySignature } from "./signature.ts";

const SECRET = "fulfilment-secret-for-tests";
const order = orderIn("paid");
const opts = () => ({ idempotencyKey: order.id, signal: AbortSignal.timeout(2000) });

Deno.test("the http adapter posts the order signed, with the order id as idempotency key", async () => {
  await using supplier = startTestReceiver(() => Response.json({ externalId: "ship_42" }));
  const adapter = createHttpAdapter({ url: `${supplier.url}/orders`, secret: SECRET });
  assert.deepEqual(await adapter.fulfil(order, opts()), { externalId: "ship_42" });
  const [req] = supplier.requests;
  assert.deepEqual([req.method, req.path], ["POST", "/orders"]);
  assert.deepEqual(req.headers.get("idempotency-key"), order.id);
  assert.equal(req.headers.get("content-type"), "application/json");
  assert.deepEqual(req.json, JSON.parse(JSON.stringify(fulfilmentRequest(order))));
  const signature = req.headers.get(SIGNATURE_HEADER);
  assert.ok(await verifySignature(SECRET, signature, req.body), String(signature));
  assert.ok(!await verifySignature("another-secret-entirely", signature, req.body));
  assert.ok(!await verifySignature(SECRET, signature, req.body.replace("Tee", "Tea")));
});

Deno.test("signatures older than the tolerance, or malformed, do not verify", async () => {
  const body = '{"a":1}';
  const old = await signBody(SECRET, body, 1_000_000);
  assert.ok(await verifySignature(SECRET, old, body, { now: 1_000_100 }));
  assert.ok(!await verifySignature(SECRET, old, body, { now: 1_000_400 }));
  assert.ok(!await verifySignature(SECRET, "t=1000000,v1=zz", body, { now: 1_000_000 }));
  assert.ok(!await verifySignature(SECRET, "v1=abcd", body));
  assert.ok(!await verifySignature(SECRET, null, body));
});

Deno.test("a non-2xx answer or a 2xx without an id is a FulfilmentError", async () => {
  await using supplier = startTestReceiver(() => new Response("out of paper", { status: 503 }));
  const adapter = createHttpAdapter({ url: supplier.url, secret: SECRET });
  await assert.rejects(adapter.fulfil(order, opts()), (err) => {
    assert.ok(err instanceof FulfilmentError);
    assert.equal(err.status, 503);
    assert.ok(err.message.includes("out of paper"), err.message);
    return true;
  });
  supplier.respond = () => Response.json({ ok: true });
  await assert.rejects(adapter.fulfil(order, opts()), /without an externalId/);
  supplier.respond = () => Response.json({ id: "ship_7" });
  assert.deepEqual(await adapter.fulfil(order, opts()), { externalId: "ship_7" });
});

Deno.test("a supplier slower than the timeout fails the call", async () => {
  const received = Promise.withResolvers<void>();
  const answer = Promise.withResolvers<void>();
  await using supplier = startTestReceiver(async () => {
    received.resolve();
    await answer.promise;
    return Response.json({ externalId: "late" });
  });
  const adapter = createHttpAdapter({ url: supplier.url, secret: SECRET });
  // The caller's timeout, fired by the test while the supplier is still working.
  const timeout = new AbortController();
  const call = adapter.fulfil(order, { idempotencyKey: order.id, signal: timeout.signal });
  await received.promise;
  timeout.abort(new DOMException("timed out", "TimeoutError"));
  // The supplier answers only now: a call still waiting for it would succeed.
  answer.resolve();
  await assert.rejects(call, /timed out/);
});

Deno.test("the demo adapter's failure switch: never, once per order, always", async () => {
  const never = createDemoAdapter();
  assert.deepEqual(await never.fulfil(order, opts()), {
    externalId: `demo_${order.id.toLowerCase()}`,
  });
  const once = createDemoAdapter({ fail: "once" });
  await assert.rejects(once.fulfil(order, opts()), FulfilmentError);
  assert.deepEqual((await once.fulfil(order, opts())).externalId, `demo_${order.id.toLowerCase()}`);
  const always = createDemoAdapter({ fail: "always" });
  await assert.rejects(always.fulfil(order, opts()), FulfilmentError);
  await assert.rejects(always.fulfil(order, opts()), FulfilmentError);
});

Deno.test("the payload carries the customer and the delivery address (null when absent)", async () => {
  const shipped = {
    ...orderIn("paid"),
    customer: { email: "kiri@example.nz", name: "Kiri Tai", phone: "+64 21 000 000" },
    shipping: {
      address: {
        name: "Kiri Tai",
        line1: "1 Queen Street",
        city: "Auckland",
        region: "Auckland",
        postalCode: "1010",
        country: "NZ",
      },
      rateId: "nz_standard",
      label: "Standard",
      amount: 500,
    },
  };
  await using supplier = startTestReceiver(() => Response.json({ externalId: "ship_1" }));
  const adapter = createHttpAdapter({ url: supplier.url, secret: SECRET });
  await adapter.fulfil(shipped, opts());
  const body = supplier.requests[0].json as Record<string, unknown>;
  assert.deepEqual(body.customer, shipped.customer);
  assert.deepEqual(body.shipping, shipped.shipping);
  const plain = fulfilmentRequest(orderIn("paid"));
  assert.equal(plain.customer, null);
  assert.equal(plain.shipping, null);
  const demo = createDemoAdapter();
  await demo.fulfil(shipped, opts());
  assert.deepEqual(demo.received.get(shipped.id), fulfilmentRequest(shipped));
});
