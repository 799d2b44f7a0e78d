// The apply's progress as rows: every step the plan implies, in order, marked by the events the backend
// pushes (started, done, failed), then the rollback's removals when it failed or was cancelled. Pure
// functions, no Svelte.

import type { ApplyEvent, ApplyStep, RegionPlan } from "../bindings";

export type RowStatus = "pending" | "running" | "done" | "failed";

export interface ProgressRow {
  /** Unique within one apply (`step:target`). */
  key: string;
  step: ApplyStep;
  /** The container, network, volume or keychain item the step works on. */
  target: string;
  status: RowStatus;
  /** What happened (reused, healthy, the failure…); never a secret. */
  detail: string | null;
  /** Milliseconds from the apply's start when the step ended (done or failed). */
  endedMs: number | null;
  /** Milliseconds from the apply's start when the step started. */
  startedMs: number | null;
}

export interface Progress {
  rows: ProgressRow[];
  /** What the rollback removed (done) or could not remove (failed), in order. */
  rollback: ProgressRow[];
  /** A step failed (or the apply was cancelled at it). */
  failed: ProgressRow | null;
}

export function stepLabel(step: ApplyStep): string {
  switch (step) {
    case "storePassword":
      return "Store the database password";
    case "createNetwork":
      return "Create network";
    case "createVolume":
      return "Create volume";
    case "createDb":
      return "Create the database container";
    case "startDb":
      return "Start the database";
    case "waitDbHealthy":
      return "Wait until the database is healthy";
    case "createServer":
      return "Create the server container";
    case "startServer":
      return "Start the server";
    case "waitServerHealthy":
      return "Wait until the server is healthy";
    case "rollback":
      return "Remove";
  }
}

function row(step: ApplyStep, target: string): ProgressRow {
  return { key: `${step}:${target}`, step, target, status: "pending", detail: null, endedMs: null, startedMs: null };
}

/** Every step applying `plan` takes, in the order the core takes them (`region/apply.rs`). */
export function plannedRows(plan: RegionPlan): ProgressRow[] {
  const rows = [row("storePassword", plan.password.keychainService)];
  for (const n of plan.networks) if (n.action === "create") rows.push(row("createNetwork", n.name));
  for (const v of plan.volumes) rows.push(row("createVolume", v.name));
  for (const c of plan.containers) {
    const [create, start, wait]: ApplyStep[] =
      c.role === "db" ? ["createDb", "startDb", "waitDbHealthy"] : ["createServer", "startServer", "waitServerHealthy"];
    rows.push(row(create, c.name), row(start, c.name), row(wait, c.name));
  }
  return rows;
}

/** The rows after `events` (in the order they arrived). A failure names the region rather than the step's
 * target, so it marks the step's running row (else its first pending one). */
export function progress(planned: readonly ProgressRow[], events: readonly ApplyEvent[]): Progress {
  const rows = planned.map((r) => ({ ...r }));
  const rollback: ProgressRow[] = [];
  let failed: ProgressRow | null = null;
  for (const e of events) {
    if (e.step === "rollback") {
      let r = rollback.find((x) => x.target === e.target);
      if (!r) {
        r = row("rollback", e.target);
        rollback.push(r);
      }
      mark(r, e);
      continue;
    }
    let r =
      rows.find((x) => x.step === e.step && x.target === e.target) ??
      (e.status === "failed"
        ? (rows.find((x) => x.step === e.step && x.status === "running") ?? rows.find((x) => x.step === e.step && x.status === "pending"))
        : undefined);
    if (!r) {
      // A step the plan did not imply (an older plan, a newer core): still shown, after the others.
      r = row(e.step, e.target);
      rows.push(r);
    }
    mark(r, e);
    if (e.status === "failed") failed = r;
  }
  return { rows, rollback, failed };
}

function mark(r: ProgressRow, e: ApplyEvent): void {
  if (e.status === "started") {
    r.status = "running";
    r.startedMs = e.elapsedMs;
  } else {
    r.status = e.status === "done" ? "done" : "failed";
    r.endedMs = e.elapsedMs;
  }
  if (e.detail !== null) r.detail = e.detail;
}

/** "0.4 s", "12 s". */
export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** A rollback target (`container x`, `network y`, `volume z`, `keychain REGION_DB_PASSWORD (service)`) as
 * what is removed and its name. */
export function removalText(target: string): { label: string; name: string } {
  const space = target.indexOf(" ");
  const kind = space < 0 ? target : target.slice(0, space);
  const name = space < 0 ? "" : target.slice(space + 1);
  switch (kind) {
    case "container":
    case "network":
    case "volume":
      return { label: `Remove ${kind}`, name };
    case "keychain":
      return { label: "Remove the database password", name: "REGION_DB_PASSWORD from the OS keychain" };
    default:
      return { label: "Remove", name: target };
  }
}
