// Which lifecycle buttons can be pressed, as a table: an operation running or an engine not connected disables
// them all (saying why); Stop and Restart need something of the selection running; Start needs services.
import { describe, expect, test } from "vitest";
import type { ServiceStatus } from "../bindings";
import { connected, reconnecting, service } from "../../test/engine";
import { controls, serviceControls } from "./controls";

const DEV = ["database", "gameserver"];

function live(...services: ServiceStatus[]): Map<string, ServiceStatus> {
  return new Map(services.map((s) => [s.name, s]));
}

function enabled(c: ReturnType<typeof controls>): string[] {
  return Object.entries(c)
    .filter(([, v]) => v.enabled)
    .map(([k]) => k);
}

describe("selection buttons", () => {
  test.each([
    ["nothing created", live(service("database", { none: true }), service("gameserver", { none: true })), ["start", "remove"]],
    ["one running", live(service("database"), service("gameserver", { none: true })), ["start", "stop", "restart", "remove"]],
    ["all stopped", live(service("database", { state: "exited" }), service("gameserver", { state: "exited" })), ["start", "remove"]],
  ])("%s", (_, state, expected) => {
    expect(enabled(controls({ busy: false, connection: connected(), services: DEV, live: state }))).toEqual(expected);
  });

  test("a running operation disables everything, and says so", () => {
    const c = controls({ busy: true, connection: connected(), services: DEV, live: live(service("database")) });
    expect(enabled(c)).toEqual([]);
    expect(c.start.reason).toMatch(/operation is running/);
  });

  test("no engine: nothing can be pressed, the reason points at the banner", () => {
    const c = controls({ busy: false, connection: reconnecting(2, 4000), services: DEV, live: live() });
    expect(enabled(c)).toEqual([]);
    expect(c.stop.reason).toMatch(/not available/);
    expect(enabled(controls({ busy: false, connection: null, services: DEV, live: live() }))).toEqual([]);
  });

  test("an empty selection cannot be started", () => {
    const c = controls({ busy: false, connection: connected(), services: [], live: live() });
    expect(c.start).toEqual({ enabled: false, reason: "This selection starts no service: select a profile." });
  });
});

describe("service row buttons", () => {
  const base = { busy: false, connection: connected(), live: live() };
  test("running: stop and restart; not running: start", () => {
    const up = serviceControls(base, service("gameserver"));
    expect([up.start.enabled, up.stop.enabled, up.restart.enabled]).toEqual([false, true, true]);
    const down = serviceControls(base, service("gameserver", { state: "exited" }));
    expect([down.start.enabled, down.stop.enabled, down.restart.enabled]).toEqual([true, false, false]);
    const none = serviceControls(base, undefined);
    expect([none.start.enabled, none.stop.enabled, none.restart.enabled]).toEqual([true, false, false]);
  });

  test("busy disables every row", () => {
    const c = serviceControls({ ...base, busy: true }, service("gameserver"));
    expect([c.start.enabled, c.stop.enabled, c.restart.enabled]).toEqual([false, false, false]);
  });
});
