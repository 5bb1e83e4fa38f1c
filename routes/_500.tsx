/**
 * A page that failed. Errors the shopper can act on (an AppError under 500) say what went
 * wrong; anything else stays opaque, with the request id to quote. Under /admin the admin's
 * own error page leads back into the admin, and a locked-out sign-in is the sign-in page.
 */
import { AdminError } from "@/components/admin/AdminError.tsx";
import { isAdminPath } from "@/components/admin/AdminHeader.tsx";
import { LinkButton } from "@/components/Button.tsx";
import { Page } from "@/components/Page.tsx";
import type { PageProps } from "$fresh/types.ts";
import { AppError, RateLimitedError } from "@/lib/http/errors.ts";
import type { State } from "@/lib/state.ts";
import { LOGIN_PATH } from "./admin/_middleware.ts";
import { lockoutMessage, LoginForm } from "./admin/login.tsx";

export default function ServerError({ error, state, url }: PageProps<unknown, State>) {
  if (url.pathname === LOGIN_PATH && error instanceof RateLimitedError) {
    return <LoginForm next="/admin" error={lockoutMessage(error.retryAfterSeconds)} />;
  }
  if (isAdminPath(url.pathname)) {
    const status = error instanceof AppError ? error.status : 500;
    return <AdminError url={url} status={status} error={error} requestId={state.requestId} />;
  }
  const shown = error instanceof AppError && error.status < 500;
  return (
    <Page
      width="narrow"
      eyebrow={shown ? `Error ${error.status}` : "Error 500"}
      heading={shown ? "That didn’t work" : "Something went wrong on our side"}
      lead={shown
        ? error.message
        : "Sorry about that. Nothing was charged. Please try again in a moment."}
    >
      {state.requestId && (
        <p class="mb-6 text-sm text-stone-600">
          If it keeps happening, quote reference{" "}
          <code class="rounded bg-stone-200 px-1.5 py-0.5">{state.requestId}</code>.
        </p>
      )}
      <div class="flex flex-wrap gap-3">
        <LinkButton href="/" size="lg">Back to the shop</LinkButton>
        <LinkButton href="/cart" variant="secondary" size="lg">View your cart</LinkButton>
      </div>
    </Page>
  );
}
