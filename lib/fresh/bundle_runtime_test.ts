import assert from "node:assert/strict";
import {
  chunksToFold,
  importFromRuntime,
  nameFoldedImports,
  runtimeEntry,
  runtimeExports,
  SHARED_PACKAGES,
} from "./bundle_runtime.ts";

const packages = new Set(SHARED_PACKAGES);

Deno.test("an island's imports of several packages become one import of the runtime", () => {
  const island = 'import{useState as a}from"preact/hooks";import{jsx as b,Fragment as c}' +
    'from"preact/jsx-runtime";import*as P from"preact";import{Fragment as d}from"preact";' +
    "a(0);";
  const exports = runtimeExports([island], packages);
  assert.equal(
    importFromRuntime(island, exports, "./boot-1.js"),
    'import{useState as a,jsx as b,Fragment$2 as c,ns$0 as P,Fragment$0 as d}from"./boot-1.js";' +
      "a(0);",
  );
});

Deno.test("a name two sources export is exported once per source under its own alias", () => {
  const exports = runtimeExports(
    ['import{Fragment as a}from"preact";import{Fragment as b,jsx}from"preact/jsx-runtime";'],
    packages,
  );
  const entry = runtimeEntry("/app/lib/fresh/boot.ts", exports, []);
  assert.equal(
    entry,
    'export * from "file:///app/lib/fresh/boot.ts";\n' +
      'export { Fragment as Fragment$0 } from "preact";\n' +
      'export { Fragment as Fragment$2 } from "preact/jsx-runtime";\n' +
      'export { jsx as jsx } from "preact/jsx-runtime";\n',
  );
});

Deno.test("an import that only orders evaluation becomes an import of the runtime", () => {
  const exports = runtimeExports([], new Set(["./chunk-a.js"]));
  assert.equal(
    importFromRuntime('import"./chunk-a.js";go();', exports, "./boot-1.js"),
    'import"./boot-1.js";go();',
  );
});

Deno.test("a package use the rewrite cannot express is refused, not left dangling", () => {
  const island = 'export{h}from"preact";';
  assert.throws(
    () => importFromRuntime(island, runtimeExports([island], packages), "./boot-1.js"),
    /Unsupported import of preact/,
  );
});

Deno.test("chunks most islands load and tiny ones fold, unless they import a kept chunk", () => {
  const big = "x".repeat(300);
  const texts = new Map([
    ["/o/A.js", 'import"./chunk-common.js";import"./chunk-rare.js";import"./chunk-tiny.js";'],
    ["/o/B.js", 'import"./chunk-common.js";'],
    ["/o/C.js", 'import"./chunk-common.js";import"./chunk-leans.js";'],
    ["/o/D.js", ""],
    ["/o/E.js", ""],
    ["/o/chunk-common.js", big],
    ["/o/chunk-rare.js", big],
    ["/o/chunk-tiny.js", "var t=1;export{t as a};"],
    ["/o/chunk-leans.js", 'import"./chunk-rare.js";'],
  ]);
  const fold = chunksToFold(texts, ["/o/A.js", "/o/B.js", "/o/C.js", "/o/D.js", "/o/E.js"]);
  assert.deepEqual([...fold].sort(), ["/o/chunk-common.js", "/o/chunk-tiny.js"]);
  assert.equal(
    nameFoldedImports("/o/sub/E.js", 'import{a}from"../chunk-tiny.js";', fold),
    'import{a}from"./chunk-tiny.js";',
  );
});
