import { strictEqual } from "node:assert/strict";
import { generateManifest } from "@/lib/fresh/manifest.ts";

Deno.test("the committed fresh.gen.ts matches routes/ and islands/ (run `deno task manifest`)", async () => {
  const root = new URL("../", import.meta.url);
  const committed = await Deno.readTextFile(new URL("fresh.gen.ts", root));
  strictEqual(committed, await generateManifest(root));
});
