import assert from "node:assert/strict";
import { join } from "node:path";
import { generateManifest, islandName, walk, writeManifest } from "./manifest.ts";

const fixture = new URL("./testdata/", import.meta.url);

async function denoFmt(source: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "ts", "-"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(source));
  await writer.close();
  const { success, stdout } = await child.output();
  assert.ok(success);
  return new TextDecoder().decode(stdout);
}

Deno.test("the committed fixture manifest is what the generator produces", async () => {
  const committed = await Deno.readTextFile(new URL("fresh.gen.ts", fixture));
  assert.equal(await generateManifest(fixture), committed);
});

Deno.test("the generated manifest is already deno fmt formatted", async () => {
  const source = await generateManifest(fixture);
  assert.equal(await denoFmt(source), source);
});

Deno.test("routes and islands are sorted; tests, dotfiles and non-modules are skipped", async () => {
  const root = await Deno.makeTempDir();
  try {
    for (
      const file of [
        "b.tsx",
        "a/[id].ts",
        "index.tsx",
        "a/x_test.ts",
        ".hidden.ts",
        "notes.md",
      ]
    ) {
      await Deno.mkdir(join(root, "routes", file, ".."), { recursive: true });
      await Deno.writeTextFile(join(root, "routes", file), "");
    }
    const source = await generateManifest(root);
    assert.match(
      source,
      /import \* as \$0 from "\.\/routes\/a\/\[id\]\.ts";\nimport \* as \$1 from "\.\/routes\/b\.tsx";\nimport \* as \$2 from "\.\/routes\/index\.tsx";\nimport type/,
    );
    assert.match(source, /\n {2}islands: \{\},\n/);
    assert.doesNotMatch(source, /x_test|hidden|notes/);
    assert.equal(await denoFmt(source), source);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeManifest writes only when the content changes", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(root, "islands"));
    await Deno.writeTextFile(join(root, "islands", "Cart.tsx"), "");
    assert.equal(await writeManifest(root), true);
    const { mtime } = await Deno.stat(join(root, "fresh.gen.ts"));
    assert.equal(await writeManifest(root), false);
    assert.deepEqual(
      (await Deno.stat(join(root, "fresh.gen.ts"))).mtime,
      mtime,
    );
    assert.match(
      await Deno.readTextFile(join(root, "fresh.gen.ts")),
      /"\.\/islands\/Cart\.tsx": \$\$0,/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("walk lists nested files sorted, and nothing for a missing folder", () => {
  const files = walk(new URL("static", fixture).pathname);
  assert.deepEqual(files, ["hello.txt", "img/dot.svg"]);
  assert.deepEqual(walk("/no/such/folder"), []);
});

Deno.test("island names are paths inside islands/ without the extension", () => {
  assert.equal(islandName("./islands/Counter.tsx"), "Counter");
  assert.equal(islandName("./islands/cart/AddToCart.jsx"), "cart/AddToCart");
});
