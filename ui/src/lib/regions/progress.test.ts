// The apply's rows from recorded events: every planned step in the core's order, marked as events arrive;
// a failure marks its step; the rollback's removals follow.

import { expect, test } from "vitest";
import { applyAlpha, applyFailed, planAlpha } from "./fixtures";
import { plannedRows, progress, removalText } from "./progress";

test("the plan implies every step, in order, all waiting", () => {
  const rows = plannedRows(planAlpha());
  expect(rows.map((r) => `${r.step} ${r.target}`)).toEqual([
    "storePassword dockmaster:/home/ana/src/Sectorwars2102/.dockmaster/regions/sectorwars2102/alpha",
    "createNetwork sectorwars2102-region-alpha-network",
    "createVolume sectorwars2102-region-alpha-regional_assets",
    "createDb sectorwars2102-region-alpha-db",
    "startDb sectorwars2102-region-alpha-db",
    "waitDbHealthy sectorwars2102-region-alpha-db",
    "createServer sectorwars2102-region-alpha-server",
    "startServer sectorwars2102-region-alpha-server",
    "waitServerHealthy sectorwars2102-region-alpha-server",
  ]);
  expect(rows.every((r) => r.status === "pending")).toBe(true);
});

test("events mark their rows: running, then done with timings; no extra rows", () => {
  const { events } = applyAlpha();
  const planned = plannedRows(planAlpha());
  const half = progress(planned, events.slice(0, 9));
  expect(half.rows.map((r) => r.status)).toEqual(["done", "done", "done", "done", "running", "pending", "pending", "pending", "pending"]);
  const all = progress(planned, events);
  expect(all.rows).toHaveLength(9);
  expect(all.rows.every((r) => r.status === "done")).toBe(true);
  expect(all.rows[5].detail).toBe("healthy");
  expect(all.rows[0].detail).toBe("generated and stored");
  expect(all.failed).toBeNull();
  expect(all.rollback).toEqual([]);
});

test("a failure marks the running step and the rollback lists what it removed", () => {
  const { events } = applyFailed();
  const plan = planAlpha();
  // The recorded failure is region delta's: same shape, other names.
  const rename = (s: string) => s.replaceAll("alpha", "delta");
  plan.password.keychainService = rename(plan.password.keychainService);
  for (const n of plan.networks) n.name = rename(n.name);
  for (const v of plan.volumes) v.name = rename(v.name);
  for (const c of plan.containers) c.name = rename(c.name);
  const p = progress(plannedRows(plan), events);
  expect(p.rows.map((r) => r.status)).toEqual(["done", "done", "done", "done", "done", "done", "failed", "pending", "pending"]);
  expect(p.failed?.step).toBe("createServer");
  expect(p.failed?.detail).toBe("No such image: dockmaster/no-such-image:missing (HTTP 404)");
  expect(p.rollback.map((r) => [removalText(r.target).label, r.status])).toEqual([
    ["Remove container", "done"],
    ["Remove network", "done"],
    ["Remove volume", "done"],
    ["Remove the database password", "done"],
  ]);
  expect(removalText(p.rollback[0].target).name).toBe("sectorwars2102-region-delta-db");
});
