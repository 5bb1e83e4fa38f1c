/** For tests: what the structured log wrote while some work ran, every level, parsed. */
import { configureLog } from "./log.ts";

export type LogLine = Record<string, unknown>;

/** Runs `fn` with the log captured (nothing reaches stdout) and returns its lines. */
export async function logsOf(fn: () => unknown): Promise<LogLine[]> {
  const lines: string[] = [];
  const previous = configureLog({ level: "debug", write: (line) => lines.push(line) });
  try {
    await fn();
  } finally {
    configureLog(previous);
  }
  return lines.map((line) => JSON.parse(line));
}
