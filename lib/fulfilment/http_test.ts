import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { startTestReceiver } from "../notify/test_receiver.ts";
import { orderIn } from "../orders/order_fixtures.ts";
import { FulfilmentError } from "./adapter.ts";
import { createDemoAdapter } from "./demo.ts";
import { createHttpAdapter, fulfilmentRequest } from "./http.ts";
import { SIGNATURE_HEADER, signBody, verifySignature } from "./signature.ts";

const SECRET = "fulfilment-secret-for-tests";
const order = orderIn("paid");
const opts = (ms = 2000) => ({ idempotencyKey: order.id, signal: AbortSignal.timeout(ms) });

Deno.test("the http adapter posts the order signed, with the order id as idempotency key", async () => {
  await using supplier = startTestReceiver(() => Response.json({ externalId: "ship_42" }));
  const adapter = createHttpAdapter({ url: `${supplier.url}/orders`, secret: SECRET });
  assertEquals(await adapter.fulfil(order, opts()), { externalId: "ship_42" });
  const [req] = supplier.requests;
  assertEquals([req.method, req.path], ["POST", "/orders"]);
  assertEquals(req.headers.get("idempotency-key"), order.id);
  assertEquals(req.headers.get("content-type"), "application/json");
  assertEquals(req.json, JSON.parse(JSON.stringify(fulfilmentRequest(order))));
  const signature = req.headers.get(SIGNATURE_HEADER);
  ok(await verifySignature(SECRET, signature, req.body), String(signature));
  ok(!await verifySignature("another-secret-entirely", signature, req.body));
  ok(!await verifySignature(SECRET, signature, req.body.replace("Tee", "Tea")));
});

Deno.test("signatures older than the tolerance, or malformed, do not verify", async () => {
  const body = '{"a":1}';
  const old = await signBody(SECRET, body, 1_000_000);
  ok(await verifySignature(SECRET, old, body, { now: 1_000_100 }));
  ok(!await verifySignature(SECRET, old, body, { now: 1_000_400 }));
  ok(!await verifySignature(SECRET, "t=1000000,v1=zz", body, { now: 1_000_000 }));
  ok(!await verifySignature(SECRET, "v1=abcd", body));
  ok(!await verifySignature(SECRET, null, body));
});

Deno.test("a non-2xx answer or a 2xx without an id is a FulfilmentError", async () => {
  await using supplier = startTestReceiver(() => new Response("out of paper", { status: 503 }));
  const adapter = createHttpAdapter({ url: supplier.url, secret: SECRET });
  await rejects(adapter.fulfil(order, opts()), (err) => {
    ok(err instanceof FulfilmentError);
    assertEquals(err.status, 503);
    ok(err.message.includes("out of paper"), err.message);
    return true;
  });
  supplier.respond = () => Response.json({ ok: true });
  await rejects(adapter.fulfil(order, opts()), /without an externalId/);
  supplier.respond = () => Response.json({ id: "ship_7" });
  assertEquals(await adapter.fulfil(order, opts()), { externalId: "ship_7" });
});

Deno.test("a supplier slower than the timeout fails the call", async () => {
  await using supplier = startTestReceiver(async () => {
    await new Promise((r) => setTimeout(r, 300));
    return Response.json({ externalId: "late" });
  });
  const adapter = createHttpAdapter({ url: supplier.url, secret: SECRET });
  const started = Date.now();
  await rejects(adapter.fulfil(order, opts(50)), /timed out/);
  ok(Date.now() - started < 250, "gave up at the timeout");
});

Deno.test("the demo adapter's failure switch: never, once per order, always", async () => {
  const never = createDemoAdapter();
  assertEquals(await never.fulfil(order, opts()), { externalId: `demo_${order.id.toLowerCase()}` });
  const once = createDemoAdapter({ fail: "once" });
  await rejects(once.fulfil(order, opts()), FulfilmentError);
  assertEquals((await once.fulfil(order, opts())).externalId, `demo_${order.id.toLowerCase()}`);
  const always = createDemoAdapter({ fail: "always" });
  await rejects(always.fulfil(order, opts()), FulfilmentError);
  await rejects(always.fulfil(order, opts()), FulfilmentError);
});
