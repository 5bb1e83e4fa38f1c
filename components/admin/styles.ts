/**
 * Class lists of the admin area: denser than the shop (small type, tight tables) and in a
 * cooler grey, so nobody mistakes the back office for the storefront.
 */
import { FOCUS_RING } from "../styles.ts";

/** The admin's content column: wide, because the orders table has many columns. */
export const ADMIN_CONTAINER = "mx-auto w-full max-w-7xl px-4 sm:px-6";

/** A white panel with a hairline border. */
export const PANEL = "rounded-lg border border-slate-200 bg-white shadow-sm";

/** A panel's title bar. */
export const PANEL_HEADING =
  "border-b border-slate-200 px-4 py-2.5 text-sm font-semibold text-slate-900";

/** Tables: header cells (add text-left or text-right) and body cells. */
export const TH = "px-3 py-2 text-xs font-semibold uppercase tracking-wide text-slate-500";
export const TD = "px-3 py-2 align-top";

/** Small text inputs and textareas, without a width (see FIELD). */
export const FIELD_BASE = "block rounded-md border border-slate-300 bg-white px-2.5 py-1.5 " +
  "text-sm text-slate-900 shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 " +
  "focus:ring-brand-600";

/** A field as wide as its form. */
export const FIELD = `${FIELD_BASE} w-full`;

export const LABEL = "block text-xs font-medium text-slate-600";

/** Ids, session ids and other machine strings. */
export const MONO = "font-mono text-xs leading-5 text-slate-700";

/** An inline text link. */
export const LINK = `rounded text-brand-700 hover:underline ${FOCUS_RING}`;
