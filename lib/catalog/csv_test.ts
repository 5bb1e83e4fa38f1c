import assert from "node:assert/strict";
import { CsvSyntaxError, parseCsv, toCsv } from "./csv.ts";

Deno.test("parseCsv reads quoted fields, doubled quotes, line breaks in quotes and line numbers", () => {
  const text = '\uFEFFa,b,c\r\n1,"two, too","say ""hi"""\r\n\r\n"multi\nline",,""\n4,5,6';
  assert.deepEqual(parseCsv(text), [
    { line: 1, fields: ["a", "b", "c"] },
    { line: 2, fields: ["1", "two, too", 'say "hi"'] },
    { line: 4, fields: ["multi\nline", "", ""] },
    { line: 6, fields: ["4", "5", "6"] },
  ]);
  assert.deepEqual(parseCsv("a,b\n,\n"), [{ line: 1, fields: ["a", "b"] }, {
    line: 2,
    fields: ["", ""],
  }]);
  assert.deepEqual(parseCsv(""), []);
});

Deno.test("parseCsv refuses broken quoting and names the line", () => {
  const lineOf = (text: string) => {
    try {
      parseCsv(text);
    } catch (err) {
      assert.ok(err instanceof CsvSyntaxError);
      return err.line;
    }
    return null;
  };
  assert.equal(lineOf('a\n"open\nstill open'), 2);
  assert.equal(lineOf('a\n"x"y,z'), 2);
  assert.equal(lineOf('a\nb\nx"y'), 3);
});

Deno.test("toCsv quotes only what needs it and parseCsv reads it back", () => {
  const rows = [["slug", "title"], ["a", 'He said "no", twice'], ["b", "two\nlines"], [
    "c",
    " pad ",
  ]];
  const text = toCsv(rows);
  assert.equal(text.split("\n")[0], "slug,title");
  assert.deepEqual(parseCsv(text).map((r) => r.fields), rows);
});
