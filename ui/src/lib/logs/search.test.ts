import { expect, test } from "vitest";
import { compileSearch, matches, segments } from "./search";

test("plain text is a case-insensitive substring, special characters included", () => {
  const s = compileSearch({ text: "GET /a(1)", regex: false, caseSensitive: false });
  expect(s.kind).toBe("ok");
  expect(matches(s, "get /A(1) 200")).toBe(true);
  expect(matches(s, "GET /a1")).toBe(false);
  expect(segments(s, "x get /a(1) y GET /A(1)")).toEqual([
    { text: "x ", match: false },
    { text: "get /a(1)", match: true },
    { text: " y ", match: false },
    { text: "GET /A(1)", match: true },
  ]);
});

test("case-sensitive and regex searches", () => {
  const cs = compileSearch({ text: "Error", regex: false, caseSensitive: true });
  expect(matches(cs, "an error")).toBe(false);
  expect(matches(cs, "an Error")).toBe(true);
  const re = compileSearch({ text: "took \\d+ms", regex: true, caseSensitive: false });
  expect(segments(re, "query took 12ms, then TOOK 3ms").filter((s) => s.match).map((s) => s.text)).toEqual([
    "took 12ms",
    "TOOK 3ms",
  ]);
});

test("empty, invalid and empty-matching patterns", () => {
  expect(compileSearch({ text: "", regex: true, caseSensitive: false }).kind).toBe("none");
  expect(compileSearch({ text: "(", regex: true, caseSensitive: false }).kind).toBe("invalid");
  expect(compileSearch({ text: "a*", regex: true, caseSensitive: false }).kind).toBe("invalid");
  const none = compileSearch({ text: "", regex: false, caseSensitive: false });
  expect(segments(none, "text")).toEqual([{ text: "text", match: false }]);
  expect(matches(none, "text")).toBe(false);
});
