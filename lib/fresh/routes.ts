/**
 * Turns a manifest's `routes/` files into a route table: URL patterns, Fresh's precedence,
 * and for each route its `_middleware` chain and `_layout` stack (root folder first).
 */
import type { LayoutComponent, PageComponent } from "./render.ts";
import type { HandlerFn, Handlers, Manifest, MiddlewareHandler } from "./types.ts";

export interface Route {
  /** Fresh-style pattern (`ctx.route`): `/products/:slug`, `/docs/:path*`. */
  pattern: string;
  /** The same for Hono; a catch-all route also gets its bare prefix (empty rest). */
  honoPaths: string[];
  /** Name of the `[...rest]` param, which is "" when the prefix itself matched. */
  rest?: string;
  page?: PageComponent;
  handler?: HandlerFn | Handlers;
  middlewares: MiddlewareHandler[];
  layouts: LayoutComponent[];
  /** Per segment: 0 static, 1 `[param]`, 2 `[...rest]`. */
  rank: number[];
}

export interface RouteTable {
  /** Most specific first: register them with Hono in this order. */
  routes: Route[];
  app?: LayoutComponent;
  notFound?: PageComponent;
  /** `_404`'s handler (Fresh's UnknownHandler): gives the page data, e.g. its title. */
  notFoundHandler?: HandlerFn;
  error?: PageComponent;
  /** Layouts of the routes/ folder itself, used around `_404` and `_500`. */
  rootLayouts: LayoutComponent[];
  /** Folder (relative to routes/, "" for the root) → its middleware, root first. */
  middlewares: [string, MiddlewareHandler[]][];
}

interface Module {
  default?: PageComponent & LayoutComponent;
  handler?: HandlerFn & Handlers & MiddlewareHandler;
}

const REST = /^\[\.\.\.(\w+)\]$/;
const PARAM = /^\[(\w+)\]$/;

const byPrecedence = (a: Route, b: Route): number => {
  for (let i = 0; i < Math.min(a.rank.length, b.rank.length); i++) {
    if (a.rank[i] !== b.rank[i]) return a.rank[i] - b.rank[i];
  }
  return a.rank.length - b.rank.length || (a.pattern < b.pattern ? -1 : 1);
};

export function routeTable(manifest: Manifest): RouteTable {
  const files = Object.entries(manifest.routes).map(([key, mod]) => {
    const parts = key.replace(/^\.\/routes\//, "").replace(/\.[jt]sx?$/, "").split("/");
    return { dirs: parts.slice(0, -1), name: parts.at(-1)!, mod: mod as Module };
  });
  const table: RouteTable = { routes: [], rootLayouts: [], middlewares: [] };
  const layouts = new Map<string, LayoutComponent>();
  for (const { dirs, name, mod } of files) {
    const folder = dirs.join("/");
    if (name === "_middleware" && mod.handler) {
      table.middlewares.push([folder, [mod.handler].flat()]);
    } else if (name === "_layout" && mod.default) layouts.set(folder, mod.default);
    else if (folder === "" && name === "_app") table.app = mod.default;
    else if (folder === "" && name === "_404") {
      table.notFound = mod.default;
      table.notFoundHandler = mod.handler;
    } else if (folder === "" && name === "_500") table.error = mod.default;
  }
  const depth = (folder: string) => (folder ? folder.split("/").length : 0);
  table.middlewares.sort(([a], [b]) => depth(a) - depth(b));
  const middlewares = new Map(table.middlewares);
  table.rootLayouts = layouts.has("") ? [layouts.get("")!] : [];

  for (const { dirs, name, mod } of files) {
    if (name.startsWith("_")) continue;
    const chain = ["", ...dirs.map((_, i) => dirs.slice(0, i + 1).join("/"))];
    const segments = [...dirs, name].filter((s) => !/^\(.+\)$/.test(s));
    if (segments.at(-1) === "index") segments.pop();
    const rest = segments.at(-1)?.match(REST)?.[1];
    const path = (restAs: string) =>
      "/" + segments.map((s) => s.replace(REST, restAs).replace(PARAM, ":$1")).join("/");
    const prefix = path("").replace(/\/$/, "") || "/";
    table.routes.push({
      pattern: path(":$1*"),
      honoPaths: rest ? [path(":$1{.+}"), prefix] : [path("")],
      rest,
      page: mod.default,
      handler: mod.handler,
      middlewares: chain.flatMap((f) => middlewares.get(f) ?? []),
      layouts: chain.flatMap((f) => layouts.get(f) ?? []),
      rank: segments.map((s) => (REST.test(s) ? 2 : PARAM.test(s) ? 1 : 0)),
    });
  }
  table.routes.sort(byPrecedence);
  return table;
}

/** Middleware for a path no route matched: that of the plain folders the path lies in. */
export function middlewaresFor(table: RouteTable, path: string): MiddlewareHandler[] {
  const covers = (folder: string) =>
    !/[([]/.test(folder) && `${path}/`.startsWith(folder ? `/${folder}/` : "/");
  return table.middlewares.filter(([folder]) => covers(folder)).flatMap(([, handlers]) => handlers);
}
