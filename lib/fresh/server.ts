/**
 * Mounts a Fresh-style manifest on Hono. Hono does the matching (routes are registered
 * most specific first, see routes.ts); this file runs Fresh's middleware chains, handlers
 * and pages for a match, and serves `static/`, the island bundles and the stylesheet.
 */
import type { Context, Env, Hono } from "hono";
import { getConnInfo, serveStatic } from "hono/deno";
import { fileURLToPath } from "node:url";
import {
  AppError,
  errorHeaders,
  errorResponse,
  NotFoundError,
  toAppError,
} from "../http/errors.ts";
import { log } from "../log.ts";
import { ASSET_PREFIX, type IslandAssets } from "./bundle.ts";
import { walk } from "./manifest.ts";
import {
  createRenderer,
  type LayoutComponent,
  type PageComponent,
  registerIslands,
  type Renderer,
} from "./render.ts";
import { middlewaresFor, type Route, type RouteTable, routeTable } from "./routes.ts";
import { type AnyTwindConfig, buildStylesheet, markupDirs, type Stylesheet } from "./styles.ts";
import type { FreshContext, Manifest, Method, PageProps } from "./types.ts";

/** The app's own settings, the default export of fresh.config.ts. */
export interface FreshConfig {
  /** Twind setup: `defineConfig({ presets: [presetTailwind()] })` from @twind/core. */
  twind: AnyTwindConfig;
}

export interface FreshOptions extends FreshConfig {
  /** The generated manifest (fresh.gen.ts). */
  manifest: Manifest;
  /** Island bundles from buildIslands() or loadAssets(). */
  islands: IslandAssets;
  /**
   * The stylesheet from buildStylesheet() or loadStylesheet(); without it, one is built from
   * `routes/`, `components/` and `islands/` beside the manifest when the app is mounted.
   */
  styles?: Stylesheet;
  /** The initial `ctx.state` of each request; middleware may add to it. */
  state?: (req: Request, c: Context) => object | Promise<object>;
  /** Folder served at `/` (default: `static/` beside the manifest). */
  staticDir?: string;
}

/** Static files (images, the favicon) are not content-hashed: a day, then ask again. */
const STATIC_CACHE_CONTROL = "public, max-age=86400";
/** Island bundles and the stylesheet are named by their content hash. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** Stylesheets built at mount, per project folder: tests mount many apps of one project. */
const builtStyles = new Map<string, Stylesheet>();

function projectStyles(options: FreshOptions): Stylesheet {
  const key = options.manifest.baseUrl;
  let sheet = builtStyles.get(key);
  if (!sheet) {
    sheet = buildStylesheet(options.twind, markupDirs(key));
    builtStyles.set(key, sheet);
  }
  return sheet;
}

/** What mountFresh gives back to the app around it. */
export interface MountedFresh {
  /**
   * The response to an error thrown outside the routes (Hono middleware): the `_500` page
   * for a page path, with the status and headers of the error, JSON under /api/.
   */
  renderError(c: Context, err: unknown): Promise<Response>;
}

export function mountFresh<E extends Env>(app: Hono<E>, options: FreshOptions): MountedFresh {
  registerIslands(options.manifest);
  const table = routeTable(options.manifest);
  const styles = options.styles ?? projectStyles(options);
  const render = createRenderer(styles.href, options.islands);

  const staticDir = options.staticDir ??
    fileURLToPath(new URL("./static", options.manifest.baseUrl));
  const staticFiles = new Set(walk(staticDir).map((p) => `/${p}`));
  const serveFile = serveStatic({
    root: staticDir,
    // The length lets compression skip small files (hono/compress reads Content-Length).
    onFound: async (path, c) => {
      c.header("cache-control", STATIC_CACHE_CONTROL);
      c.header("content-length", String((await Deno.stat(path)).size));
    },
  });
  app.use("*", (c, next) => staticFiles.has(c.req.path) ? serveFile(c, next) : next());
  app.get(`${ASSET_PREFIX}:file`, (c) => {
    const body = options.islands.files.get(c.req.param("file"));
    if (!body) return c.notFound();
    return c.body(body as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "content-length": String(body.byteLength),
      "cache-control": IMMUTABLE,
    });
  });
  app.get(styles.href, (c) =>
    c.body(styles.css as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "text/css; charset=utf-8",
      "content-length": String(styles.css.byteLength),
      "cache-control": IMMUTABLE,
    }));

  const serve = (c: Context, route: Route | null) => dispatch(c, route, table, render, options);
  for (const route of table.routes) {
    for (const path of route.honoPaths) app.all(path, (c) => serve(c, route));
  }
  app.notFound((c) => serve(c, null));
  return {
    renderError: (c, err) => dispatch(c, null, table, render, options, { failed: err }),
  };
}

