import { rejects, throws } from "node:assert/strict";
import { FORM_TOKEN_TTL_MS } from "../db/keys.ts";
import { AppError } from "../http/errors.ts";
import { assertSameOrigin, consumeFormToken, issueFormToken } from "./form_token.ts";

const SECRET = "form-token-test-secret-form-token!!";
const NOW = new Date("2026-11-22T09:00:00Z");
const ORIGIN = "https://shop.example";

const status = (expected: number, text?: RegExp) => (err: unknown) =>
  err instanceof AppError && err.status === expected && (!text || text.test(err.message));

Deno.test("a form token works once, for its own session, until it expires", async () => {
  using kv = await Deno.openKv(":memory:");
  const token = await issueFormToken(SECRET, "session-a", NOW);
  const later = new Date(NOW.getTime() + FORM_TOKEN_TTL_MS);
  await consumeFormToken(kv, SECRET, "session-a", token, later);
  await rejects(
    consumeFormToken(kv, SECRET, "session-a", token, later),
    status(409, /already submitted/),
  );

  const other = await issueFormToken(SECRET, "session-a", NOW);
  await rejects(consumeFormToken(kv, SECRET, "session-b", other, NOW), status(403, /not valid/));
  await rejects(
    consumeFormToken(kv, "another-secret-another-secret!!", "session-a", other, NOW),
    status(403),
  );
  const expired = new Date(NOW.getTime() + FORM_TOKEN_TTL_MS + 1);
  await rejects(consumeFormToken(kv, SECRET, "session-a", other, expired), status(403, /expired/));
  // Refusals spend nothing: the token still works for its session in time.
  await consumeFormToken(kv, SECRET, "session-a", other, NOW);
});

Deno.test("missing, malformed and re-signed tokens are refused with 403", async () => {
  using kv = await Deno.openKv(":memory:");
  const token = await issueFormToken(SECRET, "s", NOW);
  const [issued, nonce, sig] = token.split(".");
  const forgedTime = `${(NOW.getTime() + 1).toString(36)}.${nonce}.${sig}`;
  for (const bad of [null, "", "x", "a.b", `${issued}.${nonce}.`, forgedTime, `${token}0`]) {
    await rejects(consumeFormToken(kv, SECRET, "s", bad, NOW), status(403), String(bad));
  }
});

Deno.test("only same-origin requests pass the origin check", () => {
  const req = (headers: Record<string, string>) =>
    new Request(`${ORIGIN}/admin/orders/o1`, { method: "POST", headers });
  assertSameOrigin(req({}), ORIGIN);
  assertSameOrigin(req({ origin: ORIGIN, "sec-fetch-site": "same-origin" }), ORIGIN);
  assertSameOrigin(req({ "sec-fetch-site": "none" }), ORIGIN);
  // Behind a proxy the request URL's own origin may differ from PUBLIC_ORIGIN.
  assertSameOrigin(req({ origin: ORIGIN }), "http://localhost:8000");
  const crossSite: Record<string, string>[] = [
    { origin: "https://evil.example" },
    { origin: "null" },
    { origin: "https://shop.example.evil.example" },
    { "sec-fetch-site": "cross-site" },
    { "sec-fetch-site": "same-site" },
  ];
  for (const headers of crossSite) {
    throws(() => assertSameOrigin(req(headers), ORIGIN), status(403), JSON.stringify(headers));
  }
});
