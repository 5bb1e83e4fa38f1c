/**
 * Buttons and links that look like buttons, in the shop's few variants. Server pages and
 * islands both use them (no Deno APIs here).
 */
import type { ButtonHTMLAttributes, ComponentChildren } from "preact";
import { FOCUS_RING } from "./styles.ts";

export type ButtonVariant = "primary" | "secondary" | "ghost" | "danger";
export type ButtonSize = "sm" | "md" | "lg";

const BASE = "inline-flex items-center justify-center gap-2 rounded-lg font-semibold " +
  "transition-colors select-none disabled:cursor-not-allowed " +
  "aria-disabled:cursor-wait aria-disabled:opacity-75 " + FOCUS_RING;

const VARIANTS: Record<ButtonVariant, string> = {
  primary: "bg-brand-600 text-white shadow-sm hover:bg-brand-700 " +
    "disabled:bg-stone-200 disabled:text-stone-600 disabled:shadow-none",
  secondary: "bg-white text-ink shadow-sm ring-1 ring-inset ring-stone-300 hover:bg-stone-50 " +
    "disabled:opacity-50 disabled:hover:bg-white",
  ghost: "text-brand-700 hover:bg-brand-50 disabled:opacity-50",
  danger: "text-red-700 hover:bg-red-50 disabled:opacity-50",
};

const SIZES: Record<ButtonSize, string> = {
  sm: "px-3 py-1.5 text-sm",
  md: "px-4 py-2.5 text-sm",
  lg: "px-6 py-3 text-base",
};

export interface ButtonLook {
  /** Colour scheme; default "primary". */
  variant?: ButtonVariant;
  /** Padding and text size; default "md". */
  size?: ButtonSize;
  /** Stretch to the container's width. */
  block?: boolean;
  /** Extra classes (spacing, width). */
  class?: string;
}

/** The classes of a button look, for elements other than the two components below. */
export function buttonClass(
  { variant = "primary", size = "md", block = false, class: extra = "" }: ButtonLook = {},
): string {
  return [BASE, VARIANTS[variant], SIZES[size], block ? "w-full" : "", extra]
    .filter(Boolean).join(" ");
}

type NativeButton = Omit<ButtonHTMLAttributes<HTMLButtonElement>, "class" | "className">;
export interface LinkButtonProps extends ButtonLook {
  href: string;
  children?: ComponentChildren;
  "aria-label"?: string;
  rel?: string;
}

/** A `<button>`; `type` defaults to "button" so it never submits a form by accident. */
export function Button(
  { variant, size, block, class: extra, type = "button", ...rest }: NativeButton & ButtonLook,
) {
  return (
    <button type={type} class={buttonClass({ variant, size, block, class: extra })} {...rest} />
  );
}

/** An `<a>` that looks like a button, for navigation (e.g. "Checkout"). */
export function LinkButton(
  { variant, size, block, class: extra, href, ...rest }: LinkButtonProps,
) {
  return <a href={href} class={buttonClass({ variant, size, block, class: extra })} {...rest} />;
}
