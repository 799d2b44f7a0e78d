// Region data for tests, recorded from the real CLI on the demo stack (`dockmaster region plan|create|ls
// --json`; the project renamed `sectorwars2102` and the checkout's path made to look like a user's): a plan,
// the progress of a successful apply and of one that failed and rolled back, and a list with one running
// healthy region and one stopped. Each accessor returns a fresh copy.

import type { AppliedRegion, ApplyEvent, EngineReach, RegionInfo, RegionPlan, RegionStatus, RegionsEverywhere } from "../bindings";
import applyAlphaJson from "./fixtures/apply-alpha.json";
import applyFailedJson from "./fixtures/apply-failed.json";
import listJson from "./fixtures/list.json";
import planAlphaJson from "./fixtures/plan-alpha.json";

const copy = <T>(value: unknown): T => structuredClone(value) as T;

export const OWNER = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";

/** Region alpha: 2 cores, 4 GB, 250 players, council; server on 127.0.0.1:8567; one new network
 * (10.250.171.0/24) and two joined; one new volume; the password to be generated. */
export const planAlpha = (): RegionPlan => copy(planAlphaJson);

/** Every event of alpha's apply (all steps done) and the region it resolved to. */
export const applyAlpha = (): { events: ApplyEvent[]; applied: AppliedRegion } => copy(applyAlphaJson);

/** Region delta: its server image is missing, so `create server` fails and the rollback removes the db
 * container, network, volume and password. */
export const applyFailed = (): { events: ApplyEvent[]; error: { code: "REGION_APPLY_FAILED"; message: string } } =>
  copy(applyFailedJson);

/** alpha running and healthy (http://127.0.0.1:8567), beta stopped (http://127.0.0.1:8111). */
export const regionList = (): RegionInfo[] => copy(listJson);

/** The project's own engine, reachable. */
export const LOCAL_ENGINE: EngineReach = { engine: "default", host: "unix:///var/run/docker.sock", reach: "live", reason: null };

/** A `region_list` answer: `regions` on the listed engines (the project's own first). */
export function listed(regions: RegionInfo[], engines: EngineReach[] = [LOCAL_ENGINE]): RegionsEverywhere {
  return { engines: structuredClone(engines), regions };
}

/** A region as the engine store pushes it. */
export function liveRegion(info: RegionInfo, o: Partial<Pick<RegionStatus, "state" | "health">> = {}): RegionStatus {
  return {
    name: info.name,
    state: o.state ?? info.state,
    health: o.health ?? info.health,
    restartCount: 0,
    exitCode: null,
    ports: [],
    containers: info.containers.map((c) => ({ ...c, state: o.state ?? c.state, health: o.health ?? c.health })),
  };
}
