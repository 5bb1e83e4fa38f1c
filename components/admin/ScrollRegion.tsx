/**
 * A box that scrolls sideways when its table is wider than the screen. Keyboard users can
 * only scroll what they can focus, so it is a focusable region named by `label`.
 */
import type { ComponentChildren } from "preact";
import { FOCUS_RING } from "../styles.ts";

export interface ScrollRegionProps {
  label: string;
  class?: string;
  children: ComponentChildren;
}

export function ScrollRegion(
  { label, class: extra = "", children }: ScrollRegionProps,
) {
  return (
    <div
      role="region"
      tabIndex={0}
      aria-label={label}
      class={`overflow-x-auto ${FOCUS_RING} ${extra}`}
    >
      {children}
    </div>
  );
}
