// The live engine state as the window knows it, and the pure reducers that apply what the backend pushes:
// `StoreUpdate`s (connection, one service, one region, or a whole snapshot) and `StatsUpdate`s. No Svelte here.
//
// Protocol (src-tauri/src/engine_commands.rs): every update carrying a `snapshot` replaces the whole state (the
// first message of a watch, a resync, a catch-up after the window lagged); the others replace one service,
// region or the connection, so applying one twice is harmless.

import type {
  ConnectionView,
  ContainerUsage,
  EngineSnapshot,
  HostUsage,
  RegionStatus,
  ServiceStatus,
  StatsUpdate,
  StoreUpdate,
} from "../bindings";

export interface LiveState {
  /** The Compose project name the engine state is for; null before the first message. */
  project: string | null;
  connection: ConnectionView | null;
  /** The engine confirmed this state since the last (re)connection; false means "last known state". */
  synced: boolean;
  services: ServiceStatus[];
  regions: RegionStatus[];
  /** Number of updates applied (for tests and diagnostics). */
  applied: number;
}

export function emptyLive(): LiveState {
  return { project: null, connection: null, synced: false, services: [], regions: [], applied: 0 };
}

function fromSnapshot(s: EngineSnapshot, applied: number): LiveState {
  return {
    project: s.project,
    connection: s.connection,
    synced: s.synced,
    services: s.services,
    regions: s.regions ?? [],
    applied,
  };
}

function replaceByName<T extends { name: string }>(list: T[], item: T): T[] {
  const i = list.findIndex((x) => x.name === item.name);
  if (i < 0) return [...list, item];
  const next = list.slice();
  next[i] = item;
  return next;
}

/** The state after one update. Never mutates `state`. */
export function applyUpdate(state: LiveState, u: StoreUpdate): LiveState {
  const applied = state.applied + 1;
  if (u.snapshot) return fromSnapshot(u.snapshot, applied);
  switch (u.kind) {
    case "connection":
      // Any connection change means the state is no longer confirmed; the resync that follows a connection
      // arrives as a snapshot.
      return u.connection ? { ...state, connection: u.connection, synced: false, applied } : state;
    case "service":
      return u.service ? { ...state, services: replaceByName(state.services, u.service), applied } : state;
    case "region": {
      const r = u.region;
      if (!r) return state;
      const gone = r.state === "notCreated" && r.containers.length === 0;
      const regions = gone ? state.regions.filter((x) => x.name !== r.name) : replaceByName(state.regions, r);
      return { ...state, regions, applied };
    }
    case "synced":
      // A synced update always carries its snapshot (handled above); without one there is nothing to apply.
      return state;
  }
}

/** Usage numbers by container ID, plus the host's. */
export interface UsageState {
  containers: Record<string, ContainerUsage>;
  host: HostUsage | null;
}

export function emptyUsage(): UsageState {
  return { containers: {}, host: null };
}

export function applyStats(state: UsageState, u: StatsUpdate): UsageState {
  switch (u.kind) {
    case "container": {
      const { kind: _, ...usage } = u;
      return { ...state, containers: { ...state.containers, [usage.id]: usage } };
    }
    case "stopped": {
      if (!(u.id in state.containers)) return state;
      const containers = { ...state.containers };
      delete containers[u.id];
      return { ...state, containers };
    }
    case "host": {
      const { kind: _, ...host } = u;
      return { ...state, host };
    }
  }
}

export interface ServiceUsage {
  /** Percent of one CPU, summed over the service's sampled containers; null until a second sample. */
  cpuPercent: number | null;
  memoryBytes: number;
  containers: number;
}

/** Sum of the sampled containers of each service. */
export function usageByService(usage: UsageState): Map<string, ServiceUsage> {
  const out = new Map<string, ServiceUsage>();
  for (const c of Object.values(usage.containers)) {
    const prev = out.get(c.service) ?? { cpuPercent: null, memoryBytes: 0, containers: 0 };
    out.set(c.service, {
      cpuPercent: c.cpuPercent === null ? prev.cpuPercent : (prev.cpuPercent ?? 0) + c.cpuPercent,
      memoryBytes: prev.memoryBytes + (c.memoryBytes ?? 0),
      containers: prev.containers + 1,
    });
  }
  return out;
}

export interface ProfileUsage extends ServiceUsage {
  profile: string;
  /** The profile's services that contributed numbers. */
  services: string[];
}

/** Per selected profile: the sum over its services that have numbers (a service in two profiles counts in
 * both). `profilesOf` maps a service to its profiles; services without any count under "always on". */
export function usageByProfile(
  perService: ReadonlyMap<string, ServiceUsage>,
  profilesOf: ReadonlyMap<string, readonly string[]>,
  selection: readonly string[],
): ProfileUsage[] {
  const rows = new Map<string, ProfileUsage>();
  for (const [service, u] of perService) {
    const profiles = profilesOf.get(service);
    if (!profiles) continue; // not in the selection's report
    const keys = profiles.length === 0 ? ["always on"] : profiles.filter((p) => selection.includes(p));
    for (const profile of keys) {
      const prev = rows.get(profile) ?? { profile, cpuPercent: null, memoryBytes: 0, containers: 0, services: [] };
      rows.set(profile, {
        profile,
        cpuPercent: u.cpuPercent === null ? prev.cpuPercent : (prev.cpuPercent ?? 0) + u.cpuPercent,
        memoryBytes: prev.memoryBytes + u.memoryBytes,
        containers: prev.containers + u.containers,
        services: [...prev.services, service],
      });
    }
  }
  const order = [...selection, "always on"];
  return [...rows.values()].sort((a, b) => order.indexOf(a.profile) - order.indexOf(b.profile));
}
