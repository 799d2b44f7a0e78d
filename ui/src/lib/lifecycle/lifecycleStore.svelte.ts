// Start, stop, restart and remove from the window: the operation running now (at most one per window; the
// backend's lock also refuses one started elsewhere), its progress as the backend pushes it, its result (with
// the failure's evidence), the preflight that blocked a start, and which running services need recreating.
// One instance per window, handed to components through context.
//
// Start runs the preflight first and only starts when nothing blocks (the backend checks again as it starts).
// Nothing polls: progress arrives over the operation's Channel; drift is asked for when the selection, the
// running containers or an operation's end say it may have changed.

import { getContext, setContext } from "svelte";
import { toUiError, type Backend, type UiError } from "../backend";
import type { DriftReport, FixReport, KeychainChange, OperationRequest, OpKind, OperationResult, PreflightReport, VolumePlan } from "../bindings";
import { applyEvent, finishProgress, startProgress, type Progress } from "./progress";

/** What an action is about: the open project, its selection, and the services the selection starts. */
export interface Target {
  dir: string;
  profiles: string[];
  /** The selection's services, in the report's order (listed in the progress before any event). */
  services: string[];
}

export interface Activity {
  operation: OpKind;
  dir: string;
  /** The single service acted on, or null for the selection (the whole project for `down`). */
  service: string | null;
  /** `checking`: the preflight runs; `fixing`: Fix and start fixes what it can; `running`: Compose runs. */
  stage: "checking" | "fixing" | "running";
  /** `Date.now()` when it began (display only). */
  startedAt: number;
}

/** How long `up` waits for health. */
export const UP_TIMEOUT_SECS = 180;

export class LifecycleStore {
  activity = $state<Activity | null>(null);
  /** The operation shown in the panel: the running one, else the last one (kept after it ends). */
  last = $state<Activity | null>(null);
  progress = $state.raw<Progress | null>(null);
  result = $state.raw<OperationResult | null>(null);
  /** The operation could not run (busy, Compose missing, keychain locked…). */
  error = $state<UiError | null>(null);
  /** The preflight that blocked the last start (its problems, each with a fix). */
  blocked = $state.raw<PreflightReport | null>(null);
  /** The preflight of the start now running or last run (its warnings did not block). */
  preflight = $state.raw<PreflightReport | null>(null);
  /** What "Fix and start" did before the start now running or last run (names only). */
  fixed = $state.raw<FixReport | null>(null);
  cancelling = $state(false);
  drift = $state.raw<DriftReport | null>(null);
  driftError = $state<UiError | null>(null);

  readonly busy = $derived(this.activity !== null);
  /** Services whose running container has an older configuration: the next start recreates them. */
  readonly needsRecreate: ReadonlySet<string> = $derived(
    new Set(this.drift?.services.filter((s) => s.drift).map((s) => s.name) ?? []),
  );
  /** Something for the panel to show. */
  readonly hasNews = $derived(
    this.activity !== null || this.progress !== null || this.blocked !== null || this.error !== null,
  );

  #backend: Backend;
  #generation = 0;
  #driftSeq = 0;
  #cancelRequested = false;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** `up --wait` of the selection, or of one service (with what it depends on), after the preflight. */
  async start(target: Target, service: string | null = null): Promise<void> {
    if (this.busy) return;
    const services = service ? [service] : [];
    this.#begin("up", target.dir, service, "checking");
    let report: PreflightReport;
    try {
      report = await this.#backend.lifecyclePreflight(target.dir, target.profiles, services);
    } catch (e) {
      this.error = toUiError(e);
      this.#end();
      return;
    }
    if (this.#cancelRequested) {
      this.#end();
      return;
    }
    if (!report.ok) {
      this.blocked = report;
      this.#end();
      return;
    }
    this.preflight = report;
    const planned = report.services.length > 0 ? report.services : service ? [service] : target.services;
    await this.#run(target, { operation: "up", services, wait: true }, planned);
  }

  /** Fix and start, from a blocked start: the backend fixes what the preflight can fix without asking, tells
   * what it did (kept in `fixed`), then starts as `start` does — progress as usual. */
  async fixAndStart(target: Target, service: string | null = null): Promise<void> {
    if (this.busy) return;
    const services = service ? [service] : [];
    const checked = this.blocked?.services ?? [];
    const planned = checked.length > 0 ? checked : service ? [service] : target.services;
    this.#begin("up", target.dir, service, "fixing");
    await this.#run(target, { operation: "up", services, wait: true }, planned, true);
  }

  /** "Create keychain" / "Unlock keychain": the backend asks the Secret Service, which has the desktop ask for
   * the password. Resolves to what was done; rejects with the backend's error (a cancelled prompt…). */
  async keychain(dir: string, action: "create" | "unlock"): Promise<KeychainChange> {
    return action === "create" ? this.#backend.keychainCreate(dir) : this.#backend.keychainUnlock(dir);
  }

