/**
 * The browser boot script, bundled by bundle.ts. It reads the page's island state, imports
 * only the islands that page uses, and hydrates each `<fresh-island>` marker in place.
 */
import { type ComponentType, h, hydrate } from "preact";
import { type Signal, signal } from "@preact/signals-core";

/** Key of the object that stands for a signal in serialised props: `{[SIGNAL_KEY]: i}`. */
export const SIGNAL_KEY = "__fresh_signal";
export const STATE_ID = "__FRSH_STATE";

/** What the server writes into `<script type="application/json" id="__FRSH_STATE">`. */
export interface IslandState {
  /** Island name → module URL, only for islands on this page. */
  urls: Record<string, string>;
  /** Values of the signals passed as props; the same signal object has one entry. */
  signals: unknown[];
  /** `[island name, props]` per marker; a marker's `data-i` indexes this list. */
  islands: [string, Record<string, unknown>][];
}

/** Parses the state and turns every signal marker back into a (shared) signal. */
export function revive(json: string): IslandState {
  const state: IslandState = JSON.parse(json);
  const signals: Signal[] = state.signals.map((value) => signal(value));
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== "object") return value;
    if (SIGNAL_KEY in value) return signals[value[SIGNAL_KEY] as number];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
  };
  state.islands = walk(state.islands) as IslandState["islands"];
  return state;
}

export async function boot(): Promise<void> {
  const text = document.getElementById(STATE_ID)?.textContent;
  if (!text) return;
  const state = revive(text);
  const components = new Map<string, ComponentType>();
  await Promise.all(
    Object.entries(state.urls).map(async ([name, url]) => {
      components.set(name, (await import(url)).default);
    }),
  );
  for (const marker of document.querySelectorAll<HTMLElement>("fresh-island")) {
    const [name, props] = state.islands[Number(marker.dataset.i)];
    hydrate(h(components.get(name)!, props), marker);
  }
}

if (typeof document !== "undefined") boot();
