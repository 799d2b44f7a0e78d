import { expect, test } from "vitest";
import { overview } from "../../test/fixtures";
import { canToggle, canonicalProfile, normalizeSelection, sameSelection, toggled } from "./selection";

test("aliases collapse onto their profile", () => {
  const o = overview();
  expect(canonicalProfile(o, "default")).toBe("development");
  expect(normalizeSelection(o, ["default", "development"])).toEqual(["development"]);
});

test("selections keep the overview's order, unknown names last", () => {
  const o = overview();
  expect(normalizeSelection(o, ["monitoring", "nope", "development"])).toEqual(["development", "monitoring", "nope"]);
  expect(toggled(o, ["monitoring"], "development")).toEqual(["development", "monitoring"]);
  expect(toggled(o, ["development", "monitoring"], "development")).toEqual(["monitoring"]);
});

test("templates can be removed but not added", () => {
  const o = overview();
  expect(canToggle(o, [], "regional-template")).toBe(false);
  expect(canToggle(o, ["regional-template"], "regional-template")).toBe(true);
  expect(canToggle(o, [], "production")).toBe(true);
  // a name the project does not define can only be deselected
  expect(canToggle(o, [], "nope")).toBe(false);
  expect(canToggle(o, ["nope"], "nope")).toBe(true);
});

test("sameSelection ignores order", () => {
  expect(sameSelection(["a", "b"], ["b", "a"])).toBe(true);
  expect(sameSelection(["a"], ["a", "b"])).toBe(false);
});
