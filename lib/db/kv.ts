/**
 * Opens Deno KV from KV_PATH: a local file (its folder is created), `:memory:`, a KV Connect
 * URL, or `default`: the database the platform assigns (Deno Deploy's managed KV).
 */
export async function openKv(path: string): Promise<Deno.Kv> {
  if (path === "default") return await Deno.openKv();
  if (path !== ":memory:" && !/^https?:\/\//.test(path)) {
    const slash = path.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  }
  return await Deno.openKv(path);
}

/** getMany takes at most this many keys on every backend. */
const GET_MANY_LIMIT = 10;

/** kv.getMany for any number of keys, in parallel batches the backend accepts. */
export async function getManyBatched<T>(
  kv: Deno.Kv,
  keyList: Deno.KvKey[],
): Promise<Deno.KvEntryMaybe<T>[]> {
  const batches: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
  for (let i = 0; i < keyList.length; i += GET_MANY_LIMIT) {
    batches.push(kv.getMany<T[]>(keyList.slice(i, i + GET_MANY_LIMIT)));
  }
  return (await Promise.all(batches)).flat();
}
