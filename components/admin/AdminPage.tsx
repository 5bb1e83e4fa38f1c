/** An admin page's frame: a compact heading row (with a back link and actions) and the body. */
import type { ComponentChildren } from "preact";
import { ADMIN_CONTAINER } from "./styles.ts";

export interface AdminPageProps {
  /** The page's `<h1>`. */
  heading: ComponentChildren;
  /** Small text above the heading (a back link). */
  eyebrow?: ComponentChildren;
  /** Badges or a sentence beside the heading. */
  meta?: ComponentChildren;
  /** Controls at the heading's right. */
  actions?: ComponentChildren;
  children?: ComponentChildren;
}

export function AdminPage({ heading, eyebrow, meta, actions, children }: AdminPageProps) {
  return (
    <div class={`${ADMIN_CONTAINER} py-5`}>
      <div class="mb-4 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
        <div class="min-w-0">
          {eyebrow && <div class="mb-1 text-sm text-slate-500">{eyebrow}</div>}
          <div class="flex flex-wrap items-center gap-x-3 gap-y-1">
            <h1 class="text-xl font-semibold tracking-tight text-slate-900">{heading}</h1>
            {meta}
          </div>
        </div>
        {actions && <div class="flex shrink-0 flex-wrap items-center gap-2">{actions}</div>}
      </div>
      {children}
    </div>
  );
}
