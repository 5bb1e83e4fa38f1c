/** Builds the fixture project's islands once and mounts it on fresh Hono apps for tests. */
import { Hono } from "hono";
import { defineConfig } from "@twind/core";
import presetTailwind from "@twind/preset-tailwind";
import { buildIslands, type IslandAssets } from "../bundle.ts";
import { mountFresh } from "../server.ts";
import manifest from "./fresh.gen.ts";
import type { TrailState } from "./state.ts";

export { manifest };

export const twind = defineConfig({ presets: [presetTailwind()] });

let assets: Promise<IslandAssets> | undefined;

/** The fixture's island bundle, built on first use. */
export function fixtureAssets(): Promise<IslandAssets> {
  return assets ??= buildIslands(manifest);
}

/** A Hono app with the fixture mounted; `before` may add Hono middleware first. */
export async function fixtureApp(before?: (app: Hono) => void): Promise<Hono> {
  const app = new Hono();
  before?.(app);
  mountFresh(app, {
    manifest,
    islands: await fixtureAssets(),
    twind,
    state: (): TrailState => ({ trail: [] }),
  });
  return app;
}
