/**
 * Signing out ends the KV session, so the old cookie is refused even if it was copied. A
 * POST with a form token (the admin middleware checks it): a link elsewhere cannot sign
 * the admin out.
 */
import type { Handlers } from "$fresh/types.ts";
import { endSession } from "@/lib/admin/auth.ts";
import type { AdminState } from "./_middleware.ts";

export const handler: Handlers<unknown, AdminState> = {
  async POST(_req, ctx) {
    const { admin, kv } = ctx.state;
    // The API token has no session to end.
    const cookie = await endSession(kv, admin && admin.id !== "api-token" ? admin : null);
    return new Response(null, {
      status: 303,
      headers: { location: "/admin/login", "set-cookie": cookie },
    });
  },
};
