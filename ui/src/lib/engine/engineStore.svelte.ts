// The live engine state of the open project, for the dashboard: connection, per-service state and health, and
// resource usage of the services on screen. One instance per window, handed to components through context.
//
// Nothing here polls. The backend pushes over Tauri Channels: `watchEngine` sends the current state first and
// then every change; `watchStats` sends samples of the running containers of the services the rows report
// visible (IntersectionObserver) and of the host. The only timer is the display clock that advances uptimes.
//
// Ordering: each watch has a generation; messages of an older watch (another project, or a watch replaced by
// re-opening) are dropped, so a late message can never show one project's state on another.

import { getContext, setContext } from "svelte";
import { toUiError, type Backend, type UiError } from "../backend";
import type { ServiceStatus, StatsUpdate, StoreUpdate } from "../bindings";
import {
  applyStats,
  applyUpdate,
  emptyLive,
  emptyUsage,
  usageByService,
  type LiveState,
  type ServiceUsage,
  type UsageState,
} from "./live";

/** How long visibility changes settle before the stats stream is re-targeted (scrolling fires many). */
const VISIBILITY_SETTLE_MS = 150;
/** Stats samples arrive per container (about one a second each); they are applied together at most this often,
 * so the window repaints its numbers twice a second rather than once per container sample. */
