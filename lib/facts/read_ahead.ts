/**
 * Entries read ahead in one round trip, served once to the code that reads them next.
 * Under load every KV call queues behind the commits in flight, so the webhook path reads
 * what its commit will need (processed event, order, waiting lists) together with the
 * order lookup. Each entry is served once: a retried commit reads afresh, and the commit's
 * checks catch anything that changed since.
 */

/** What a staging step reads through: a KV, or a KV with entries read ahead. */
export type KvReader = Pick<Deno.Kv, "getMany">;

const keyId = (key: Deno.KvKey) =>
  key.map((part) =>
    `${typeof part}:${part instanceof Uint8Array ? Array.from(part).join(",") : String(part)}`
  ).join("\u0000");

export function readAhead(kv: Deno.Kv, entries: Deno.KvEntryMaybe<unknown>[]): KvReader {
  const ahead = new Map(entries.map((e) => [keyId(e.key), e]));
  async function getMany(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<unknown>[]> {
    const out: (Deno.KvEntryMaybe<unknown> | undefined)[] = keys.map((key) => {
      const id = keyId(key);
      const entry = ahead.get(id);
      ahead.delete(id);
      return entry;
    });
    const missing = keys.filter((_, i) => !out[i]);
    if (missing.length) {
      const read = await kv.getMany(missing);
      let next = 0;
      for (const [i, entry] of out.entries()) if (!entry) out[i] = read[next++];
    }
    return out as Deno.KvEntryMaybe<unknown>[];
  }
  return { getMany } as KvReader;
}
