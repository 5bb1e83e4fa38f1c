/**
 * What one client may hold unpaid at once (HOLD_LIMIT_UNITS_PER_CLIENT,
 * HOLD_LIMIT_ORDERS_PER_CLIENT), so a single stranger cannot reserve the whole shelf. The
 * client is its cart, or its address when it has none. Carts cost nothing to make, so every
 * order also counts against its address, at ADDRESS_FACTOR times the caps (room for several
 * shoppers behind one office or carrier address). Each placed order leaves hold records
 * beside it; only orders still unpaid and inside their checkout window count, so paying,
 * expiring or cancelling frees a hold without touching the records.
 */
import { keys } from "../db/keys.ts";
import { BusinessRuleError } from "../http/errors.ts";
import type { Order } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";

/** What `["holds", client, orderId]` holds. */
interface HoldRecord {
  units: number;
  /** Epoch ms: the order's checkout window closes then. */
  until: number;
}

/** Enough to see past any cap worth setting; the caps are small by design. */
const LIST_LIMIT = 200;
/** Records outlive their window a little; readers compare `until`, never rely on expiry. */
const HOLD_TTL_SLACK_MS = 60 * 60_000;

/** An address holds at most this many times what one client may. */
export const ADDRESS_FACTOR = 5;

/** Whose holds an order counts against: its client, and its address. */
export interface Holder {
  key: string;
  /** The caps are multiplied by this. */
  factor: number;
}

export function holdersOf(cartId: string | null, clientIp: string): Holder[] {
  const client = cartId ? `cart:${cartId}` : `ip:${clientIp}`;
  return [{ key: client, factor: 1 }, { key: `net:${clientIp}`, factor: ADDRESS_FACTOR }];
}

const turnsByStore = new WeakMap<Deno.Kv, Map<string, Promise<void>>>();

/**
 * Runs `fn` (a placement: the cap checked, then its order committed) after the process's
 * earlier placements for any of the same holders, so two of one holder's checkouts cannot
 * both pass the cap on the same reads. Without caps placements run side by side.
 */
export async function inHolderTurn<T>(
  deps: AppDeps,
  holders: Holder[],
  fn: () => Promise<T>,
): Promise<T> {
  const { units, orders } = deps.config.holdLimits;
  if (holders.length === 0 || (units === 0 && orders === 0)) return await fn();
  let turns = turnsByStore.get(deps.kv);
  if (!turns) turnsByStore.set(deps.kv, turns = new Map());
  let release!: () => void;
  const mine = new Promise<void>((r) => release = r);
  // Queued on every key at once, in one order for all, so two turns never wait on each other.
  const before = holders.map(({ key }) => {
    const prev = turns.get(key) ?? Promise.resolve();
    turns.set(key, mine);
    return prev;
  });
  await Promise.all(before);
  try {
    return await fn();
  } finally {
    release();
    for (const { key } of holders) if (turns!.get(key) === mine) turns!.delete(key);
  }
}

/** Throws 422 when `units` more (in one new order) would take a holder over a cap. */
export async function assertWithinHoldLimits(
  deps: AppDeps,
  holders: Holder[],
  units: number,
): Promise<void> {
  for (const holder of holders) await assertHolder(deps, holder, units);
}

async function assertHolder(deps: AppDeps, holder: Holder, units: number): Promise<void> {
  const maxUnits = deps.config.holdLimits.units * holder.factor;
  const maxOrders = deps.config.holdLimits.orders * holder.factor;
  const client = holder.key;
  if (maxUnits === 0 && maxOrders === 0) return;
  const now = deps.now().getTime();
  const live = new Map<string, number>();
  for await (
    const e of deps.kv.list<HoldRecord>({ prefix: keys.holdsOf(client) }, { limit: LIST_LIMIT })
  ) {
    if (e.value.until > now) live.set(String(e.key[2]), e.value.units);
  }
  const ids = [...live.keys()];
  let heldUnits = 0;
  let heldOrders = 0;
  for (let i = 0; i < ids.length; i += 10) {
    const orders = await deps.kv.getMany<Order[]>(ids.slice(i, i + 10).map((id) => keys.order(id)));
    for (const { value: order } of orders) {
      if (!order || !(order.status === "pending" || order.status === "failed")) continue;
      heldOrders++;
      heldUnits += live.get(order.id) ?? 0;
    }
  }
  if (maxOrders > 0 && heldOrders + 1 > maxOrders) {
    const who = holder.factor === 1 ? "You already have" : "Your network already has";
    throw new BusinessRuleError(
      "hold_limit_orders",
      `${who} ${heldOrders} unpaid ${heldOrders === 1 ? "order" : "orders"} ` +
        `holding stock. Pay for one, or let it expire, before starting another.`,
      { limit: maxOrders, held: heldOrders },
    );
  }
  if (maxUnits > 0 && heldUnits + units > maxUnits) {
    throw new BusinessRuleError(
      "hold_limit_units",
      `${holder.factor === 1 ? "One shopper" : "One network"} can hold at most ${maxUnits} ` +
        `items unpaid at once; this order would make ${heldUnits + units}. Pay for open ` +
        `orders first, or order fewer.`,
      { limit: maxUnits, held: heldUnits, requested: units },
    );
  }
}

/** Adds the new order's hold records to its placement commit. */
export function stageHolds(
  op: Deno.AtomicOperation,
  holders: Holder[],
  orderId: string,
  units: number,
  until: number,
  now: number,
): void {
  const record: HoldRecord = { units, until };
  for (const { key } of holders) {
    op.set(keys.hold(key, orderId), record, { expireIn: until - now + HOLD_TTL_SLACK_MS });
  }
}
