/** A product's stock as shoppers read it: "In stock", "Only 3 left" or "Sold out". */

/** At or below this many units the shelf says how many are left. */
export const LOW_STOCK = 5;

export type AvailabilityTone = "in_stock" | "low" | "sold_out";

export function availabilityOf(stock: number): { tone: AvailabilityTone; label: string } {
  if (stock <= 0) return { tone: "sold_out", label: "Sold out" };
  if (stock <= LOW_STOCK) return { tone: "low", label: `Only ${stock} left` };
  return { tone: "in_stock", label: "In stock" };
}

const TONES: Record<AvailabilityTone, { text: string; dot: string }> = {
  in_stock: { text: "text-green-700", dot: "bg-green-600" },
  low: { text: "text-amber-700", dot: "bg-amber-500" },
  sold_out: { text: "text-stone-600", dot: "bg-stone-400" },
};

export function Availability({ stock, class: extra = "" }: { stock: number; class?: string }) {
  const { tone, label } = availabilityOf(stock);
  return (
    <p
      class={`inline-flex items-center gap-1.5 text-sm font-medium ${TONES[tone].text} ${extra}`}
      data-availability={tone}
    >
      <span class={`h-2 w-2 rounded-full ${TONES[tone].dot}`} aria-hidden="true" />
      {label}
    </p>
  );
}
