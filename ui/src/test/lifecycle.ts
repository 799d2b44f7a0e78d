// Builders of lifecycle data for tests: progress events, results, failures, preflight reports, volume plans
// and drift reports, shaped as the backend sends them (types from the generated bindings).

import type {
  DriftReport,
  EventKind,
  EventSource,
  Failure,
  LifecycleEvent,
  OpKind,
  OperationResult,
  Outcome,
  Phase,
  PreflightIssue,
  PreflightReport,
  VolumePlan,
  VolumeToDelete,
} from "../lib/bindings";

export const COMPOSE = { flavor: "v2", version: "2.26.1", command: ["docker", "compose"], chosenBy: "detected" } as const;

/** A stream of events with increasing `seq`, as one operation's emitter sends them. */
export class Events {
  #seq = 0;
  constructor(readonly operation: OpKind = "up") {}

  event(kind: EventKind, message: string, extra: Partial<LifecycleEvent> = {}): LifecycleEvent {
    this.#seq++;
    return {
      seq: this.#seq,
      elapsedMs: this.#seq * 100,
      operation: this.operation,
      kind,
      source: "compose" as EventSource,
      service: null,
      container: null,
      phase: null,
      waitingFor: null,
      message,
      ...extra,
    };
  }

  phase(service: string, phase: Phase, atMs?: number, source: EventSource = "compose"): LifecycleEvent {
    const e = this.event("phase", `Container demo-${service}  ${phase}`, { service, phase, source, container: `demo-${service}` });
    return atMs === undefined ? e : { ...e, elapsedMs: atMs };
  }

  gate(service: string, dependency: string, open: boolean, atMs?: number): LifecycleEvent {
    const e = this.event(
      "gate",
      open ? `${dependency} is healthy: ${service} may start` : `${service} waits for ${dependency} to be healthy`,
      { service, waitingFor: dependency, phase: open ? "healthy" : "waiting", source: "dockmaster" },
    );
    return atMs === undefined ? e : { ...e, elapsedMs: atMs };
  }
}

export function failure(o: Partial<Failure> = {}): Failure {
  return {
    message: "dependency failed to start: container demo-gameserver is unhealthy",
    service: "gameserver",
    container: "demo-gameserver",
    state: "running",
    health: "unhealthy",
    probe: { start: "2026-05-01T10:00:02Z", end: "2026-05-01T10:00:02.5Z", exitCode: 1, output: "wget: server returned error: HTTP/1.1 404 Not Found" },
    logs: ["gameserver: starting on :8080", "gameserver: JWT_SECRET ******** accepted", "gameserver: /health returns 404"],
    hint: "Fix what its health check reports, then press Start again.",
    ...o,
  };
}

export function result(operation: OpKind, outcome: Outcome, o: Partial<OperationResult> = {}): OperationResult {
  return {
    operation,
    project: "sectorwars2102",
    profiles: ["development"],
    services: ["database", "gameserver"],
    compose: { ...COMPOSE, command: [...COMPOSE.command] },
    outcome,
    exitCode: outcome === "succeeded" ? 0 : 1,
    durationMs: 12_400,
    states: [],
    failure: outcome === "failed" || outcome === "timedOut" ? failure() : null,
    removedVolumes: [],
    preflight: null,
    ...o,
  };
}

/** A preflight problem; the window's fix reads as the CLI's unless given. */
export function issue(o: Partial<PreflightIssue> & Pick<PreflightIssue, "code" | "message" | "fix">): PreflightIssue {
  return { service: null, variable: null, rule: null, port: null, holder: null, remedy: null, windowFix: o.fix, ...o };
}

export function preflightReport(problems: PreflightIssue[] = [], services = ["database", "gameserver"]): PreflightReport {
  return {
    project: "sectorwars2102",
    profiles: ["development"],
    services,
    compose: { ...COMPOSE, command: [...COMPOSE.command] },
    ok: problems.length === 0,
    problems,
    warnings: [],
    portsChecked: ["127.0.0.1:5433/tcp", "127.0.0.1:8080/tcp"],
    memory: null,
    disk: null,
  };
}

/** A plan deleting `volumes` (declared ones Compose created, unless `details` says otherwise for a name). */
export function volumePlan(volumes: string[], details: Partial<Record<string, Partial<VolumeToDelete>>> = {}): VolumePlan {
  const sorted = [...volumes].sort();
  return {
    project: "sectorwars2102",
    compose: "v2",
    volumes: sorted,
    details: sorted.map((name) => {
      const key = name.replace(/^sectorwars2102_/, "");
      return {
        name,
        kind: "declared",
        declaredAs: key,
        containers: [],
        createdByCompose: true,
        labelledProject: "sectorwars2102",
        reason: `declared as \`${key}\`, mounted by \`database\``,
        warning: null,
        ...details[name],
      };
    }),
  };
}

export function driftReport(drifted: string[], running: string[] = drifted): DriftReport {
  return {
    project: "sectorwars2102",
    profiles: ["development"],
    compose: { ...COMPOSE, command: [...COMPOSE.command] },
    services: running.map((name) => ({
      name,
      drift: drifted.includes(name),
      containers: [`demo-${name}`],
      configHash: "a".repeat(64),
      containerHashes: [drifted.includes(name) ? "b".repeat(64) : "a".repeat(64)],
      note: null,
    })),
  };
}
