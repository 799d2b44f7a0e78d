// The reducers of pushed engine state and usage: snapshots replace, updates replace one item, a connection
// change un-confirms the state, a lagged catch-up replaces everything, usage sums per service and profile.
import { describe, expect, test } from "vitest";
import {
  connected,
  connectionUpdate,
  containerStats,
  hostStats,
  reconnecting,
  service,
  serviceUpdate,
  snapshot,
  snapshotUpdate,
} from "../../test/engine";
import { applyStats, applyUpdate, emptyLive, emptyUsage, usageByProfile, usageByService } from "./live";

describe("applyUpdate", () => {
  test("the first message (a snapshot) sets everything", () => {
    const s = applyUpdate(emptyLive(), snapshotUpdate(snapshot([service("database"), service("gameserver")])));
    expect(s.project).toBe("sectorwars2102");
    expect(s.connection?.status).toBe("connected");
    expect(s.synced).toBe(true);
    expect(s.services.map((x) => x.name)).toEqual(["database", "gameserver"]);
  });

  test("a service update replaces that service in place and leaves the others", () => {
    const first = applyUpdate(emptyLive(), snapshotUpdate(snapshot([service("database"), service("gameserver")])));
    const next = applyUpdate(first, serviceUpdate(service("database", { health: "unhealthy" })));
    expect(next.services.map((x) => [x.name, x.health])).toEqual([
      ["database", "unhealthy"],
      ["gameserver", "healthy"],
    ]);
    expect(next.services[1]).toBe(first.services[1]);
    expect(first.services[0]?.health).toBe("healthy"); // never mutated
    // Applying the same update again changes nothing.
    expect(applyUpdate(next, serviceUpdate(service("database", { health: "unhealthy" }))).services).toEqual(next.services);
  });

  test("a service the state did not have yet is added", () => {
    const first = applyUpdate(emptyLive(), snapshotUpdate(snapshot([service("database")])));
    const next = applyUpdate(first, serviceUpdate(service("grafana", { desired: false })));
    expect(next.services.map((x) => x.name)).toEqual(["database", "grafana"]);
  });

  test("losing the engine keeps the last known services but marks them unconfirmed", () => {
    const first = applyUpdate(emptyLive(), snapshotUpdate(snapshot([service("database")])));
    const lost = applyUpdate(first, connectionUpdate(reconnecting(2, 1500)));
    expect(lost.connection?.status).toBe("reconnecting");
    expect(lost.connection?.attempt).toBe(2);
    expect(lost.synced).toBe(false);
    expect(lost.services).toBe(first.services);
    // Connected again: still unconfirmed until the resync's snapshot arrives.
    const back = applyUpdate(lost, connectionUpdate(connected()));
    expect(back.synced).toBe(false);
    const resynced = applyUpdate(back, snapshotUpdate(snapshot([service("database", { state: "exited", exitCode: 137 })]), "resync"));
    expect(resynced.synced).toBe(true);
    expect(resynced.services[0]?.state).toBe("exited");
  });

  test("a catch-up snapshot after the window lagged replaces everything, whatever came before", () => {
    let s = applyUpdate(emptyLive(), snapshotUpdate(snapshot([service("database"), service("redis-cache")])));
    s = applyUpdate(s, serviceUpdate(service("redis-cache", { health: "unhealthy" })));
    const caughtUp = applyUpdate(s, snapshotUpdate(snapshot([service("database", { health: "starting" })]), "lagged"));
    expect(caughtUp.services.map((x) => [x.name, x.health])).toEqual([["database", "starting"]]);
  });

  test("a region that lost its last container disappears", () => {
    const withRegion = applyUpdate(emptyLive(), {
      ...serviceUpdate(service("x")),
      kind: "region",
      service: null,
      region: { name: "eu", state: "running", health: "healthy", restartCount: 0, exitCode: null, ports: [], containers: [] },
    });
    expect(withRegion.regions.map((r) => r.name)).toEqual(["eu"]);
    const gone = applyUpdate(withRegion, {
      ...serviceUpdate(service("x")),
      kind: "region",
      service: null,
      region: { name: "eu", state: "notCreated", health: "none", restartCount: 0, exitCode: null, ports: [], containers: [] },
    });
    expect(gone.regions).toEqual([]);
  });
});

describe("usage", () => {
  test("samples replace per container, a closed stream removes it, the host sample is kept", () => {
    let u = applyStats(emptyUsage(), containerStats("database", null, 1024));
    u = applyStats(u, containerStats("database", 2.5, 2048));
    u = applyStats(u, containerStats("gameserver", 1, 4096));
    u = applyStats(u, hostStats());
    expect(Object.keys(u.containers).sort()).toEqual(["id-database", "id-gameserver"]);
    expect(u.containers["id-database"]).toMatchObject({ cpuPercent: 2.5, memoryBytes: 2048 });
    expect(u.host?.cpuCount).toBe(4);
    u = applyStats(u, { kind: "stopped", id: "id-database", service: "database" });
    expect(Object.keys(u.containers)).toEqual(["id-gameserver"]);
  });

  test("per profile: the sum over the selection's services that have numbers", () => {
    let u = applyStats(emptyUsage(), containerStats("database", 1.5, 10 * 1024 ** 2));
    u = applyStats(u, containerStats("gameserver", 2, 20 * 1024 ** 2));
    u = applyStats(u, containerStats("prometheus", null, 5 * 1024 ** 2));
    const profilesOf = new Map<string, string[]>([
      ["database", ["development", "default"]],
      ["gameserver", ["development", "default"]],
      ["prometheus", ["monitoring", "production"]],
      ["nginx", []],
    ]);
    const rows = usageByProfile(usageByService(u), profilesOf, ["development", "monitoring"]);
    expect(rows).toEqual([
      { profile: "development", cpuPercent: 3.5, memoryBytes: 30 * 1024 ** 2, containers: 2, services: ["database", "gameserver"] },
      // CPU stays unknown until a second sample
      { profile: "monitoring", cpuPercent: null, memoryBytes: 5 * 1024 ** 2, containers: 1, services: ["prometheus"] },
    ]);
  });
});
