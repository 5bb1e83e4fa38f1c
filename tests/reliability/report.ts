/** The suite's table: one row per phase, and whether any loss column is non-zero. */

export interface PhaseRow {
  phase: string;
  /** Orders checked (requests for the fuzz phase). */
  orders: number;
  /** Webhook delivery attempts the emulator made in the phase. */
  deliveries: number;
  /** Extra copies the emulator sent on purpose. */
  duplicates: number;
  /** Attempts after a failed one (process down, 5xx, timeout). */
  retries: number;
  lost: number;
  doubleApplied: number;
  /** Orders handed to someone who did not place them (a shared key, a token that is not theirs). */
  nonOwner: number;
  /** 5xx answers from Settle: to webhooks and to the suite's own requests. */
  server5xx: number;
  wrongStates: number;
  /** KV entries that changed although nothing should have (fuzz). */
  kvChanges: number;
  seconds: number;
  problems: string[];
  notes: string[];
}

const COLUMNS: [string, (r: PhaseRow) => string | number][] = [
  ["phase", (r) => r.phase],
  ["orders", (r) => r.orders],
  ["deliveries", (r) => r.deliveries],
  ["duplicates", (r) => r.duplicates],
  ["retries", (r) => r.retries],
  ["lost", (r) => r.lost],
  ["double-applied", (r) => r.doubleApplied],
  ["to non-owner", (r) => r.nonOwner],
  ["5xx", (r) => r.server5xx],
  ["wrong final states", (r) => r.wrongStates],
  ["KV changes", (r) => r.kvChanges],
  ["seconds", (r) => r.seconds.toFixed(1)],
];

/** True when nothing was lost, applied twice, handed over, answered 5xx, left wrong or changed. */
export function clean(row: PhaseRow): boolean {
  const bad = row.lost + row.doubleApplied + row.nonOwner + row.server5xx + row.wrongStates;
  return bad + row.kvChanges === 0 &&
    row.problems.length === 0;
}

export function table(rows: PhaseRow[]): string {
  const cells = [
    COLUMNS.map(([name]) => name),
    ...rows.map((r) => COLUMNS.map(([, f]) => String(f(r)))),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) =>
    `| ${row.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join(" | ")} |`;
  const rule = `| ${
    widths.map((w, i) => (i === 0 ? "-".repeat(w) : "-".repeat(w - 1) + ":")).join(" | ")
  } |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

export function details(rows: PhaseRow[]): string {
  const out: string[] = [];
  for (const r of rows) {
    for (const note of r.notes) out.push(`${r.phase}: ${note}`);
    for (const problem of r.problems) out.push(`${r.phase}: PROBLEM ${problem}`);
  }
  return out.join("\n");
}
