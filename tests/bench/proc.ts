/**
 * CPU accounting from Linux /proc: a process's own CPU time and the machine's stolen time
 * (a busy hypervisor makes loopback numbers noisy). Null where there is no /proc.
 */

/** Milliseconds per clock tick of /proc (CLK_TCK is 100 on Linux). */
const TICK_MS = 10;

/** User + system CPU of a process so far (all its threads), in ms; "self" for this one. */
export async function cpuMs(pid: number | "self"): Promise<number | null> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** All CPU ticks of the machine so far and the part stolen by the hypervisor. */
export async function machineTicks(): Promise<{ total: number; steal: number } | null> {
  try {
    const line = (await Deno.readTextFile("/proc/stat")).split("\n")[0];
    // cpu user nice system idle iowait irq softirq steal …
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] };
  } catch {
    return null;
  }
}

/**
 * CPU per kind of thread of a process, in ms: "js" is the main thread (where JavaScript
 * runs), "kv" Deno KV's SQLite threads (`sw-*`); the rest by thread name. Threads that
 * have exited are not listed (their time is still in cpuMs).
 */
export async function threadCpuMs(pid: number): Promise<Record<string, number>> {
  const kinds: Record<string, number> = {};
  try {
    for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
      let stat: string;
      try {
        stat = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/stat`);
      } catch {
        continue; // exited meanwhile
      }
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const kind = task.name === String(pid) ? "js" : name.startsWith("sw-") ? "kv" : name;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      kinds[kind] = (kinds[kind] ?? 0) + (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    }
  } catch {
    // No /proc: nothing to report.
  }
  return kinds;
}
