/**
 * Admin sign-in: one password field. A right password starts a KV session (signed
 * SameSite=Strict cookie) and returns to the page that asked for it; a wrong one re-renders
 * with 401. The POST is rate-limited per client (lib/app.ts) and refused cross-site; the
 * limit's refusal is thrown before this route runs, so routes/_500.tsx shows this same form
 * with `lockoutMessage` (429, Retry-After).
 */
import { z } from "zod";
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { FIELD, LABEL, PANEL } from "@/components/admin/styles.ts";
import { Button } from "@/components/Button.tsx";
import { Notice } from "@/components/Notice.tsx";
import type { PageMeta } from "@/components/Page.tsx";
import { checkPassword, readSession, startSession } from "@/lib/admin/auth.ts";
import { assertSameOrigin } from "@/lib/admin/form_token.ts";
import { readForm } from "@/lib/http/form_body.ts";
import { parseInput } from "@/lib/http/json_body.ts";
import type { AdminState } from "./_middleware.ts";

interface Data extends PageMeta {
  /** Where to go after signing in. */
  next: string;
  error: string | null;
}

/**
 * Only a path on this site: one leading slash (not `//` or `/\`, which browsers read as
 * another host) and no spaces or control characters (browsers drop some of them).
 */
const SAME_SITE_PATH = /^\/(?![/\\])[\x21-\x7e]*$/;

export function safeNext(next: string | null | undefined): string {
  return next && next.length <= 2000 && SAME_SITE_PATH.test(next) ? next : "/admin";
}

const LoginInput = z.object({
  password: z.string().max(1000),
  next: z.string().optional(),
});

const see = (location: string, headers: Record<string, string> = {}) =>
  new Response(null, { status: 303, headers: { location, ...headers } });

export const handler: Handlers<Data, AdminState> = {
  async GET(req, ctx) {
    const { state } = ctx;
    const next = safeNext(ctx.url.searchParams.get("next"));
    if (await readSession(state.kv, req, state.secret, state.now())) return see(next);
    return ctx.render({ title: "Sign in", next, error: null });
  },

  async POST(req, ctx) {
    const { state } = ctx;
    assertSameOrigin(req, state.config.publicOrigin);
    const form = parseInput(LoginInput, Object.fromEntries(await readForm(req)));
    const next = safeNext(form.next);
    if (!(await checkPassword(state.adminCredential ?? {}, form.password))) {
      return ctx.render(
        { title: "Sign in", next, error: "That password is not right. Try again." },
        { status: 401 },
      );
    }
    const secure = state.config.publicOrigin.startsWith("https:");
    const { cookie } = await startSession(state.kv, state.secret, state.now(), secure);
    return see(next, { "set-cookie": cookie });
  },
};

/** What a locked-out admin reads on the sign-in page. */
export function lockoutMessage(retryAfterSeconds: number): string {
  const wait = retryAfterSeconds === 1 ? "1 second" : `${retryAfterSeconds} seconds`;
  return `Too many attempts, try again in ${wait}.`;
}

export default function LoginPage({ data: { next, error } }: PageProps<Data, AdminState>) {
  return <LoginForm next={next} error={error} />;
}

/** The sign-in page's content, with `error` above the form. */
export function LoginForm({ next, error }: { next: string; error: string | null }) {
  return (
    <AdminPage heading="Sign in to the admin">
      <div class="max-w-sm">
        {error && <Notice tone="error" class="mb-4">{error}</Notice>}
        <form method="post" action="/admin/login" class={`${PANEL} flex flex-col gap-4 p-5`}>
          <input type="hidden" name="next" value={next} />
          <div>
            <label for="password" class={LABEL}>Admin password</label>
            <input
              id="password"
              name="password"
              type="password"
              required
              autocomplete="current-password"
              autofocus
              class={`${FIELD} mt-1`}
            />
          </div>
          <Button type="submit" size="sm">Sign in</Button>
        </form>
        <p class="mt-3 text-xs text-slate-500">
          Set with ADMIN_PASSWORD or ADMIN_PASSWORD_HASH; in development it is printed once at
          start-up.
        </p>
      </div>
    </AdminPage>
  );
}
