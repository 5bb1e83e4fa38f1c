import assert from "node:assert/strict";
import { Hono } from "hono";
import { clientIp, UNKNOWN_CLIENT } from "./client_ip.ts";

function appFor(trustProxy: boolean): Hono {
  const app = new Hono();
  app.get("/", (c) => c.text(clientIp(c, trustProxy)));
  return app;
}

const remote = { remoteAddr: { transport: "tcp", hostname: "203.0.113.9", port: 5000 } };

Deno.test("the connection's address is the client", async () => {
  const res = await appFor(false).request("/", {}, remote);
  assert.equal(await res.text(), "203.0.113.9");
});

Deno.test("without a connection (app.request) the client is unknown", async () => {
  assert.equal(await (await appFor(false).request("/")).text(), UNKNOWN_CLIENT);
});

Deno.test("X-Forwarded-For is ignored unless the proxy is trusted", async () => {
  const headers = { "x-forwarded-for": "198.51.100.7" };
  assert.equal(await (await appFor(false).request("/", { headers }, remote)).text(), "203.0.113.9");
  assert.equal(await (await appFor(true).request("/", { headers }, remote)).text(), "198.51.100.7");
});

Deno.test("a trusted proxy's header gives only its first hop", async () => {
  const headers = { "x-forwarded-for": " 2001:db8::1 , 10.0.0.1, 10.0.0.2" };
  assert.equal(await (await appFor(true).request("/", { headers }, remote)).text(), "2001:db8::1");
});

Deno.test("a header that is not an address falls back to the connection", async () => {
  const headers = { "x-forwarded-for": "<script>, 10.0.0.1" };
  assert.equal(await (await appFor(true).request("/", { headers }, remote)).text(), "203.0.113.9");
});
