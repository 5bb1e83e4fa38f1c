/**
 * The ledger check of the stock tests: for every product, the first level plus every delta
 * in its ledger is the level now, and every unit reserved is accounted for (committed,
 * released, returned, or still held by an order, as its reservation markers say).
 */
import { keys } from "@/lib/db/keys.ts";
import type { ReservationMarker } from "@/lib/stock/lines.ts";
import { checkLedger } from "@/lib/stock/stock_fixtures.ts";

export interface StockAccount {
  reserved: number;
  committed: number;
  released: number;
  returned: number;
  /** Units held now by orders (or placements) that are neither paid nor given back. */
  held: number;
  /** Products whose level is not its ledger's sum. */
  unbalanced: string[];
  /** reserved − (committed + released + returned + held): 0 when every unit is accounted for. */
  unaccounted: number;
}

export async function accountFor(kv: Deno.Kv, productIds: string[]): Promise<StockAccount> {
  const { imbalance, units } = await checkLedger(kv, productIds);
  const wanted = new Set(productIds);
  let held = 0;
  for await (const e of kv.list<ReservationMarker>({ prefix: keys.stockReservations() })) {
    if (wanted.has(String(e.key[2])) && e.value.state === "held") held += e.value.quantity;
  }
  const unbalanced = [...imbalance].filter(([, n]) => n !== 0).map(([id]) => id);
  const { reserved, committed, released, returned } = units;
  return {
    reserved,
    committed,
    released,
    returned,
    held,
    unbalanced,
    unaccounted: reserved - committed - released - returned - held,
  };
}

/** The units of `productId` each order's marker holds in `state`. */
export async function markersOf(
  kv: Deno.Kv,
  orderId: string,
): Promise<Map<string, ReservationMarker>> {
  const out = new Map<string, ReservationMarker>();
  for await (
    const e of kv.list<ReservationMarker>({ prefix: keys.stockReservationsOf(orderId) })
  ) out.set(String(e.key[2]), e.value);
  return out;
}
