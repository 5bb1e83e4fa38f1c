/**
 * Class lists shared by components and islands, so every page has the same focus ring,
 * width and form controls. Client-safe: islands import it. Each list is constant; states
 * change attributes (`disabled`, `aria-*`, `data-*`) that the lists' variants style, because
 * the stylesheet is built from the class names written out in the source
 * (lib/fresh/styles.ts): a class put together at run time would get no CSS.
 */

/** A visible keyboard focus ring (3:1 against white and stone backgrounds). */
export const FOCUS_RING =
  "focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600";

/** The page's content column, shared by the header, footer and pages. */
export const CONTAINER = "mx-auto w-full max-w-6xl px-4 sm:px-6 lg:px-8";

/** A white panel on the stone background. */
export const CARD = "rounded-2xl bg-white shadow-sm ring-1 ring-stone-200";

/** Text inputs and number fields. */
export const INPUT =
  "block rounded-lg border border-stone-300 bg-white px-3 py-2 text-base text-ink shadow-sm " +
  "tabular-nums focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600 " +
  "focus:ring-opacity-100 disabled:bg-stone-100 disabled:text-stone-500";

/** Small text that announces the result of an island's request; `data-tone` picks the colour. */
export const LIVE_MESSAGE = "text-sm font-medium text-stone-700 data-[tone=ok]:text-green-700 " +
  "data-[tone=error]:text-red-700";

/** A link in the header's navigation; `aria-current="page"` marks the current section. */
export const NAV_LINK = "inline-flex items-center gap-2 rounded-lg px-3 py-2 text-sm " +
  "font-semibold text-stone-700 hover:bg-stone-100 hover:text-ink " +
  "aria-[current=page]:bg-brand-50 aria-[current=page]:text-brand-700 " + FOCUS_RING;

/**
 * An amount an island is about to rewrite, marked `aria-busy="true"` until the server
 * answers: greyed, yet still readable (AA contrast), as an opacity would not be.
 */
export const BUSY_DIMS = "transition-colors aria-busy:text-stone-500";

/**
 * A boxed message an island fills in (inside an aria-live region): `data-tone` picks
 * error, ok or (default) info colours, so one constant list covers every state.
 */
export const MESSAGE_BOX = "rounded-xl px-4 py-3 text-sm ring-1 ring-inset " +
  "bg-brand-50 text-brand-700 ring-brand-100 " +
  "data-[tone=error]:bg-red-50 data-[tone=error]:text-red-800 data-[tone=error]:ring-red-200 " +
  "data-[tone=ok]:bg-green-50 data-[tone=ok]:text-green-800 data-[tone=ok]:ring-green-200";

/** An inline text link. */
export const TEXT_LINK = "rounded font-semibold underline underline-offset-2 " +
  "hover:no-underline " + FOCUS_RING;

/** Content beside a summary box on wide screens (checkout and order pages), stacked on narrow. */
export const COLUMNS = "grid gap-6 lg:grid-cols-[1fr_22rem] lg:items-start lg:gap-8";
