// The pure reducer of one lifecycle operation's progress: the events the backend pushes (Compose's progress
// lines and the engine's state, already turned into typed per-service phases and `depends_on` gates) become a
// per-service health timeline (created → starting → waiting for X → healthy, with times), the masked output
// lines that are not progress, and the warnings. Events are applied in `seq` order; a repeated or older one is
// ignored, so a replay is harmless.

import type { EventSource, LifecycleEvent, OpKind, OperationResult, Phase } from "../bindings";

/** Output lines kept (Compose's own text; the failure panel has the lines that matter). */
export const OUTPUT_LIMIT = 300;

export interface TimelineEntry {
  phase: Phase;
  /** Milliseconds since the operation started. */
  atMs: number;
  /** For `depends_on` gates: the dependencies this service waited for here (empty for a plain phase). */
  waitingFor: string[];
  source: EventSource;
}

export interface ServiceProgress {
  name: string;
  phase: Phase | null;
  /** The dependencies it waits for now (closed `depends_on` gates). */
  waitingFor: string[];
  container: string | null;
  timeline: TimelineEntry[];
  /** The last thing said about it (masked). */
  message: string;
}

export interface Progress {
  operation: OpKind;
  services: ServiceProgress[];
  output: string[];
  warnings: string[];
  /** Which Compose runs it (the `started` event's message). */
  compose: string | null;
  preflight: string | null;
  /** The `finished` event's message, once the operation ended. */
  finished: string | null;
  lastSeq: number;
  elapsedMs: number;
}

/** A fresh progress for `operation`, with the services it is about listed in order (they fill in as events
 * arrive; services the events name that are not listed are added at the end). */
export function startProgress(operation: OpKind, planned: readonly string[]): Progress {
  return {
    operation,
    services: planned.map(emptyService),
    output: [],
    warnings: [],
    compose: null,
    preflight: null,
    finished: null,
    lastSeq: 0,
    elapsedMs: 0,
  };
}

function emptyService(name: string): ServiceProgress {
  return { name, phase: null, waitingFor: [], container: null, timeline: [], message: "" };
}

function withService(p: Progress, name: string, change: (s: ServiceProgress) => ServiceProgress): ServiceProgress[] {
  const at = p.services.findIndex((s) => s.name === name);
  if (at < 0) return [...p.services, change(emptyService(name))];
  const services = [...p.services];
  services[at] = change(services[at]);
  return services;
}

/** Applies one event; returns the same object when the event changes nothing (or was seen already). */
/** Phases before a container starts: a closed gate still holds it. */
const BEFORE_START: ReadonlySet<Phase> = new Set<Phase>(["building", "built", "pulling", "pulled", "creating", "created"]);

export function applyEvent(p: Progress, e: LifecycleEvent): Progress {
  if (e.seq <= p.lastSeq) return p;
  const base: Progress = { ...p, lastSeq: e.seq, elapsedMs: Math.max(p.elapsedMs, e.elapsedMs) };
  switch (e.kind) {
    case "started":
      return { ...base, compose: e.message };
    case "preflight":
      return { ...base, preflight: e.message };
    case "finished":
      return { ...base, finished: e.message };
    case "warning":
      return { ...base, warnings: [...p.warnings, e.service ? `${e.service}: ${e.message}` : e.message] };
    case "output": {
      const output = p.output.length >= OUTPUT_LIMIT ? p.output.slice(p.output.length - OUTPUT_LIMIT + 1) : [...p.output];
      output.push(e.message);
      return { ...base, output };
    }
    case "phase": {
      if (!e.service || !e.phase) return base;
      const phase = e.phase;
      return {
        ...base,
        services: withService(p, e.service, (s) => {
          const entry: TimelineEntry = { phase, atMs: e.elapsedMs, waitingFor: [], source: e.source };
          const last = s.timeline.at(-1);
          let timeline = s.timeline;
          if (last && last.phase === phase && last.waitingFor.length === 0) {
            // the same phase again: nothing new
          } else if (BEFORE_START.has(phase) && last && last.waitingFor.length > 0) {
            // Created while its gates are closed: the wait comes after it.
            timeline = [...s.timeline.slice(0, -1), entry, last];
          } else {
            timeline = [...s.timeline, entry];
          }
          return {
            ...s,
            phase,
            // Beyond "created" it has started: whatever gate it waited on is open.
            waitingFor: BEFORE_START.has(phase) ? s.waitingFor : [],
            container: e.container ?? s.container,
            message: e.message,
            timeline,
          };
        }),
      };
    }
    case "gate": {
      if (!e.service || !e.waitingFor) return base;
      const dependency = e.waitingFor;
      return {
        ...base,
        services: withService(p, e.service, (s) => {
          // Each gate closes at most once and opens at most once, in that order: a gate already closed opens.
          if (s.waitingFor.includes(dependency)) {
            return { ...s, waitingFor: s.waitingFor.filter((d) => d !== dependency), message: e.message };
          }
          if (e.phase !== "waiting") return s;
          const last = s.timeline.at(-1);
          const timeline =
            last && last.waitingFor.length > 0 && s.waitingFor.length > 0
              ? [...s.timeline.slice(0, -1), { ...last, waitingFor: [...last.waitingFor, dependency] }]
              : [...s.timeline, { phase: "waiting" as Phase, atMs: e.elapsedMs, waitingFor: [dependency], source: e.source }];
          return { ...s, waitingFor: [...s.waitingFor, dependency], message: e.message, timeline };
        }),
      };
    }
  }
}

