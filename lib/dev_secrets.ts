/**
 * Development needs no variables: secrets that production must be given are generated once
 * per data folder and kept in KV, so restarts keep cookies and signed URLs valid.
 */
import { commitRetryingLocks } from "./db/atomic.ts";
import { keys } from "./db/keys.ts";

export function randomSecret(bytes = 32): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** The stored secret `name`, created with `make()` on first use (first writer wins). */
export async function devSecret(kv: Deno.Kv, name: string, make: () => string): Promise<string> {
  const key = keys.devSecret(name);
  const existing = await kv.get<string>(key);
  if (existing.value) return existing.value;
  const value = make();
  // Processes starting together on one KV file take turns at it ("database is locked").
  const res = await commitRetryingLocks(kv.atomic().check(existing).set(key, value));
  return res.ok ? value : (await kv.get<string>(key)).value!;
}
