/** A boxed message above a page's content: an error to fix, or news worth a glance. */
import type { ComponentChildren } from "preact";

export type NoticeTone = "error" | "success" | "info";

const TONES: Record<NoticeTone, string> = {
  error: "bg-red-50 text-red-800 ring-red-200",
  success: "bg-green-50 text-green-800 ring-green-200",
  info: "bg-brand-50 text-brand-700 ring-brand-100",
};

export interface NoticeProps {
  tone?: NoticeTone;
  /** Bold first line. */
  title?: string;
  children?: ComponentChildren;
  class?: string;
}

export function Notice({ tone = "info", title, children, class: extra = "" }: NoticeProps) {
  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      class={`rounded-xl px-4 py-3 text-sm ring-1 ring-inset ${TONES[tone]} ${extra}`}
    >
      {title && <p class="font-semibold">{title}</p>}
      {children && <div class={title ? "mt-1" : ""}>{children}</div>}
    </div>
  );
}
