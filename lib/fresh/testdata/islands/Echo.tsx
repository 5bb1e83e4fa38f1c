import type { Signal } from "@preact/signals-core";
import { useSignalValue } from "$fresh/use_signal_value.ts";

interface Props {
  text: string;
  count: Signal<number>;
  nested: { list: number[]; flag: boolean };
}

export default function Echo({ text, count }: Props) {
  return <output>{text} ({useSignalValue(count)})</output>;
}
