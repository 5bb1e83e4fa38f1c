import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify, twind, virtual } from "@twind/core";
import freshConfig from "../../fresh.config.ts";
import {
  buildStylesheet,
  classCandidates,
  loadStylesheet,
  markupDirs,
  sourceFiles,
  stylesFor,
  writeStylesheet,
} from "./styles.ts";
import { twind as fixtureTwind } from "./testdata/app.ts";

const PROJECT = new URL("../../", import.meta.url);

Deno.test("class words are found in JSX attributes, template literals, ternaries and constants", () => {
  const source = `
    const LIVE = "text-sm data-[tone=ok]:text-green-700 " +
      "grid-cols-[1fr_auto] md:w-1/2";
    <body class={\`flex min-h-screen \${admin ? "bg-slate-50" : "bg-stone-50"}\`}>
    <p class="py-2.5 !font-bold -mt-1">x</p>
    {open && <i class={OPEN}>x</i>}`;
  const words = classCandidates(source);
  for (
    const cls of [
      "text-sm",
      "data-[tone=ok]:text-green-700",
      "grid-cols-[1fr_auto]",
      "md:w-1/2",
      "flex",
      "min-h-screen",
      "bg-slate-50",
      "bg-stone-50",
      "py-2.5",
      "!font-bold",
      "-mt-1",
    ]
  ) assert.ok(words.has(cls), cls);
  for (const code of ["class={OPEN}>x</i>}", "${admin", "LIVE", "+", "<p"]) {
    assert.ok(!words.has(code), code);
  }
});

Deno.test("skipping code-like words loses no CSS: the project's sheet equals twind over every word", () => {
  const sources = sourceFiles(markupDirs(PROJECT)).map((p) => Deno.readTextFileSync(p));
  const tw = twind(freshConfig.twind, virtual());
  for (const text of sources) {
    for (const word of text.split(/[\s"'`]+/)) {
      try {
        tw(word);
      } catch {
        // twind refuses some code outright; it makes no CSS either way.
      }
    }
  }
  const everyWord = stringify(tw.target);
  assert.ok(everyWord.includes(".bg-brand-600{"));
  assert.equal(stylesFor(freshConfig.twind, sources), everyWord + "fresh-island{display:contents}");
});

Deno.test("the stylesheet is named by its content and carries the island marker rule", () => {
  const dirs = markupDirs(new URL("./testdata/", import.meta.url));
  const sheet = buildStylesheet(fixtureTwind, dirs);
  assert.match(sheet.file, /^styles\.[0-9a-f]{16}\.css$/);
  assert.equal(sheet.href, `/_fresh/${sheet.file}`);
  const css = new TextDecoder().decode(sheet.css);
  assert.match(css, /fresh-island\{display:contents\}/);
  assert.match(css, /\.px-2\{/, "a class of an island");
  assert.equal(buildStylesheet(fixtureTwind, dirs).file, sheet.file);
  const other = buildStylesheet(fixtureTwind, markupDirs(PROJECT));
  assert.notEqual(other.file, sheet.file);
});

Deno.test("a written stylesheet loads back, replaces older ones, and a missing build loads as null", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await loadStylesheet(dir), null);
    const old = { file: "styles.00000000000000aa.css", href: "", css: new Uint8Array([97]) };
    await writeStylesheet(old, dir);
    const sheet = buildStylesheet(
      fixtureTwind,
      markupDirs(new URL("./testdata/", import.meta.url)),
    );
    await writeStylesheet(sheet, dir);
    const loaded = await loadStylesheet(dir);
    assert.deepEqual(loaded, sheet);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [sheet.file, "styles.json"]);
    assert.ok((await Deno.stat(join(dir, sheet.file))).size > 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