  /** The preflight's "Copy to engine": `image` from this machine's engine to `engine`, with the KiB sent. */
  async copyImage(image: string, engine: string, onKib: (kib: number) => void): Promise<void> {
    await this.#backend.imageCopy(image, engine, (e) => {
      if (e.kind === "copying") onKib(e.kib);
    });
  }

  async stop(target: Target, service: string | null = null): Promise<void> {
    if (this.busy) return;
    this.#begin("stop", target.dir, service, "running");
    await this.#run(target, { operation: "stop", services: service ? [service] : [] }, service ? [service] : target.services);
  }

  async restart(target: Target, service: string | null = null): Promise<void> {
    if (this.busy) return;
    this.#begin("restart", target.dir, service, "running");
    await this.#run(target, { operation: "restart", services: service ? [service] : [] }, service ? [service] : target.services);
  }

  /** `down` of the whole project; with `volumes`, exactly the confirmed list of its volumes is deleted too.
   * `existing`: the services that have containers now (listed in the progress). */
  async remove(target: Target, volumes: string[] | null, existing: string[]): Promise<void> {
    if (this.busy) return;
    this.#begin("down", target.dir, null, "running");
    await this.#run(
      target,
      { operation: "down", services: [], volumes: volumes !== null, confirmedVolumes: volumes ?? [] },
      existing,
    );
  }

  /** Stops the running operation (Compose is stopped cleanly by the backend). */
  async cancel(): Promise<void> {
    const a = this.activity;
    if (a === null) return;
    this.#cancelRequested = true;
    this.cancelling = true;
    if (a.stage === "checking") return; // the start will not begin
    try {
      await this.#backend.lifecycleCancel(a.dir);
    } catch (e) {
      this.error = toUiError(e);
    }
  }

  /** Clears the panel (progress, result, errors, blocking preflight) once nothing runs. */
  dismiss(): void {
    if (this.busy) return;
    this.progress = null;
    this.result = null;
    this.error = null;
    this.blocked = null;
    this.preflight = null;
    this.fixed = null;
    this.last = null;
  }

  /** What a remove with volumes would delete (for the confirmation). */
  async volumePlan(dir: string): Promise<VolumePlan> {
    return this.#backend.lifecycleVolumePlan(dir);
  }

  /** Asks which running services need recreating. `running`: whether any service of the project runs (when
   * none does, there is nothing to compare and nothing is asked). */
  async refreshDrift(dir: string, profiles: string[], running = true): Promise<void> {
    const seq = ++this.#driftSeq;
    if (!running) {
      this.drift = null;
      this.driftError = null;
      return;
    }
    try {
      const report = await this.#backend.lifecycleDrift(dir, profiles);
      if (seq !== this.#driftSeq) return;
      this.drift = report;
      this.driftError = null;
    } catch (e) {
      if (seq !== this.#driftSeq) return;
      this.drift = null;
      this.driftError = toUiError(e);
    }
  }

  #begin(operation: OpKind, dir: string, service: string | null, stage: Activity["stage"]): void {
    this.#generation++;
    this.#cancelRequested = false;
    this.cancelling = false;
    this.progress = null;
    this.result = null;
    this.error = null;
    this.blocked = null;
    this.fixed = null;
    if (operation !== "up") this.preflight = null;
    const activity: Activity = { operation, dir, service, stage, startedAt: Date.now() };
    this.activity = activity;
    this.last = { ...activity };
  }

  #end(): void {
    this.activity = null;
    this.cancelling = false;
    this.#cancelRequested = false;
  }

  async #run(
    target: Target,
    ask: Partial<OperationRequest> & Pick<OperationRequest, "operation">,
    planned: string[],
    fix = false,
  ): Promise<void> {
    const generation = this.#generation;
    const request: OperationRequest = {
      profiles: target.profiles,
      services: [],
      wait: false,
      timeoutSecs: UP_TIMEOUT_SECS,
      noPreflight: false,
      volumes: false,
      confirmedVolumes: [],
      compose: null,
      graceSecs: 0,
      ...ask,
    };
    if (this.activity && !fix) this.activity = { ...this.activity, stage: "running" };
    this.progress = startProgress(request.operation, planned);
    const onEvent = (event: Parameters<typeof applyEvent>[1]) => {
      if (generation === this.#generation && this.progress) this.progress = applyEvent(this.progress, event);
    };
    const onFixed = (fixed: FixReport) => {
      if (generation !== this.#generation) return;
      this.fixed = fixed;
      if (this.activity) this.activity = { ...this.activity, stage: "running" };
    };
    try {
      const result = fix
        ? await this.#backend.lifecycleFixAndRun(target.dir, request, onFixed, onEvent)
        : await this.#backend.lifecycleRun(target.dir, request, onEvent);
      if (generation !== this.#generation) return;
      this.progress = this.progress ? finishProgress(this.progress, result) : null;
      this.result = result;
    } catch (e) {
      if (generation !== this.#generation) return;
      const error = toUiError(e);
      if (error.code === "PREFLIGHT_BLOCKED") {
        // Something changed since the check (a port taken meanwhile…): show the problems, not just the first.
        try {
          const services = request.services;
          const report = await this.#backend.lifecyclePreflight(target.dir, target.profiles, services);
          if (!report.ok) this.blocked = report;
          else this.error = error;
        } catch {
          this.error = error;
        }
      } else {
        this.error = error;
      }
      // Nothing ran: the panel shows the reason alone.
      if (this.progress && !this.progress.services.some((s) => s.phase !== null)) this.progress = null;
    } finally {
      if (generation === this.#generation) {
        this.#end();
        void this.refreshDrift(target.dir, target.profiles);
      }
    }
  }
}

const KEY = Symbol("dockmaster.lifecycle");

export function setLifecycleStore(store: LifecycleStore): LifecycleStore {
  return setContext(KEY, store);
}

/** The window's lifecycle store; null where none was provided (components then show no actions). */
export function getLifecycleStore(): LifecycleStore | null {
  return getContext<LifecycleStore | undefined>(KEY) ?? null;
}
