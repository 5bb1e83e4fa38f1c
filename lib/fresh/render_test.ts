import assert from "node:assert/strict";
import { type ComponentType, h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { Signal, signal } from "@preact/signals";
import { revive, SIGNAL_KEY } from "./boot.ts";
import { createRenderer, serializeState } from "./render.ts";
import type { PageProps } from "./types.ts";
import { fixtureApp, fixtureAssets } from "./testdata/app.ts";
import Counter from "./testdata/islands/Counter.tsx";
import { HOSTILE } from "./testdata/routes/islands.tsx";

const STYLESHEET = "/_fresh/styles.0123456789abcdef.css";
const app = await fixtureApp();
const html = await (await app.request("/islands")).text();
const stateJson =
  html.match(/<script type="application\/json" id="__FRSH_STATE">(.*?)<\/script>/s)![1];

Deno.test("islands render inside markers that index their props", () => {
  assert.match(
    html,
    /<fresh-island data-name="Counter" data-i="0"><button type="button" class="px-2">clicks: 41\/82<\/button><\/fresh-island>/,
  );
  assert.match(html, /<fresh-island data-name="Echo" data-i="1"><output>/);
});

Deno.test("the props script cannot be broken out of", () => {
  assert.doesNotMatch(stateJson, /[<>&\u2028\u2029]/);
  assert.equal(html.match(/<script/g)!.length, 2);
  assert.equal(html.match(/<\/script>/g)!.length, 2);
  assert.ok(!html.includes("<script>alert(1)"));
});

Deno.test("props round-trip, and one server signal is one client signal", () => {
  const state = revive(stateJson);
  const [[counterName, counter], [echoName, echo]] = state.islands;
  assert.equal(counterName, "Counter");
  assert.equal(echoName, "Echo");
  assert.equal(echo.text, HOSTILE);
  assert.deepEqual(echo.nested, { list: [1, 2], flag: true });
  assert.equal(counter.label, "clicks");
  assert.ok(counter.count instanceof Signal);
  assert.equal(counter.count, echo.count);
  assert.equal((counter.count as Signal<number>).value, 41);
  assert.deepEqual(Object.keys(state.urls), ["Counter", "Echo"]);
});

Deno.test("distinct signals stay distinct, shared ones are shared", () => {
  const a = signal({ n: 1 });
  const b = signal("x");
  const json = serializeState(
    [["One", { a, b, again: a }], ["Two", { list: [b] }]],
    { One: "/one.js", Two: "/two.js" },
  );
  assert.equal(JSON.parse(json).signals.length, 2);
  const [[, one], [, two]] = revive(json).islands;
  assert.deepEqual((one.a as Signal).value, { n: 1 });
  assert.equal(one.a, one.again);
  assert.notEqual(one.a, one.b);
  assert.equal((two.list as Signal[])[0], one.b);
});

Deno.test("the default shell is used without _app; island children are not serialised", async () => {
  const render = createRenderer(STYLESHEET, await fixtureAssets());
  const Island = Counter as unknown as ComponentType<Record<string, unknown>>;
  const page = () => h(Island, { label: "x", count: signal(2) }, h("i", null, "c"));
  const res = render({ layouts: [], page, props: {} as PageProps }, { status: 201 });
  assert.equal(res.status, 201);
  const text = await res.text();
  assert.ok(text.startsWith('<!DOCTYPE html><html><head><meta charset="utf-8"/>'));
  assert.match(text, /"islands":\[\["Counter",\{"label":"x","count":\{"__fresh_signal":0\}\}\]\]/);
});

Deno.test("an island rendered outside a page render gets no marker", () => {
  const out = renderToString(h(Counter, { label: "x", count: signal(1) }));
  assert.equal(out, '<button type="button" class="px-2">x: 1/2</button>');
});

Deno.test("the signal marker key is what the server writes", () => {
  assert.ok(stateJson.includes(`{"${SIGNAL_KEY}":0}`));
});

Deno.test("every page links the stylesheet in <head> and carries no CSS of its own", async () => {
  const render = createRenderer(STYLESHEET, await fixtureAssets());
  for (const cls of ["mt-4 text-red-600", "mt-8"]) {
    const page = () => h("p", { class: cls }, "text") as VNode;
    const html = await render({ layouts: [], page, props: {} as PageProps }).text();
    const link = html.indexOf(`<link rel="stylesheet" href="${STYLESHEET}">`);
    assert.ok(link > 0 && link < html.indexOf("</head>"), html);
    assert.doesNotMatch(html, /<style/);
  }
});
