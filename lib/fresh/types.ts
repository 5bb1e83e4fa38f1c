/**
 * The Fresh-shaped contract route modules are written against (Fresh 1.x names), so the
 * project could move to real Fresh with mechanical edits.
 */
import type { ComponentType, VNode } from "preact";

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** What every handler, middleware and page receives besides the Request. */
export interface FreshContext<State = Record<string, unknown>, Data = unknown> {
  url: URL;
  /** Values of `[param]` and `[...rest]` segments. */
  params: Record<string, string>;
  /** Request-scoped state, filled by `_middleware` files and the app's own state factory. */
  state: State;
  /** The route pattern that matched, e.g. `/products/:slug`. */
  route: string;
  /** The client's address as the connection reports it (empty under `app.request()`). */
  remoteAddr: string;
  /** Renders the route's page component (inside its layouts and `_app`) with `data`. */
  render(data?: Data, init?: ResponseInit): Promise<Response>;
  /** Renders `_404` with status 404. */
  renderNotFound(): Promise<Response>;
  /** Middleware only: runs the rest of the chain. */
  next(): Promise<Response>;
}

export type HandlerFn<Data = unknown, State = Record<string, unknown>> = (
  req: Request,
  ctx: FreshContext<State, Data>,
) => Response | Promise<Response>;

export type Handlers<Data = unknown, State = Record<string, unknown>> = Partial<
  Record<Method, HandlerFn<Data, State>>
>;

export type Handler<Data = unknown, State = Record<string, unknown>> =
  | HandlerFn<Data, State>
  | Handlers<Data, State>;

export type MiddlewareHandler<State = Record<string, unknown>> = (
  req: Request,
  ctx: FreshContext<State>,
) => Response | Promise<Response>;

/** Props of a route's default page component. */
export interface PageProps<Data = unknown, State = Record<string, unknown>> {
  data: Data;
  params: Record<string, string>;
  url: URL;
  state: State;
  route: string;
  /** Set on `_500` pages. */
  error?: unknown;
}

/** Props of `_app` and `_layout` components: the page props plus the inner component. */
export interface LayoutProps<Data = unknown, State = Record<string, unknown>>
  extends PageProps<Data, State> {
  Component: ComponentType<Record<string, never>>;
}

// `never` props let pages typed with their own Data and State satisfy these shapes.
export interface RouteModule {
  handler?: Handler<unknown, never>;
  default?: (props: PageProps<never, never>) => VNode | null;
}

export interface MiddlewareModule {
  handler: MiddlewareHandler<never> | MiddlewareHandler<never>[];
}

export interface LayoutModule {
  default: (props: LayoutProps<never, never>) => VNode | null;
}

/** The generated manifest (fresh.gen.ts). */
export interface Manifest {
  /** Keyed by the file's path relative to the project root, e.g. `./routes/index.tsx`. */
  routes: Record<string, RouteModule | MiddlewareModule | LayoutModule>;
  /** Keyed like routes, e.g. `./islands/AddToCart.tsx`. */
  islands: Record<string, Record<string, unknown>>;
  baseUrl: string;
}