export const STATS_COALESCE_MS = 500;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class EngineStore {
  live = $state.raw<LiveState>(emptyLive());
  usage = $state.raw<UsageState>(emptyUsage());
  /** The project folder being watched, else null. */
  dir = $state<string | null>(null);
  /** The watch request itself failed (e.g. the project could not be read). Engine trouble is not an error
   * here: it is the connection state, in `live.connection`. */
  error = $state<UiError | null>(null);
  /** Wall-clock time for uptimes; advances once a second while a project is watched (display only). */
  now = $state(Date.now());
  /** When the current connection state arrived (for the reconnect countdown). */
  connectionAt = $state(0);

  readonly services = $derived(new Map(this.live.services.map((s) => [s.name, s])));
  readonly usageByService: ReadonlyMap<string, ServiceUsage> = $derived(usageByService(this.usage));
  /** Nothing from the engine yet for this watch. */
  readonly pending = $derived(this.dir !== null && this.live.connection === null && this.error === null);

  #backend: Backend;
  #generation = 0;
  #profiles: string[] = [];
  #token: unknown = null;
  #visible = new Set<string>();
  #statsTimer: ReturnType<typeof setTimeout> | null = null;
  #clock: ReturnType<typeof setInterval> | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** Live state of one service, when the engine reported it. */
  service(name: string): ServiceStatus | undefined {
    return this.services.get(name);
  }

  /** Keeps the watch on the open project: starts it when `dir` changes, stops it when `dir` is null, and
   * re-targets the selection when `profiles` (or the project's files, marked by `token`) change. */
  follow(dir: string | null, profiles: readonly string[], token: unknown = null): void {
    if (dir !== this.dir) {
      if (dir === null) void this.unwatch();
      else void this.watch(dir, [...profiles]);
    } else if (dir !== null && (token !== this.#token || !sameList(profiles, this.#profiles))) {
      void this.setSelection([...profiles]);
    }
    this.#token = token;
  }

  async watch(dir: string, profiles: string[]): Promise<void> {
    const generation = ++this.#generation;
    this.dir = dir;
    this.#profiles = profiles;
    this.live = emptyLive();
    this.usage = emptyUsage();
    this.error = null;
    this.#startClock();
    try {
      await this.#backend.watchEngine(dir, profiles, (u) => {
        if (generation === this.#generation) this.apply(u);
      });
    } catch (e) {
      if (generation === this.#generation) this.error = toUiError(e);
      return;
    }
    if (generation === this.#generation) await this.#pushStats(generation);
  }

  async setSelection(profiles: string[]): Promise<void> {
    const dir = this.dir;
    this.#profiles = profiles;
    if (dir === null) return;
    const generation = this.#generation;
    try {
      await this.#backend.setEngineSelection(dir, profiles);
    } catch (e) {
      if (generation === this.#generation) this.error = toUiError(e);
    }
  }

  async unwatch(): Promise<void> {
    this.#generation++;
    this.dir = null;
    this.live = emptyLive();
    this.usage = emptyUsage();
    this.error = null;
    this.#stopTimers();
    try {
      await this.#backend.unwatchStats();
      await this.#backend.unwatchEngine();
    } catch {
      // Nothing to undo: the backend drops the watch with the window anyway.
    }
  }

  /** Retries a watch that failed. */
  async retry(): Promise<void> {
    if (this.dir !== null) await this.watch(this.dir, this.#profiles);
  }

  /** Applies one pushed update (exposed for tests and for the channel callback). */
  apply(update: StoreUpdate): void {
    const before = this.live.connection;
    this.live = applyUpdate(this.live, update);
    if (this.live.connection !== before) this.connectionAt = Date.now();
  }

  /** Milliseconds until the next reconnection attempt, counted down locally; null when not reconnecting. */
  nextAttemptIn(): number | null {
    const c = this.live.connection;
    if (c?.status !== "reconnecting" || c.nextInMs === null) return null;
    return Math.max(0, c.nextInMs - (this.now - this.connectionAt));
  }

  /** Opens a published port's URL in the browser. */
  async openUrl(url: string): Promise<void> {
    await this.#backend.openUrl(url);
  }

  #pendingStats: StatsUpdate[] = [];
  #statsFlush: ReturnType<typeof setTimeout> | null = null;

  /** Queues a pushed sample; the queue is applied in one state change `STATS_COALESCE_MS` after its first. */
  #queueStats(update: StatsUpdate): void {
    this.#pendingStats.push(update);
    if (this.#statsFlush !== null) return;
    this.#statsFlush = setTimeout(() => {
      this.#statsFlush = null;
      const pending = this.#pendingStats;
      this.#pendingStats = [];
      this.usage = pending.reduce(applyStats, this.usage);
    }, STATS_COALESCE_MS);
  }

  /** A service row came into view or left it: only visible services are sampled. */
  setVisible(service: string, visible: boolean): void {
    if (this.#visible.has(service) === visible) return;
    if (visible) this.#visible.add(service);
    else this.#visible.delete(service);
    if (this.dir === null) return;
    if (this.#statsTimer !== null) clearTimeout(this.#statsTimer);
    const generation = this.#generation;
    this.#statsTimer = setTimeout(() => {
      this.#statsTimer = null;
      if (generation === this.#generation) void this.#pushStats(generation);
    }, VISIBILITY_SETTLE_MS);
  }

  /** Services currently reported visible (sorted). */
  visibleServices(): string[] {
    return [...this.#visible].sort();
  }

  /** Stops the clock and timers (the window goes away). */
  dispose(): void {
    this.#generation++;
    this.#stopTimers();
  }

  async #pushStats(generation: number): Promise<void> {
    const dir = this.dir;
    if (dir === null) return;
    try {
      await this.#backend.watchStats(dir, this.visibleServices(), (u) => {
        if (generation === this.#generation) this.#queueStats(u);
      });
    } catch {
      // Usage numbers are a nicety: the rows simply show none.
    }
  }

  #startClock(): void {
    this.now = Date.now();
    if (this.#clock === null) this.#clock = setInterval(() => (this.now = Date.now()), 1000);
  }

  #stopTimers(): void {
    if (this.#clock !== null) clearInterval(this.#clock);
    if (this.#statsTimer !== null) clearTimeout(this.#statsTimer);
    if (this.#statsFlush !== null) clearTimeout(this.#statsFlush);
    this.#clock = null;
    this.#statsTimer = null;
    this.#statsFlush = null;
    this.#pendingStats = [];
  }
}

const KEY = Symbol("dockmaster.engine");

export function setEngineStore(store: EngineStore): EngineStore {
  return setContext(KEY, store);
}

/** The window's engine store; null where none was provided (components then show static data only). */
export function getEngineStore(): EngineStore | null {
  return getContext<EngineStore | undefined>(KEY) ?? null;
}
