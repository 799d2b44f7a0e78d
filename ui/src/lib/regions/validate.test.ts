// The wizard's inline checks against the core's rules (the same table as `region/request.rs`'s tests): each
// case fails on exactly the field the core names, or passes.

import { describe, expect, test } from "vitest";
import { OWNER } from "./fixtures";
import { byField, checkForm, defaultDbUser, defaultForm, randomUuid, sentence, toRequest, type FormField, type RegionForm } from "./validate";

function form(edit: Partial<RegionForm> = {}): RegionForm {
  return { ...defaultForm(), name: "alpha-1", ownerId: OWNER, ...edit };
}

const cases: [Partial<RegionForm>, FormField | ""][] = [
  [{}, ""],
  [{ name: "abc" }, ""],
  [{ name: "A_b-9" }, ""],
  [{ name: "x".repeat(50) }, ""],
  [{ name: "ab" }, "name"],
  [{ name: "x".repeat(51) }, "name"],
  [{ name: "has space" }, "name"],
  [{ name: "dots.no" }, "name"],
  [{ name: "ünï" }, "name"],
  [{ name: "ADMIN" }, "name"],
  [{ name: "central-nexus" }, "name"],
  [{ name: "Production" }, "name"],
  [{ name: "taken" }, "name"],
  [{ ownerId: "not-a-uuid" }, "ownerId"],
  [{ ownerId: "3f2b8c1e9a4d4e7b8c215d6f7a8b9c0d" }, "ownerId"],
  [{ ownerId: "3F2B8C1E-9A4D-4E7B-8C21-5D6F7A8B9C0D" }, ""],
  [{ ownerId: "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0g" }, "ownerId"],
  [{ cpuCores: "0.5" }, "cpuCores"],
  [{ cpuCores: "8.5" }, "cpuCores"],
  [{ cpuCores: "" }, "cpuCores"],
  [{ cpuCores: "1" }, ""],
  [{ cpuCores: "2.5" }, ""],
  [{ cpuCores: "8" }, ""],
  [{ memoryGb: "1" }, "memoryGb"],
  [{ memoryGb: "17" }, "memoryGb"],
  [{ memoryGb: "4.5" }, "memoryGb"],
  [{ memoryGb: "16" }, ""],
  [{ maxPlayers: "9" }, "maxPlayers"],
  [{ maxPlayers: "1001" }, "maxPlayers"],
  [{ maxPlayers: "10" }, ""],
  [{ governance: "anarchy" }, "governance"],
  [{ governance: "Council" }, "governance"],
  [{ governance: "council" }, ""],
  [{ economy: "piracy" }, "economy"],
  [{ economy: "military" }, ""],
  [{ startingCredits: "99" }, "startingCredits"],
  [{ startingCredits: "100" }, ""],
  [{ startingShip: "" }, "startingShip"],
  [{ startingShip: "big ship" }, "startingShip"],
  [{ dbUser: "1user" }, "dbUser"],
  [{ dbUser: "ok_user" }, ""],
];

describe("checkForm mirrors the core's rules", () => {
  test.each(cases)("%j fails on %j", (edit, field) => {
    const errors = checkForm(form(edit), ["Taken"]);
    expect(Object.keys(errors)).toEqual(field === "" ? [] : [field]);
  });

  test("every failure at once, in field order, each a sentence naming the rule", () => {
    const errors = checkForm({
      name: "x",
      ownerId: "nope",
      dbUser: "-",
      cpuCores: "9",
      memoryGb: "0",
      maxPlayers: "0",
      governance: "x",
      economy: "x",
      startingCredits: "0",
      startingShip: " ",
    });
    expect(Object.keys(errors)).toEqual([
      "name",
      "ownerId",
      "dbUser",
      "cpuCores",
      "memoryGb",
      "maxPlayers",
      "governance",
      "economy",
      "startingCredits",
      "startingShip",
    ]);
    expect(sentence(errors.cpuCores ?? "")).toBe("Must be between 1 and 8.");
    expect(sentence(errors.governance ?? "")).toBe("Must be one of autocracy, democracy, council.");
  });
});

test("the request the backend gets: numbers as numbers, an empty database user as the default", () => {
  expect(toRequest(form({ cpuCores: "2.5", memoryGb: "8" }))).toEqual({
    name: "alpha-1",
    ownerId: OWNER,
    cpuCores: 2.5,
    memoryGb: 8,
    maxPlayers: 100,
    governance: "autocracy",
    economy: "balanced",
    startingCredits: 1000,
    startingShip: "scout",
    dbUser: null,
  });
  expect(defaultDbUser("my-region")).toBe("region_my_region_user");
});

test("the backend's field errors, first per field", () => {
  expect(
    byField([
      { field: "name", rule: "must not be the name of an existing region of this project", value: "alpha" },
      { field: "name", rule: "second", value: "alpha" },
      { field: "memoryGb", rule: "must be between 2 and 16 (GB)", value: "17" },
    ]),
  ).toEqual({ name: "must not be the name of an existing region of this project", memoryGb: "must be between 2 and 16 (GB)" });
});

test("generated owner IDs are distinct version-4 UUIDs the rules accept", () => {
  const ids = new Set(Array.from({ length: 50 }, () => randomUuid()));
  expect(ids.size).toBe(50);
  for (const id of ids) {
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(checkForm(form({ ownerId: id })).ownerId).toBeUndefined();
  }
});