/**
 * Runs the middleware chain, then the route (or the 404), and maps errors to responses.
 * With `failed`, only renders that error (it was thrown before the route could run).
 */
async function dispatch(
  c: Context,
  route: Route | null,
  table: RouteTable,
  render: Renderer,
  options: FreshOptions,
  outcome?: { failed: unknown },
): Promise<Response> {
  const req = c.req.raw;
  const url = new URL(req.url);
  const api = url.pathname.startsWith("/api/");
  const params: Record<string, string> = route
    ? { ...(route.rest ? { [route.rest]: "" } : {}), ...c.req.param() }
    : {};
  const state = ((await options.state?.(req, c)) ?? {}) as Record<string, unknown>;
  const nonce = c.get("secureHeadersNonce") as string | undefined;
  const pattern = route?.pattern ?? "";
  const renderPage = (
    page: PageComponent | undefined,
    layouts: LayoutComponent[],
    init: ResponseInit | undefined,
    data?: unknown,
    error?: unknown,
  ): Response => {
    if (!page) return errorResponse(error ?? new NotFoundError());
    const props: PageProps = { data, params, url, state, route: pattern };
    if (error !== undefined) props.error = error;
    return render({ app: table.app, layouts, page, props }, init, nonce);
  };
  const notFoundPage = (data?: unknown, init?: ResponseInit) =>
    renderPage(table.notFound, table.rootLayouts, { status: 404, ...init }, data);
  const notFound = async (): Promise<Response> => {
    if (!table.notFoundHandler) return notFoundPage();
    const page = (data?: unknown, init?: ResponseInit) => Promise.resolve(notFoundPage(data, init));
    return await table.notFoundHandler(req, { ...base, render: page, next: page });
  };
  const base = {
    url,
    params,
    state,
    route: pattern,
    remoteAddr: c.env?.remoteAddr ? getConnInfo(c).remote.address ?? "" : "",
    render: (data?: unknown, init?: ResponseInit) => {
      if (!route?.page) throw new Error(`${pattern || url.pathname} has no page component`);
      return Promise.resolve(renderPage(route.page, route.layouts, init, data));
    },
    renderNotFound: () => notFound(),
  };
  const chain = route?.middlewares ?? middlewaresFor(table, url.pathname);
  const run = async (i: number): Promise<Response> => {
    const ctx: FreshContext = { ...base, next: () => run(i + 1) };
    if (i < chain.length) return await chain[i](req, ctx as FreshContext<never>);
    if (route) return await runRoute(req, { ...ctx, next: base.renderNotFound }, route);
    return api ? errorResponse(new NotFoundError()) : notFound();
  };
  // One JSON log entry per failure, stack as a field: raw traces would break the log stream.
  const report = (err: unknown) =>
    log("error", "unhandled error", {
      requestId: c.get("requestId"),
      method: req.method,
      path: url.pathname,
      error: err,
    });
  const fail = async (err: unknown, asPage: boolean): Promise<Response> => {
    const known = toAppError(err);
    if (!known) report(err);
    if (!asPage) return errorResponse(err);
    try {
      if (err instanceof NotFoundError) return await notFound();
      const init = { status: known?.status ?? 500, headers: errorHeaders(known) };
      return renderPage(table.error, table.rootLayouts, init, undefined, known ?? err);
    } catch (pageErr) {
      report(pageErr);
      return errorResponse(err);
    }
  };
  if (outcome) return await fail(outcome.failed, !api);
  try {
    return await run(0);
  } catch (err) {
    return await fail(err, Boolean(route?.page) && !api);
  }
}

/** A function handler takes every method; a handler object, its methods (+HEAD via GET). */
async function runRoute(req: Request, ctx: FreshContext, route: Route): Promise<Response> {
  const { handler, page } = route;
  if (typeof handler === "function") return await handler(req, ctx);
  const method = req.method as Method;
  const fn = handler?.[method] ?? (method === "HEAD" ? handler?.GET : undefined);
  if (fn) return await fn(req, ctx);
  if (page && (method === "GET" || method === "HEAD")) return await ctx.render();
  const allow = new Set(Object.keys(handler ?? {}));
  if (page || allow.has("GET")) allow.add("GET").add("HEAD");
  const res = errorResponse(
    new AppError(405, "method_not_allowed", `${req.method} is not allowed here`),
  );
  res.headers.set("allow", [...allow].join(", "));
  return res;
}
