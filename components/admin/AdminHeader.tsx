/**
 * The admin area's header, in place of the shop's: the orders list with the count of
 * orders needing attention, a link to the shop, and signing out (a form: it changes state).
 */
import { FOCUS_RING } from "../styles.ts";
import { SHOP_NAME } from "../Page.tsx";
import { ADMIN_CONTAINER } from "./styles.ts";

export interface AdminHeaderProps {
  /** The current path, to mark the current section. */
  path: string;
  /** What the admin middleware put in `ctx.state`; before sign-in only the name shows. */
  state: {
    admin?: { actor: string };
    attentionCount?: number;
    /** Without one (a page answering a refused form) there is no sign-out button. */
    formToken?: string;
  };
}

/** Whether `path` belongs to the admin area. */
export const isAdminPath = (path: string) => path === "/admin" || path.startsWith("/admin/");

const NAV = "inline-flex items-center gap-2 rounded-md px-2.5 py-1.5 text-sm font-medium " +
  "text-slate-300 hover:bg-slate-800 hover:text-white aria-[current=page]:bg-slate-800 " +
  `aria-[current=page]:text-white ${FOCUS_RING}`;

/** Above this the count reads "999+": attentionCount stops counting there. */
const COUNT_CAP = 999;

export function AdminHeader(
  { path, state: { admin, attentionCount = 0, formToken } }: AdminHeaderProps,
) {
  const onList = path === "/admin" || path.startsWith("/admin/orders");
  return (
    <header class="bg-slate-900 text-white">
      {/* Narrow screens wrap the navigation onto its own row under the name and sign-out. */}
      <div
        class={`${ADMIN_CONTAINER} flex min-h-[3rem] flex-wrap items-center gap-x-6 gap-y-1 py-1.5`}
      >
        <a href="/admin" class={`flex items-center gap-2 rounded ${FOCUS_RING}`}>
          <img src="/favicon.svg" alt="" width={24} height={24} class="h-6 w-6" />
          <span class="text-sm font-bold tracking-tight">{SHOP_NAME}</span>
          <span class="rounded bg-slate-700 px-1.5 py-0.5 text-xs font-medium text-slate-200">
            Admin
          </span>
        </a>
        {admin && (
          <nav aria-label="Admin" class="order-last w-full sm:order-none sm:w-auto">
            <ul class="-mx-2.5 flex flex-wrap items-center gap-1 sm:mx-0">
              <li>
                <a href="/admin" class={NAV} aria-current={onList ? "page" : undefined}>
                  Orders
                </a>
              </li>
              <li>
                <a
                  href="/admin?attention=1"
                  class={NAV}
                  data-attention-count={attentionCount}
                >
                  Needs attention
                  <span
                    class={`inline-flex min-w-[1.25rem] justify-center rounded-full px-1.5 text-xs font-bold tabular-nums ${
                      attentionCount > 0
                        ? "bg-amber-400 text-slate-900"
                        : "bg-slate-700 text-slate-300"
                    }`}
                  >
                    {attentionCount > COUNT_CAP ? `${COUNT_CAP}+` : attentionCount}
                  </span>
                </a>
              </li>
              <li>
                <a
                  href="/admin/products"
                  class={NAV}
                  aria-current={path.startsWith("/admin/products") ? "page" : undefined}
                >
                  Products
                </a>
              </li>
              <li>
                <a
                  href="/admin/events"
                  class={NAV}
                  aria-current={path === "/admin/events" ? "page" : undefined}
                >
                  Unmatched events
                </a>
              </li>
              <li>
                <a
                  href="/admin/mail"
                  class={NAV}
                  aria-current={path.startsWith("/admin/mail") ? "page" : undefined}
                >
                  Mail
                </a>
              </li>
            </ul>
          </nav>
        )}
        <div class="ml-auto flex items-center gap-1 text-sm">
          <a href="/" class={NAV}>View shop</a>
          {admin && formToken && (
            <form method="post" action="/admin/logout">
              <input type="hidden" name="_token" value={formToken} />
              <button type="submit" class={NAV}>
                Sign out <span class="hidden text-slate-400 sm:inline">({admin.actor})</span>
              </button>
            </form>
          )}
        </div>
      </div>
    </header>
  );
}
