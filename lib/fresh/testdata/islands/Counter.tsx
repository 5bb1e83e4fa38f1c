import { computed, type Signal } from "@preact/signals-core";
import { useMemo } from "preact/hooks";
import { useSignalValue } from "$fresh/use_signal_value.ts";

interface Props {
  label: string;
  count: Signal<number>;
}

export default function Counter({ label, count }: Props) {
  const double = useMemo(() => computed(() => count.value * 2), [count]);
  const shown = useSignalValue(count);
  const shownDouble = useSignalValue(double);
  return (
    <button type="button" class="px-2" onClick={() => count.value++}>
      {label}: {shown}/{shownDouble}
    </button>
  );
}
