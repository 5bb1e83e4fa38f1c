/**
 * Islands share state through `@preact/signals-core` signals. The core has no Preact
 * integration (the `@preact/signals` adapter cost every page about 1.2 KB gzip), so a
 * component reads a signal through this hook, which renders it again when the value changes.
 */
import { effect, type ReadonlySignal } from "@preact/signals-core";
import { useEffect, useRef, useState } from "preact/hooks";

/** The signal's current value; the component renders again whenever it changes. */
export function useSignalValue<T>(source: ReadonlySignal<T>): T {
  const value = source.peek();
  const rendered = useRef(value);
  rendered.current = value;
  const [, renderAgain] = useState(0);
  // effect() runs at once, so a change made between this render and the subscription counts.
  useEffect(
    () =>
      effect(() => {
        if (!Object.is(source.value, rendered.current)) renderAgain((n) => n + 1);
      }),
    [source],
  );
  return value;
}
