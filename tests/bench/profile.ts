/**
 * Reads a V8 `.cpuprofile` (as written by `deno run --cpu-prof`) and says where the busy
 * time went: per area of code (Settle's modules, each npm package, Deno's runtime, GC) and
 * per function, by self time and by inclusive time.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Of the busy (non-idle) time. */
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time that was not idle. */
  busyMs: number;
  areas: Share[];
  selfTop: Share[];
  inclusiveTop: Share[];
  /** Per focus group: samples with any frame of the group on the stack (groups overlap). */
  focus: Share[];
}

const IDLE = new Set(["(idle)", "(root)"]);

/** The area a frame belongs to, e.g. "settle lib/webhooks", "npm zod", "deno ext:deno_kv". */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const npm = /\/npm\/[^/]+\/(@[^/]+\/[^/]+|[^/]+)\//.exec(url);
  if (npm) return `npm ${npm[1]}`;
  const local = /\/(lib|routes|tests)\/([^/]+)(\/|\.ts)/.exec(url);
  if (local && url.startsWith("file://")) {
    return `settle ${local[1]}/${local[2].replace(/\.tsx?$/, "")}`;
  }
  if (url.startsWith("ext:")) return `deno ${url.split("/")[0]}`;
  if (url.startsWith("node:")) return "deno node:";
  return url.startsWith("file://") ? "settle (other)" : url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url.replace(/^.*\/(lib|routes|npm\/[^/]+)\//, "$1/")}:${lineNumber + 1}`
    : "";
  return `${functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
}

/**
 * `focus` names groups of frames by a pattern on "url functionName". Async code shows only
 * its synchronous stack after an await, so a group sees the code it names and whatever
 * that code calls synchronously.
 */
export async function summarizeProfile(
  path: string,
  top = 15,
  focus: Record<string, RegExp> = {},
): Promise<ProfileSummary> {
  const profile = JSON.parse(await Deno.readTextFile(path)) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  const focused = new Map<string, number>(Object.keys(focus).map((k) => [k, 0]));
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    if (IDLE.has(node.callFrame.functionName)) return;
    busyUs += us;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + us);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    // Each function on the stack once, however often it recurses.
    const seen = new Set<string>();
    const groups = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      const raw = `${node.callFrame.url} ${node.callFrame.functionName}`;
      for (const [group, pattern] of Object.entries(focus)) {
        if (pattern.test(raw)) groups.add(group);
      }
      const frame = frameName(node);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + us);
    }
    for (const group of groups) focused.set(group, focused.get(group)! + us);
  });
  const shares = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({
      name,
      ms: us / 1000,
      percent: (100 * us) / busyUs,
    }));
  return {
    busyMs: busyUs / 1000,
    areas: shares(areas, top),
    selfTop: shares(self, top),
    inclusiveTop: shares(inclusive, top * 2).filter((s) => s.name !== "(root)"),
    focus: shares(focused, focused.size),
  };
}

/** Markdown lists of the summary, per request when `requests` is given. */
export function profileMarkdown(summary: ProfileSummary, requests: number): string {
  const line = (s: Share) =>
    `  - ${s.percent.toFixed(1)}% — ${(s.ms / requests * 1000).toFixed(0)} µs/req — ${s.name}`;
  return [
    `- Busy CPU sampled on the main thread: ${summary.busyMs.toFixed(0)} ms ` +
    `(${(summary.busyMs / requests).toFixed(3)} ms per request).`,
    ...(summary.focus.length
      ? ["- Stacks containing (groups overlap):", ...summary.focus.map(line)]
      : []),
    "- By area (self time):",
    ...summary.areas.map(line),
    "- Functions by self time:",
    ...summary.selfTop.map(line),
    "- Functions by inclusive time:",
    ...summary.inclusiveTop.map(line),
  ].join("\n");
}
