/**
 * axe-core in a real page: `expectAccessible` runs the WCAG 2 A/AA rules and axe's best
 * practices on what the page shows now, and fails with one readable line per violation.
 */
import axe from "axe-core";
import type { Page } from "playwright-core";

/** The rule tags every page must pass; no rule is disabled. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Injects axe-core (through the DevTools protocol, so the shop's nonce CSP does not refuse
 * it) and fails when axe finds any violation; `label` names the page and viewport.
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  // A trailing statement keeps Playwright from taking the source for a function to call.
  if (!await page.evaluate("typeof window.axe === 'object'")) {
    await page.evaluate(`${axe.source}\n;undefined`);
  }
  const violations = await page.evaluate(async (tags: string[]) => {
    const { axe } = window as unknown as { axe: typeof import("axe-core") };
    const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
  }, TAGS) as Violation[];
  if (violations.length === 0) return;
  const lines = violations.map((v) =>
    `- ${v.id} (${v.impact}): ${v.help}\n    ${v.targets.join("\n    ")}`
  );
  throw new Error(
    `axe found ${violations.length} violation(s) on ${label} (${page.url()}):\n${lines.join("\n")}`,
  );
}
