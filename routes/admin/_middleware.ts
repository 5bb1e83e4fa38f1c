/**
 * /admin/*: only signed-in admins (or the API token) get past, except to the sign-in page.
 * A page request without a session is sent to sign in and brought back; anything else is
 * a 401. State-changing requests must be same-origin and carry an unused form token
 * (`authenticate` checks both). Page views get the navigation's needs-attention count and
 * a fresh form token for the page's forms.
 */
import type { MiddlewareHandler } from "$fresh/types.ts";
import { authenticate, formTokenFor } from "@/lib/admin/guard.ts";
import { attentionCount } from "@/lib/admin/orders_list.ts";
import { UnauthorizedError } from "@/lib/http/errors.ts";
import type { ShopState } from "../_middleware.ts";

/** What admin pages find in `ctx.state`. */
export interface AdminState extends ShopState {
  /** Open needs-attention flags (capped), for the navigation; set on page views. */
  attentionCount?: number;
  /** A fresh single-use token for the forms of the page being rendered. */
  formToken?: string;
}

export const LOGIN_PATH = "/admin/login";

const isView = (req: Request) => req.method === "GET" || req.method === "HEAD";

export const handler: MiddlewareHandler<AdminState> = async (req, ctx) => {
  if (ctx.url.pathname === LOGIN_PATH) return await ctx.next();
  const { state } = ctx;
  try {
    state.admin = await authenticate(req, state);
  } catch (err) {
    if (!(err instanceof UnauthorizedError && isView(req))) throw err;
    const next = encodeURIComponent(ctx.url.pathname + ctx.url.search);
    return new Response(null, {
      status: 303,
      headers: { location: `${LOGIN_PATH}?next=${next}` },
    });
  }
  if (isView(req)) {
    const [count, token] = await Promise.all([
      attentionCount(state.kv),
      formTokenFor(state, state.admin),
    ]);
    state.attentionCount = count;
    state.formToken = token;
  }
  return await ctx.next();
};
