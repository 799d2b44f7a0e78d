// The typed-value checks against the same table as the Rust rules (crates/dockmaster-core/src/secrets/rules.rs):
// the preview must agree with what the backend will decide.

import { describe, expect, test } from "vitest";
import type { VariableRuleView } from "../bindings";
import { checkFormat, checkValue } from "./validate";

const FERNET_OK = "Pw8WbbfX6L4ypnr2DWyRw3IJ7-aOxW4NbB8rbmq6Rbs=";

const cases: [string, string, string, boolean][] = [
  ["postgres url ok", "postgres-url", "postgresql://u:p@database:5432/db", true],
  ["postgres url with driver", "postgres-url", "postgresql+asyncpg://u:p@db/x", true],
  ["postgres url old scheme", "postgres-url", "postgres://u:p@db/x", false],
  ["postgres url not a url", "postgres-url", "database:5432", false],
  ["postgres url no host", "postgres-url", "postgresql:///db", false],
  ["fernet ok", "fernet-key", FERNET_OK, true],
  ["fernet unpadded", "fernet-key", FERNET_OK.slice(0, -1), false],
  ["fernet standard alphabet", "fernet-key", "Pw8WbbfX6L4ypnr2DWyRw3IJ7+aOxW4NbB8rbmq6Rbs=", false],
  ["fernet 31 bytes", "fernet-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", false],
  ["fernet 33 bytes", "fernet-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false],
  ["fernet non-canonical last character", "fernet-key", FERNET_OK.slice(0, 42) + "t=", false],
  ["port ok low", "port", "1", true],
  ["port ok high", "port", "65535", true],
  ["port zero", "port", "0", false],
  ["port too high", "port", "65536", false],
  ["port not a number", "port", "80a", false],
  ["port with a sign", "port", "+80", false],
  ["bool ok", "bool", "False", true],
  ["bool invalid", "bool", "maybe", false],
  ["url ok", "url", "http://localhost:8080/api", true],
  ["url ipv6", "url", "http://[::1]:8080/", true],
  ["url invalid", "url", "localhost:8080", false],
  ["url bad port", "url", "http://localhost:80x/", false],
  ["url with a space", "url", "http://local host/", false],
];

describe("formats", () => {
  test.each(cases)("%s", (_name, format, value, ok) => {
    expect(checkFormat(format, value) === null).toBe(ok);
  });
  test("an unknown format is reported, not accepted", () => {
    expect(checkFormat("semver", "1.0.0")).toMatch(/unknown format/);
  });
});

describe("values", () => {
  const jwt: VariableRuleView = { required: true, minLength: 32, format: null, pairedWith: null };
  test("length counts characters, as the backend does", () => {
    expect(checkValue(jwt, "a".repeat(31), true)).toEqual(["Must be at least 32 characters (it has 31)."]);
    expect(checkValue(jwt, "a".repeat(32), true)).toEqual([]);
    expect(checkValue({ ...jwt, minLength: 12 }, "é".repeat(11), true)).toEqual(["Must be at least 12 characters (it has 11)."]);
    expect(checkValue({ ...jwt, minLength: 3 }, "😀😀😀", true)).toEqual([]);
  });
  test("empty: required says so, a secret needs a value, an optional non-secret may be empty", () => {
    expect(checkValue(jwt, "", true)).toEqual(["Required: enter a value."]);
    expect(checkValue(undefined, "", true)).toEqual(["Enter a value (to remove the secret, delete it)."]);
    expect(checkValue(undefined, "", false)).toEqual([]);
  });
  test("length and format problems are both listed", () => {
    const rule: VariableRuleView = { required: false, minLength: 50, format: "postgres-url", pairedWith: null };
    expect(checkValue(rule, "mysql://db/x", false)).toHaveLength(2);
  });
});
