/** The project's islands, bundled once per test process (about 0.3 s). */
import { buildIslands, type IslandAssets } from "@/lib/fresh/bundle.ts";

let assets: Promise<IslandAssets> | null = null;

export function testIslands(): Promise<IslandAssets> {
  return assets ??= buildIslands();
}
