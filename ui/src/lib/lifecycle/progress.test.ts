// The progress reducer: phases become a per-service timeline with times, gates show "waiting for X", repeated
// or late events change nothing, output is bounded, and the result fills in services no event named.
import { describe, expect, test } from "vitest";
import { Events, result } from "../../test/lifecycle";
import { OUTPUT_LIMIT, applyEvent, counts, elapsed, finishProgress, phaseLabel, startProgress, type Progress } from "./progress";

function run(p: Progress, events: Parameters<typeof applyEvent>[1][]): Progress {
  return events.reduce(applyEvent, p);
}

describe("progress", () => {
  test("a start: created → starting → waiting for the database → healthy, with times", () => {
    const ev = new Events("up");
    let p = startProgress("up", ["database", "gameserver"]);
    expect(p.services.map((s) => [s.name, s.phase])).toEqual([
      ["database", null],
      ["gameserver", null],
    ]);
    p = run(p, [
      ev.event("started", "up sectorwars2102 (development) with Compose v2 2.26.1", { source: "dockmaster" }),
      ev.phase("database", "created", 400),
      ev.phase("gameserver", "created", 450),
      ev.phase("database", "starting", 600),
      ev.gate("gameserver", "database", false, 700),
      ev.phase("database", "waiting", 900, "engine"),
      ev.phase("database", "healthy", 5200, "engine"),
      ev.gate("gameserver", "database", true, 5210),
      ev.phase("gameserver", "starting", 5300),
      ev.phase("gameserver", "healthy", 8200, "engine"),
    ]);
    const [db, gs] = p.services;
    expect(db.timeline.map((t) => [phaseLabel(t.phase, t.waitingFor), t.atMs])).toEqual([
      ["created", 400],
      ["starting", 600],
      ["waiting for health", 900],
      ["healthy", 5200],
    ]);
    expect(gs.timeline.map((t) => [phaseLabel(t.phase, t.waitingFor), t.atMs, t.source])).toEqual([
      ["created", 450, "compose"],
      ["waiting for database", 700, "dockmaster"],
      ["starting", 5300, "compose"],
      ["healthy", 8200, "engine"],
    ]);
    expect(gs.phase).toBe("healthy");
    expect(gs.waitingFor).toEqual([]);
    expect(p.compose).toMatch(/Compose v2 2\.26\.1/);
    expect(counts(p)).toEqual({ done: 2, failed: 0, total: 2 });
    expect(p.elapsedMs).toBe(8200);
  });

  test("while a gate is closed the service reads 'waiting for' its dependency", () => {
    const ev = new Events("up");
    const p = run(startProgress("up", ["database", "gameserver"]), [ev.phase("gameserver", "created"), ev.gate("gameserver", "database", false)]);
    const gs = p.services[1];
    expect(phaseLabel(gs.phase, gs.waitingFor)).toBe("waiting for database");
    expect(counts(p)).toEqual({ done: 0, failed: 0, total: 2 });
  });

  test("gates announced before the container is created read after it, merged into one wait", () => {
    const ev = new Events("up");
    const p = run(startProgress("up", ["database", "redis-cache", "gameserver"]), [
      ev.gate("gameserver", "database", false, 700),
      ev.gate("gameserver", "redis-cache", false, 700),
      ev.phase("gameserver", "creating", 710),
      ev.phase("gameserver", "created", 720),
    ]);
    const gs = p.services[2];
    expect(gs.timeline.map((t) => phaseLabel(t.phase, t.waitingFor))).toEqual([
      "creating",
      "created",
      "waiting for database, redis-cache",
    ]);
    expect(phaseLabel(gs.phase, gs.waitingFor)).toBe("waiting for database, redis-cache");

    // One gate opens (the second event for it, whatever phase the dependency is in), then the other.
    const opened = run(p, [ev.gate("gameserver", "database", true, 5000)]);
    expect(phaseLabel(opened.services[2].phase, opened.services[2].waitingFor)).toBe("waiting for redis-cache");
    const openedWhileWaiting = run(opened, [{ ...ev.gate("gameserver", "redis-cache", true, 5100), phase: "waiting" }]);
    expect(openedWhileWaiting.services[2].waitingFor).toEqual([]);
    expect(phaseLabel(openedWhileWaiting.services[2].phase, [])).toBe("created");
  });

  test("a repeated or older event is ignored; the same object comes back", () => {
    const ev = new Events("up");
    const first = ev.phase("database", "created");
    const second = ev.phase("database", "starting");
    const p = run(startProgress("up", ["database"]), [first, second]);
    expect(applyEvent(p, first)).toBe(p);
    expect(applyEvent(p, second)).toBe(p);
    expect(p.services[0].timeline).toHaveLength(2);
  });

  test("services no one planned are added; unhealthy counts as failed", () => {
    const ev = new Events("up");
    const p = run(startProgress("up", ["gameserver"]), [ev.phase("database", "healthy"), ev.phase("gameserver", "unhealthy")]);
    expect(p.services.map((s) => s.name)).toEqual(["gameserver", "database"]);
    expect(counts(p)).toEqual({ done: 1, failed: 1, total: 2 });
  });

  test("stop and remove count stopped and removed services as done", () => {
    const stop = new Events("stop");
    expect(counts(run(startProgress("stop", ["a", "b"]), [stop.phase("a", "stopping"), stop.phase("b", "stopped")]))).toEqual({
      done: 1,
      failed: 0,
      total: 2,
    });
    const down = new Events("down");
    expect(counts(run(startProgress("down", ["a"]), [down.phase("a", "removed")]))).toEqual({ done: 1, failed: 0, total: 1 });
  });

  test("output and warnings are kept, the output bounded to the newest lines", () => {
    const ev = new Events("up");
    let p = startProgress("up", []);
    for (let i = 0; i < OUTPUT_LIMIT + 25; i++) p = applyEvent(p, ev.event("output", `line ${i}`));
    p = applyEvent(p, ev.event("warning", "the keychain cannot be read", { service: "gameserver", source: "dockmaster" }));
    expect(p.output).toHaveLength(OUTPUT_LIMIT);
    expect(p.output[0]).toBe("line 25");
    expect(p.output.at(-1)).toBe(`line ${OUTPUT_LIMIT + 24}`);
    expect(p.warnings).toEqual(["gameserver: the keychain cannot be read"]);
  });

  test("the result fills in the final phase of services no event named", () => {
    const p = finishProgress(
      startProgress("stop", ["database"]),
      result("stop", "succeeded", {
        states: [
          { name: "database", phase: "stopped", state: "exited", health: "none" },
          { name: "redis-cache", phase: "stopped", state: "exited", health: "none" },
        ],
      }),
    );
    expect(p.services.map((s) => [s.name, s.phase])).toEqual([
      ["database", "stopped"],
      ["redis-cache", "stopped"],
    ]);
    expect(p.elapsedMs).toBe(12_400);
  });

  test("times read well", () => {
    expect(elapsed(400)).toBe("0.4 s");
    expect(elapsed(12_400)).toBe("12 s");
    expect(elapsed(125_000)).toBe("2 m 05 s");
  });
});
