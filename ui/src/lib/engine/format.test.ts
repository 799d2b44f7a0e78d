// The live state's words and tone: a deliberate stop (exit 0, 143 from SIGTERM, 137 from SIGKILL without an
// OOM kill) reads as a neutral "stopped" with its code apart; any other exit, or an OOM kill, is a failure.
import { describe, expect, test } from "vitest";
import { service } from "../../test/engine";
import { duration, serviceTone, statusParts, statusText, stoppedCleanly } from "./format";

describe("exited services", () => {
  test.each([0, 143, 137])("exit code %i after a stop is a neutral stopped", (code) => {
    const s = service("database", { state: "exited", exitCode: code, health: "none" });
    expect(stoppedCleanly(s)).toBe(true);
    expect(serviceTone(s)).toBe("idle");
    expect(statusParts(s)).toEqual({ text: "stopped", code: `(code ${code})` });
    expect(statusText(s)).toBe(`stopped (code ${code})`);
  });

  test("exit code 137 from the OOM killer is a failure", () => {
    const s = service("database", { state: "exited", exitCode: 137, oomKilled: true, health: "none" });
    expect(stoppedCleanly(s)).toBe(false);
    expect(serviceTone(s)).toBe("bad");
    expect(statusParts(s)).toEqual({ text: "exited (code 137)", code: null });
  });

  test.each([1, 2, 139, 255])("exit code %i is a failure", (code) => {
    const s = service("gameserver", { state: "exited", exitCode: code, health: "none" });
    expect(serviceTone(s)).toBe("bad");
    expect(statusText(s)).toBe(`exited (code ${code})`);
  });

  test("a dead container stays red whatever its code", () => {
    const s = service("gameserver", { state: "dead", exitCode: 143, health: "none" });
    expect(serviceTone(s)).toBe("bad");
    expect(statusText(s)).toBe("dead (code 143)");
  });

  test("without container details, 137 counts as a deliberate stop", () => {
    expect(serviceTone({ state: "exited", health: "none", exitCode: 137 })).toBe("idle");
  });
});

describe("running services", () => {
  test("health decides the tone and the words", () => {
    expect(statusText(service("a"))).toBe("running · healthy");
    expect(serviceTone(service("a", { health: "starting" }))).toBe("warn");
    expect(serviceTone(service("a", { health: "unhealthy" }))).toBe("bad");
    expect(statusText(service("a", { health: "none" }))).toBe("running");
    expect(statusParts(service("a", { state: "notCreated", none: true }))).toEqual({ text: "not running", code: null });
  });
});

describe("duration", () => {
  test("shows seconds only in the first minute, so an uptime changes the window once a minute after that", () => {
    expect(duration(42_000)).toBe("42s");
    expect(duration(185_000)).toBe("3m");
    expect(duration((2 * 60 + 7) * 60_000)).toBe("2h 07m");
    expect(duration((3 * 24 + 4) * 3_600_000)).toBe("3d 4h");
  });
});