/** The end state of every service from the result (services no event named get their final phase too). */
export function finishProgress(p: Progress, result: OperationResult): Progress {
  let services = p.services;
  for (const s of result.states) {
    if (!services.some((x) => x.name === s.name)) services = [...services, emptyService(s.name)];
    services = services.map((x) => (x.name === s.name && x.phase === null && s.phase ? { ...x, phase: s.phase } : x));
  }
  return { ...p, services, elapsedMs: Math.max(p.elapsedMs, result.durationMs) };
}

/** Whether a service has got where the operation takes it. */
export function isDone(operation: OpKind, phase: Phase | null): boolean {
  if (phase === null) return false;
  switch (operation) {
    case "up":
    case "start":
    case "restart":
      return phase === "healthy" || phase === "running";
    case "stop":
      return phase === "stopped";
    case "down":
      return phase === "removed";
    case "pull":
      return phase === "pulled";
    case "build":
      return phase === "built";
  }
}

export function isBad(phase: Phase | null): boolean {
  return phase === "failed" || phase === "unhealthy";
}

/** How far the operation is: services done, failed, and in total. */
export function counts(p: Progress): { done: number; failed: number; total: number } {
  let done = 0;
  let failed = 0;
  for (const s of p.services) {
    if (isDone(p.operation, s.phase)) done++;
    else if (isBad(s.phase)) failed++;
  }
  return { done, failed, total: p.services.length };
}

const PHASE_LABEL: Record<Phase, string> = {
  building: "building",
  built: "built",
  pulling: "pulling",
  pulled: "pulled",
  creating: "creating",
  created: "created",
  starting: "starting",
  running: "running",
  waiting: "waiting for health",
  healthy: "healthy",
  unhealthy: "unhealthy",
  failed: "failed",
  restarting: "restarting",
  stopping: "stopping",
  stopped: "stopped",
  removing: "removing",
  removed: "removed",
};

/** A phase as shown, e.g. "waiting for database, redis-cache" while gates are closed. */
export function phaseLabel(phase: Phase | null, waitingFor: readonly string[] = []): string {
  if (waitingFor.length > 0) return `waiting for ${waitingFor.join(", ")}`;
  if (phase === null) return "pending";
  return PHASE_LABEL[phase];
}

export type Tone = "ok" | "bad" | "busy" | "idle";

export function phaseTone(operation: OpKind, phase: Phase | null): Tone {
  if (phase === null) return "idle";
  if (isBad(phase)) return "bad";
  if (isDone(operation, phase)) return "ok";
  return "busy";
}

/** "1.2 s", "45 s", "2 m 05 s". */
export function elapsed(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, "0")} s`;
}

/** The operation as a verb: "Starting" (under way, or in "Starting … failed") or "Started" (done). */
export function operationLabel(operation: OpKind, done = false): string {
  const words: Record<OpKind, [string, string]> = {
    up: ["Starting", "Started"],
    start: ["Starting", "Started"],
    stop: ["Stopping", "Stopped"],
    restart: ["Restarting", "Restarted"],
    down: ["Removing", "Removed"],
    pull: ["Pulling", "Pulled"],
    build: ["Building", "Built"],
  };
  return words[operation][done ? 1 : 0];
}
