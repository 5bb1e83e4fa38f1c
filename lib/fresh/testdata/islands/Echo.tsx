import type { Signal } from "@preact/signals";

interface Props {
  text: string;
  count: Signal<number>;
  nested: { list: number[]; flag: boolean };
}

export default function Echo({ text, count }: Props) {
  return <output>{text} ({count})</output>;
}
