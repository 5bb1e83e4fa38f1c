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
