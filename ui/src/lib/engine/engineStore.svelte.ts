// The live engine state of the open project, for the dashboard: connection, per-service state and health, and
// resource usage of the services on screen. One instance per window, handed to components through context.
//
// Nothing here polls. The backend pushes over Tauri Channels: `watchEngine` sends the current state first and
// then every change; `watchStats` sends samples of the running containers of the services the rows report
// visible (IntersectionObserver) and of the host, two seconds' samples in one message. The only timer is one
// tick a second while the window can be seen: it advances the clock of uptimes and applies the samples that
// arrived since, so the live numbers change together, at most once a second. While the window is hidden or
// minimized (`setWindowVisible`) no stats stream runs and no timer ticks; the engine's pushed state is still
// applied, so the window is current the moment it shows again.
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
/** The live numbers' tick: stats samples arrive in batches (every two seconds) and are applied on the tick
 * that also advances uptimes, so the numbers change together, at most once a second. */
export const TICK_MS = 1000;

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
  /** Wall-clock time for uptimes; advances once a second while a project is watched and the window can be
   * seen (display only). */
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
  #tick: ReturnType<typeof setInterval> | null = null;
  /** The window is hidden or minimized. */
  #hidden = false;

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
    this.#pendingStats = [];
    if (!this.#hidden) this.#startTick();
    try {
      await this.#backend.watchEngine(dir, profiles, (u) => {
        if (generation === this.#generation) this.apply(u);
      });
    } catch (e) {
      if (generation === this.#generation) this.error = toUiError(e);
      return;
    }
    if (generation === this.#generation && !this.#hidden) await this.#pushStats(generation);
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

  /** Samples pushed since the last tick. */
  #pendingStats: StatsUpdate[] = [];

  /** Whether the window can be seen (not hidden, not minimized). */
  get windowVisible(): boolean {
    return !this.#hidden;
  }

  /** The window was hidden or minimized (`false`), or shows again (`true`). Hidden: the stats stream stops in
   * the backend, the tick stops, samples on their way are dropped, and the numbers shown are forgotten (they
   * would be stale); the engine's pushed state is still applied. Shown again: the clock jumps to now and the
   * stats stream of the visible rows starts again. */
  setWindowVisible(visible: boolean): void {
    if (visible === !this.#hidden) return;
    this.#hidden = !visible;
    if (this.#hidden) {
      this.#stopTimers();
      this.usage = emptyUsage();
      if (this.dir !== null) void this.#backend.unwatchStats().catch(() => undefined);
    } else if (this.dir !== null) {
      this.#startTick();
      void this.#pushStats(this.#generation);
    }
  }

  /** A service row came into view or left it: only visible services are sampled. */
  setVisible(service: string, visible: boolean): void {
    if (this.#visible.has(service) === visible) return;
    if (visible) this.#visible.add(service);
    else this.#visible.delete(service);
    if (this.dir === null || this.#hidden) return;
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
        if (generation === this.#generation && !this.#hidden) this.#pendingStats.push(u);
      });
    } catch {
      // Usage numbers are a nicety: the rows simply show none.
      return;
    }
    // Hidden while the request was on its way (the stop may have overtaken it): stop the stream again.
    if (this.#hidden && generation === this.#generation) await this.#backend.unwatchStats().catch(() => undefined);
  }

  /** One tick: the clock advances and the samples that arrived since the last one are applied, in one change. */
  #onTick(): void {
    this.now = Date.now();
    if (this.#pendingStats.length === 0) return;
    const pending = this.#pendingStats;
    this.#pendingStats = [];
    this.usage = pending.reduce(applyStats, this.usage);
  }

  #startTick(): void {
    this.now = Date.now();
    if (this.#tick === null) this.#tick = setInterval(() => this.#onTick(), TICK_MS);
  }

  #stopTimers(): void {
    if (this.#tick !== null) clearInterval(this.#tick);
    if (this.#statsTimer !== null) clearTimeout(this.#statsTimer);
    this.#tick = null;
    this.#statsTimer = null;
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
