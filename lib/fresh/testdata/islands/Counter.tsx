import { type Signal, useComputed } from "@preact/signals";

interface Props {
  label: string;
  count: Signal<number>;
}

export default function Counter({ label, count }: Props) {
  const double = useComputed(() => count.value * 2);
  return (
    <button type="button" class="px-2" onClick={() => count.value++}>
      {label}: {count}/{double}
    </button>
  );
}
