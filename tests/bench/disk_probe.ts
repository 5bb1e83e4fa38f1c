/**
 * How fast durable KV commits are on this disk right now. Deno KV fsyncs every commit, so a
 * shared virtual disk moves every KV-bound number; the probe runs just before a measured
 * load so a slow run can be told apart from a slow server.
 */
import { percentile } from "./load.ts";

/** Median latency, in ms, of `count` sequential one-key commits (2.6 KB) to a fresh KV file in `dir`. */
export async function commitLatencyMs(dir: string, count = 100): Promise<number> {
  const path = await Deno.makeTempFile({ dir, suffix: ".kv" });
  const kv = await Deno.openKv(path);
  const value = "x".repeat(2600);
  const latencies = new Float64Array(count);
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await kv.set(["probe", i], value);
      latencies[i] = performance.now() - started;
    }
  } finally {
    kv.close();
    for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(path + suffix).catch(() => {});
  }
  return percentile(latencies.sort(), 50);
}
