import { deepStrictEqual as assertEquals, equal, ok } from "node:assert/strict";
import { NotFoundError, ValidationError } from "../http/errors.ts";
import { CLEAR_FLASH, FLASH_COOKIE, flashCookie, readFlash, refusalFlash } from "./flash.ts";

const SECRET = "flash-test-secret-flash-test-secret!";

const carrying = (setCookie: string, extra = "theme=dark") =>
  new Request("http://shop.test/admin/orders/o1", {
    headers: { cookie: `${extra}; ${setCookie.split(";")[0]}` },
  });

Deno.test("a flash survives one redirect, signed and scoped to the admin", async () => {
  const flash = {
    tone: "success" as const,
    message: "Refunded $2.50; see <history> & more",
    url: "http://127.0.0.1:4000/pay/cs_test_1?a=1&b=2",
  };
  const cookie = await flashCookie(SECRET, flash, true);
  for (const part of ["Path=/admin", "HttpOnly", "SameSite=Strict", "Secure", "Max-Age=60"]) {
    ok(cookie.includes(part), part);
  }
  assertEquals(await readFlash(carrying(cookie), SECRET), flash);
  equal(await readFlash(carrying(cookie), "another-secret-another-secret!!"), null);
  equal(await readFlash(new Request("http://shop.test/admin"), SECRET), null);
  ok(CLEAR_FLASH.startsWith(`${FLASH_COOKIE}=;`) && CLEAR_FLASH.includes("Max-Age=0"));
});

Deno.test("a planted or malformed flash is ignored", async () => {
  const planted = `${FLASH_COOKIE}=${encodeURIComponent('{"tone":"info","message":"hi"}')}`;
  equal(await readFlash(carrying(planted), SECRET), null, "unsigned");
  const badUrl = await flashCookie(
    SECRET,
    { tone: "info", message: "x", url: "javascript:alert(1)" },
    false,
  );
  equal(await readFlash(carrying(badUrl), SECRET), null, "only http(s) links");
});

Deno.test("a refusal's flash carries its message, field issues and the form to refill; a draft too big for a cookie is dropped, never the message", async () => {
  const invalid = new ValidationError("Check the form and try again", [
    { path: "reason", message: "say why (at least 3 characters)" },
  ]);
  const flash = refusalFlash(invalid, { action: "refund", amount: "2.50", reason: "" })!;
  assertEquals(flash, {
    tone: "error",
    message: "Check the form and try again",
    issues: [{ path: "reason", message: "say why (at least 3 characters)" }],
    draft: { action: "refund", amount: "2.50", reason: "" },
  });
  assertEquals(await readFlash(carrying(await flashCookie(SECRET, flash, false)), SECRET), flash);

  const { draft: _, ...withoutDraft } = refusalFlash(invalid, { reason: "😀".repeat(500) })!;
  const big = await flashCookie(
    SECRET,
    { ...withoutDraft, draft: { reason: "😀".repeat(500) } },
    false,
  );
  ok(big.length <= 4000, `${big.length} bytes`);
  assertEquals(await readFlash(carrying(big), SECRET), withoutDraft);

  equal(refusalFlash(new NotFoundError(), {}), null, "a 404 is a page, not a refusal");
  equal(refusalFlash(new Error("boom"), {}), null, "nor is a bug");
});
