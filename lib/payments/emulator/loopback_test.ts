import assert from "node:assert/strict";
import { bindLoopback } from "./loopback.ts";

Deno.test("the port is bound at once and the handler given later answers requests sent before it", async () => {
  const server = bindLoopback();
  try {
    const early = fetch(`${server.url}/v1/ping`);
    const loaded = await server.load(() => {
      server.serve((req) => new Response(new URL(req.url).pathname));
      return Promise.resolve("loaded");
    });
    assert.equal(loaded, "loaded");
    const res = await early;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "/v1/ping");
  } finally {
    await server.close();
  }
});

Deno.test("a failed load closes the port and throws the loader's error", async () => {
  const server = bindLoopback();
  await assert.rejects(
    server.load(() => Promise.reject(new Error("module not found"))),
    /module not found/,
  );
  await assert.rejects(fetch(server.url));
});
