import { expect, test } from "vitest";
import { atBottom, centerOn, windowRange } from "./virtual";

test("the window covers the viewport plus overscan, clamped to the rows", () => {
  // 20 px rows, 200 px viewport: 11 rows visible at most.
  expect(windowRange(0, 200, 20, 100_000, 5)).toEqual({ start: 0, end: 16 });
  expect(windowRange(2000, 200, 20, 100_000, 5)).toEqual({ start: 95, end: 116 });
  expect(windowRange(10_000_000, 200, 20, 1000, 5)).toEqual({ start: 994, end: 1000 });
  expect(windowRange(0, 200, 20, 3, 5)).toEqual({ start: 0, end: 3 });
  expect(windowRange(0, 200, 20, 0, 5)).toEqual({ start: 0, end: 0 });
});

test("bottom detection and centring", () => {
  expect(atBottom(800, 200, 1000, 10)).toBe(true);
  expect(atBottom(795, 200, 1000, 10)).toBe(true);
  expect(atBottom(700, 200, 1000, 10)).toBe(false);
  expect(centerOn(50, 200, 20, 100)).toBe(910);
  expect(centerOn(0, 200, 20, 100)).toBe(0);
  expect(centerOn(99, 200, 20, 100)).toBe(1800);
});
