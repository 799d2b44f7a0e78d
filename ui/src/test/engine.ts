// Builders of live engine data for tests: containers, services, connections, snapshots and the updates the
// backend pushes (shapes from the generated bindings).

import type {
  ConnectionView,
  ContainerStatus,
  EngineSnapshot,
  Health,
  ProbeResult,
  RunState,
  ServiceStatus,
  StatsUpdate,
  StoreUpdate,
} from "../lib/bindings";

export const ENDPOINT = "unix:///var/run/docker.sock (default socket)";

export function connected(): ConnectionView {
  return {
    status: "connected",
    endpoint: ENDPOINT,
    apiVersion: "1.41",
    engineVersion: "20.10.24",
    reason: null,
    attempt: null,
    nextInMs: null,
  };
}

export function unavailable(reason = "there is no Docker socket at /var/run/docker.sock. Start Docker"): ConnectionView {
  return { ...connected(), status: "unavailable", apiVersion: null, engineVersion: null, reason };
}

export function reconnecting(attempt: number, nextInMs: number, reason = "connection refused"): ConnectionView {
  return { ...unavailable(reason), status: "reconnecting", attempt, nextInMs };
}

export function probe(exitCode: number, output: string, end = "2026-05-01T10:00:02.5Z"): ProbeResult {
  return { start: "2026-05-01T10:00:02Z", end, exitCode, output };
}

export interface ContainerOptions {
  state?: RunState;
  health?: Health;
  startedAt?: string | null;
  restartCount?: number;
  exitCode?: number | null;
  healthLog?: ProbeResult[];
  ports?: ContainerStatus["ports"];
  oomKilled?: boolean;
  networks?: string[];
}

export function container(service: string, o: ContainerOptions = {}): ContainerStatus {
  const state = o.state ?? "running";
  return {
    id: `id-${service}`,
    name: `demo-${service}`,
    service,
    region: null,
    oneOff: false,
    image: "dockmaster/demo-busybox:latest",
    state,
    health: o.health ?? "healthy",
    failingStreak: o.health === "unhealthy" ? 3 : 0,
    healthLog: o.healthLog ?? [],
    restartCount: o.restartCount ?? 0,
    exitCode: o.exitCode ?? (state === "running" ? null : 0),
    oomKilled: o.oomKilled ?? false,
    error: null,
    startedAt: o.startedAt === undefined ? "2026-05-01T10:00:00Z" : o.startedAt,
    finishedAt: null,
    ports: o.ports ?? [],
    networks: o.networks ?? [],
  };
}

/** A service summarised from its one container (or `notCreated` without one). */
export function service(name: string, o: ContainerOptions & { desired?: boolean; none?: boolean } = {}): ServiceStatus {
  if (o.none) {
    return {
      name,
      desired: o.desired ?? true,
      defined: true,
      state: "notCreated",
      health: "none",
      restartCount: 0,
      exitCode: null,
      ports: [],
      containers: [],
    };
  }
  const c = container(name, o);
  return {
    name,
    desired: o.desired ?? true,
    defined: true,
    state: c.state,
    health: c.health,
    restartCount: c.restartCount,
    exitCode: c.state === "running" ? null : c.exitCode,
    ports: c.ports,
    containers: [c],
  };
}

export function snapshot(services: ServiceStatus[], connection = connected(), synced = true): EngineSnapshot {
  return { project: "sectorwars2102", connection, synced, services, regions: [] };
}

let seq = 0;

function update(partial: Partial<StoreUpdate> & Pick<StoreUpdate, "kind">): StoreUpdate {
  return {
    seq: ++seq,
    cause: "test",
    container: null,
    engineTimeNano: null,
    emittedAtNano: "0",
    connection: null,
    service: null,
    region: null,
    snapshot: null,
    ...partial,
  };
}

/** The first message of a watch (or a resync / catch-up): the whole state. */
export function snapshotUpdate(s: EngineSnapshot, cause = "snapshot"): StoreUpdate {
  return update({ kind: "synced", cause, snapshot: s, seq: 0 });
}

export function serviceUpdate(s: ServiceStatus, cause = "health_status: unhealthy"): StoreUpdate {
  return update({ kind: "service", cause, service: s });
}

export function connectionUpdate(c: ConnectionView): StoreUpdate {
  return update({ kind: "connection", cause: c.status, connection: c });
}

export function containerStats(svc: string, cpuPercent: number | null, memoryBytes: number): StatsUpdate {
  return {
    kind: "container",
    id: `id-${svc}`,
    name: `demo-${svc}`,
    service: svc,
    cpuPercent,
    memoryBytes,
    memoryLimitBytes: 8 * 1024 ** 3,
  };
}

export function hostStats(): StatsUpdate {
  return {
    kind: "host",
    cpuPercent: 12.5,
    cpuCount: 4,
    memoryUsedBytes: 3.5 * 1024 ** 3,
    memoryTotalBytes: 16 * 1024 ** 3,
    diskMount: "/",
    diskFor: "/var/lib/docker",
    diskUsedBytes: 120 * 1024 ** 3,
    diskTotalBytes: 500 * 1024 ** 3,
  };
}
