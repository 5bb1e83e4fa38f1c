/** An amount in minor units, formatted for people (e.g. 1890 nzd → "$18.90"). */
import type { HTMLAttributes } from "preact";
import { formatMoney } from "../lib/orders/money.ts";

export interface PriceProps extends Omit<HTMLAttributes<HTMLSpanElement>, "class" | "className"> {
  /** In the currency's minor unit, as the catalog and orders store it. */
  amount: number;
  currency: string;
  class?: string;
}

export function Price({ amount, currency, class: extra = "", ...rest }: PriceProps) {
  return (
    <span class={`tabular-nums ${extra}`} {...rest}>
      {formatMoney(amount, currency)}
    </span>
  );
}
