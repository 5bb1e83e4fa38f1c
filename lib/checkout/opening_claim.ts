/**
 * One request at a time opens a Razorpay order for an order. Razorpay's orders API takes no
 * idempotency key, so two twins of one request (a double click, a retried fetch) that both
 * found no usable Razorpay order would each create one. The claim is a KV entry taken with
 * a check, across processes; a twin that finds it taken is told to try again (409), and a
 * claim left by a crashed process lapses after CLAIM_MS.
 */
import { commitRetryingLocks } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { ConflictError } from "../http/errors.ts";

/** Longer than a Razorpay call and the attach commit take; short enough to retry soon. */
export const CLAIM_MS = 30_000;

interface Claim {
  id: string;
  until: number;
}

/** Runs `open` while holding the order's claim; 409 `checkout_in_progress` if it is held. */
export async function withOpeningClaim<T>(
  kv: Deno.Kv,
  orderId: string,
  now: () => Date,
  open: () => Promise<T>,
): Promise<T> {
  const key = keys.providerOrderOpening(orderId);
  const held = await kv.get<Claim>(key);
  const at = now().getTime();
  const claim: Claim = { id: crypto.randomUUID(), until: at + CLAIM_MS };
  const free = !held.value || held.value.until <= at;
  const taken = free &&
    (await commitRetryingLocks(kv.atomic().check(held).set(key, claim, { expireIn: CLAIM_MS })))
      .ok;
  if (!taken) {
    throw new ConflictError(
      "checkout_in_progress",
      "This order's payment is being opened by another request: try again in a moment",
      { orderId },
    );
  }
  try {
    return await open();
  } finally {
    const mine = await kv.get<Claim>(key);
    // Processes sharing one KV file lock it in turns: a release lost to that would hold
    // the order's next payment off for CLAIM_MS.
    if (mine.value?.id === claim.id) await commitRetryingLocks(kv.atomic().check(mine).delete(key));
  }
}
