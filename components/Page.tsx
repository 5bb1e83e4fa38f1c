/**
 * The page convention every route follows: a page's data may carry PageMeta (`title` for
 * the document title, `liveCart` for the header's count; routes/_app.tsx reads both), and
 * its content sits in `<Page>` with one `<h1>`.
 */
import type { ComponentChildren } from "preact";
import { CONTAINER } from "./styles.ts";

export const SHOP_NAME = "Settle";
/** The document title of pages that set none. */
export const DEFAULT_TITLE = "Settle shop";

/** What a page's data may say about the document around it. */
export interface PageMeta {
  /** Shown as "<title> · Settle" in the tab. */
  title?: string;
  /**
   * The page has islands that change the cart (AddToCart, QuantityStepper): the header's
   * count is hydrated to follow them. Other pages keep it static and may ship no JS.
   */
  liveCart?: boolean;
}

/** The page's data as PageMeta (pages without data, like _404, have none). */
export function pageMeta(data: unknown): PageMeta {
  return typeof data === "object" && data !== null ? data as PageMeta : {};
}

/** The `<title>` text for a page's data. */
export function documentTitle(data: unknown): string {
  const { title } = pageMeta(data);
  return typeof title === "string" && title ? `${title} · ${SHOP_NAME}` : DEFAULT_TITLE;
}

export interface PageProps {
  /** The page's `<h1>`. */
  heading: ComponentChildren;
  /** A sentence under the heading. */
  lead?: ComponentChildren;
  /** Small text above the heading (a breadcrumb or a back link). */
  eyebrow?: ComponentChildren;
  /** Buttons at the heading's right (below it on narrow screens). */
  actions?: ComponentChildren;
  /** "narrow" for forms and messages; default "wide". */
  width?: "wide" | "narrow";
  children?: ComponentChildren;
}

export function Page({ heading, lead, eyebrow, actions, width = "wide", children }: PageProps) {
  const column = width === "narrow" ? "max-w-3xl" : "";
  return (
    <div class={`${CONTAINER} ${column} py-8 sm:py-12`}>
      <div class="mb-8 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
        <div>
          {eyebrow && <div class="mb-2 text-sm text-stone-600">{eyebrow}</div>}
          <h1 class="text-3xl font-bold tracking-tight text-ink sm:text-4xl">{heading}</h1>
          {lead && <p class="mt-2 max-w-2xl text-base text-stone-600">{lead}</p>}
        </div>
        {actions && <div class="flex shrink-0 flex-wrap gap-3">{actions}</div>}
      </div>
      {children}
    </div>
  );
}
