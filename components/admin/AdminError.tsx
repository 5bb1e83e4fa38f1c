/**
 * An error page under /admin (routes/_404.tsx and _500.tsx hand these over): it says what
 * went wrong and leads back into the admin, to the order the URL names or else to the orders
 * list, never to the shop.
 */
import { AppError } from "../../lib/http/errors.ts";
import { LinkButton } from "../Button.tsx";
import { AdminPage } from "./AdminPage.tsx";
import { PANEL } from "./styles.ts";

export interface AdminErrorProps {
  url: URL;
  status: number;
  /** What was thrown; only an AppError under 500 is shown as it is. */
  error?: unknown;
  requestId?: string;
}

/** The order an admin URL names (`/admin/orders/:id…`), still percent-encoded. */
const ORDER_PATH = /^\/admin\/orders\/([^/]+)/;

export function AdminError({ url, status, error, requestId }: AdminErrorProps) {
  const orderId = ORDER_PATH.exec(url.pathname)?.[1];
  // A 404 of an order page means there is no such order to go back to.
  const back = orderId && status !== 404
    ? { href: `/admin/orders/${orderId}`, label: "Back to the order" }
    : { href: "/admin", label: "Back to the orders" };
  const shown = error instanceof AppError && error.status < 500;
  const message = status === 404
    ? `Nothing lives at ${url.pathname}: the order or page may not exist.`
    : shown
    ? error.message
    : "Something went wrong on our side. Check the order before trying again.";
  return (
    <AdminPage
      eyebrow={`Error ${status}`}
      heading={status === 404 ? "Not found" : shown ? "That didn’t work" : "Something went wrong"}
    >
      <div class={`${PANEL} max-w-xl p-5`}>
        <p class="text-sm text-slate-700">{message}</p>
        {requestId && status >= 500 && (
          <p class="mt-2 text-sm text-slate-600">
            If it keeps happening, quote reference{" "}
            <code class="rounded bg-slate-100 px-1.5 py-0.5">{requestId}</code>.
          </p>
        )}
        <LinkButton href={back.href} size="sm" class="mt-4">{back.label}</LinkButton>
      </div>
    </AdminPage>
  );
}
