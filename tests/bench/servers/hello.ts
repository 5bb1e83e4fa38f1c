/**
 * Baseline of the cold-start bench: the least a Deno HTTP server can be. Spawned as Settle
 * is (`deno run -A`, PORT from the environment), it answers every request with 200.
 */
const server = Deno.serve(
  { hostname: "0.0.0.0", port: Number(Deno.env.get("PORT") ?? 8000), onListen: () => {} },
  () => new Response("hello"),
);

Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  Deno.exit(0);
});
