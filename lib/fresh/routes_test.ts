import assert from "node:assert/strict";
import { manifest } from "./testdata/app.ts";
import { middlewaresFor, routeTable } from "./routes.ts";
import type { Manifest, MiddlewareHandler } from "./types.ts";

Deno.test("routes are ordered most specific first", () => {
  const table = routeTable(manifest);
  assert.deepEqual(table.routes.map((r) => r.pattern), [
    "/",
    "/boom",
    "/islands",
    "/pricing",
    "/api/echo",
    "/api/fail",
    "/products/new",
    "/products/:slug",
    "/products/:rest*",
  ]);
});

Deno.test("a catch-all also matches its bare prefix, with an empty rest", () => {
  const rest = routeTable(manifest).routes.find((r) => r.rest === "rest")!;
  assert.deepEqual(rest.honoPaths, ["/products/:rest{.+}", "/products"]);
});

Deno.test("middleware and layouts stack from the root folder down", () => {
  const byPattern = new Map(
    routeTable(manifest).routes.map((r) => [r.pattern, r]),
  );
  assert.equal(byPattern.get("/products/:slug")!.middlewares.length, 3);
  assert.equal(byPattern.get("/products/:slug")!.layouts.length, 2);
  assert.equal(byPattern.get("/pricing")!.middlewares.length, 1);
  assert.deepEqual(
    byPattern.get("/pricing")!.layouts.map((l) => l.name),
    ["RootLayout", "MarketingLayout"],
  );
});

const mw = (name: string): MiddlewareHandler =>
  Object.defineProperty(
    (_req, ctx) => ctx.next(),
    "name",
    { value: name },
  );

Deno.test("group middleware applies inside the group only; unmatched paths get folder middleware", () => {
  const synthetic: Manifest = {
    baseUrl: "file:///app/fresh.gen.ts",
    islands: {},
    routes: {
      "./routes/_middleware.ts": { handler: mw("root") },
      "./routes/(admin)/_middleware.ts": {
        handler: [mw("admin1"), mw("admin2")],
      },
      "./routes/(admin)/orders/[id].tsx": { default: () => null },
      "./routes/docs/_middleware.ts": { handler: mw("docs") },
      "./routes/docs/index.tsx": { default: () => null },
      "./routes/[...path].tsx": { default: () => null },
    },
  };
  const table = routeTable(synthetic);
  const names = (handlers: MiddlewareHandler[]) => handlers.map((h) => h.name);
  const orders = table.routes.find((r) => r.pattern === "/orders/:id")!;
  assert.deepEqual(names(orders.middlewares), ["root", "admin1", "admin2"]);
  assert.deepEqual(
    names(table.routes.find((r) => r.pattern === "/docs")!.middlewares),
    ["root", "docs"],
  );
  assert.deepEqual(table.routes.at(-1)!.honoPaths, ["/:path{.+}", "/"]);
  assert.deepEqual(names(middlewaresFor(table, "/docs/missing")), [
    "root",
    "docs",
  ]);
  assert.deepEqual(names(middlewaresFor(table, "/docsx")), ["root"]);
  assert.deepEqual(names(middlewaresFor(table, "/orders/1/x")), ["root"]);
});
