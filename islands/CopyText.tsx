/**
 * A "Copy" button for one piece of text on an admin page (an address line, the whole
 * address). It appears once JavaScript runs (without it the text beside it is plain,
 * selectable text) and says "Copied" in a polite live region when the clipboard took it, or
 * "Select and copy" when the browser refused.
 */
import { useEffect, useState } from "preact/hooks";

export interface CopyTextProps {
  text: string;
  /** What is copied, for the button's accessible name: "Copy postcode". */
  label: string;
}

export default function CopyText({ text, label }: CopyTextProps) {
  const [ready, setReady] = useState(false);
  const [status, setStatus] = useState("");
  useEffect(() => setReady(Boolean(globalThis.navigator?.clipboard)), []);
  useEffect(() => {
    if (!status) return;
    const timer = setTimeout(() => setStatus(""), 2000);
    return () => clearTimeout(timer);
  }, [status]);
  if (!ready) return null;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setStatus("Copied");
    } catch {
      setStatus("Select and copy");
    }
  };
  return (
    <span class="ml-2 inline-flex items-center gap-1 align-middle">
      <button
        type="button"
        onClick={copy}
        aria-label={`Copy ${label}`}
        class="rounded border border-slate-300 bg-white px-1.5 text-[11px] font-medium text-slate-700 hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-brand-600"
        data-copy={label}
      >
        Copy
      </button>
      <span role="status" aria-live="polite" class="text-[11px] text-emerald-700">{status}</span>
    </span>
  );
}
