/**
 * A KV lease: at most one holder at a time across every Settle process on one KV. The
 * holder's name and an expiry are written with a check on what was read, so two takers can
 * never both win; a holder that dies simply lets the lease run out.
 */
import { keys } from "../db/keys.ts";

export interface Lease {
  owner: string;
  /** Epoch ms. */
  until: number;
}

export type HeldLease = Deno.KvEntry<Lease>;

/** Takes the lease `name` for `ms`, or returns the current holder's lease when it is taken. */
export async function takeLease(
  kv: Deno.Kv,
  name: string,
  owner: string,
  ms: number,
  now: number,
): Promise<{ held: HeldLease } | { taken: Lease }> {
  const key = keys.lock(name);
  const current = await kv.get<Lease>(key);
  if (current.value && current.value.until > now) return { taken: current.value };
  const lease: Lease = { owner, until: now + ms };
  // expireIn is housekeeping only: `until` decides, since KV deletes expired keys lazily.
  const res = await kv.atomic().check(current).set(key, lease, { expireIn: ms }).commit();
  if (!res.ok) {
    const winner = (await kv.get<Lease>(key)).value;
    return { taken: winner ?? lease };
  }
  return { held: { key, value: lease, versionstamp: res.versionstamp } };
}

/** Gives the lease back, unless it has already passed to someone else. */
export async function releaseLease(kv: Deno.Kv, held: HeldLease): Promise<void> {
  await kv.atomic().check(held).delete(held.key).commit();
}
