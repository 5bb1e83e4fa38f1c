import assert from "node:assert/strict";
import { CookieJar, pick, RssLog, seededRandom, vmRssKb } from "./soak_mix.ts";

Deno.test("seededRandom repeats its sequence for a seed and stays in [0, 1)", () => {
  const a = seededRandom(16);
  const b = seededRandom(16);
  const first = Array.from({ length: 1000 }, a);
  assert.deepEqual(Array.from({ length: 1000 }, b), first);
  assert.ok(first.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(Array.from({ length: 10 }, seededRandom(17)), first.slice(0, 10));
});

Deno.test("pick reaches every item and refuses an empty list", () => {
  const random = seededRandom(1);
  const seen = new Set(Array.from({ length: 200 }, () => pick(["a", "b", "c"], random)));
  assert.deepEqual([...seen].sort(), ["a", "b", "c"]);
  assert.throws(() => pick([], random));
});

Deno.test("CookieJar keeps the latest value per name and drops removed cookies", () => {
  const jar = new CookieJar();
  assert.equal(jar.header(), undefined);
  jar.store(["settle_cart=abc.sig; Path=/; HttpOnly; SameSite=Lax", "theme=dark"]);
  assert.equal(jar.header(), "settle_cart=abc.sig; theme=dark");
  jar.store(["settle_cart=def.sig; Path=/"]);
  assert.equal(jar.header(), "settle_cart=def.sig; theme=dark");
  jar.store(["settle_cart=; Max-Age=0; Path=/"]);
  assert.equal(jar.header(), "theme=dark");
  jar.store(["theme=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]);
  assert.equal(jar.header(), undefined);
});

Deno.test("vmRssKb reads VmRSS from a /proc status text", () => {
  const status = "Name:\tdeno\nVmPeak:\t  900000 kB\nVmRSS:\t  123456 kB\nThreads:\t12\n";
  assert.equal(vmRssKb(status), 123456);
  assert.equal(vmRssKb("Name:\tkthreadd\n"), null);
});

Deno.test("RssLog reports the reading at a mark and the largest on the second half to it", () => {
  const log = new RssLog();
  for (const [requests, kb] of [[100, 900], [400, 500], [600, 800], [900, 700], [1000, 750]]) {
    log.add(requests, kb);
  }
  assert.deepEqual(log.at(1000), { requests: 1000, atMarkKb: 750, maxKb: 800 });
  assert.deepEqual(log.at(500), { requests: 600, atMarkKb: 800, maxKb: 800 });
  assert.equal(log.at(2000), null);
});
