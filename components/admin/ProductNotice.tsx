/**
 * The flash a product page shows after one of its forms: what was done, or why not. Field
 * problems the form shows beside their fields (`shownBeside`) are not repeated here.
 */
import type { Flash } from "../../lib/admin/flash.ts";
import { Notice } from "../Notice.tsx";

export function ProductNotice(
  { flash, shownBeside }: { flash: Flash; shownBeside: readonly string[] },
) {
  const refused = flash.tone === "error";
  const others = (flash.issues ?? []).filter((i) => !shownBeside.includes(i.path));
  const beside = (flash.issues ?? []).length - others.length;
  return (
    <Notice tone={flash.tone} title={refused ? "Not done" : undefined} class="mb-4">
      <p>{flash.message}</p>
      {beside > 0 && <p class="mt-1">The problems are marked beside the fields below.</p>}
      {others.length > 0 && (
        <ul class="mt-1 list-disc pl-5">
          {others.map((issue, i) => (
            <li key={i}>{issue.path ? `${issue.path}: ` : ""}{issue.message}</li>
          ))}
        </ul>
      )}
    </Notice>
  );
}
