// The Regions page's state: the project's regions on every known engine as the backend lists them (by label,
// so they survive any restart; an engine that could not be reached marks its regions unknown and says why),
// start / stop / remove per region on its engine, and one region's plan shown again. Live state and health come
// from the engine store's pushes (the page merges them in); the list is read again when the set of live
// regions changes and after each action, never on a timer.

import { toUiError, type Backend, type UiError } from "../backend";
import type { EngineReach, RegionInfo, RegionPlan, RemoveReport } from "../bindings";
import { plural } from "../project/format";

export type RegionAction = "start" | "stop" | "remove";

export interface Notice {
  tone: "ok" | "info" | "warning";
  text: string;
}

/** A region on its engine. */
export interface RegionRef {
  name: string;
  engine: string;
}

/** A region's key on the page: its name on the project's own engine, `engine/name` on another. */
export function regionKey(r: RegionRef, home: string | null): string {
  return r.engine === home || home === null ? r.name : `${r.engine}/${r.name}`;
}

export interface ShownPlan {
  name: string;
  engine: string;
  plan: RegionPlan | null;
  error: UiError | null;
}

export class RegionsStore {
  regions = $state.raw<RegionInfo[]>([]);
  /** Every engine listed (the project's own first), with why one could not be. */
  engines = $state.raw<EngineReach[]>([]);
  /** The list has been read at least once for this project. */
  loaded = $state(false);
  loading = $state(false);
  error = $state<UiError | null>(null);
  /** The action running per region (by `key`). */
  busy = $state<Record<string, RegionAction>>({});
  /** The last action that failed, and on which region. */
  actionError = $state<{ region: string; action: RegionAction; error: UiError } | null>(null);
  notice = $state<Notice | null>(null);
  /** A region's plan, shown again (`region_show`). */
  shown = $state<ShownPlan | null>(null);

  #backend: Backend;
  #dir: string | null = null;
  #generation = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  get dir(): string | null {
    return this.#dir;
  }

  /** Reads the project's regions (a new project resets the page). */
  async load(dir: string): Promise<void> {
    if (dir !== this.#dir) {
      this.#dir = dir;
      this.regions = [];
      this.engines = [];
      this.loaded = false;
      this.busy = {};
      this.actionError = null;
      this.notice = null;
      this.shown = null;
    }
    await this.reload();
  }

  async reload(): Promise<void> {
    const dir = this.#dir;
    if (dir === null) return;
    const generation = ++this.#generation;
    this.loading = true;
    try {
      const listed = await this.#backend.regionList(dir);
      if (generation !== this.#generation) return;
      this.regions = listed.regions;
      this.engines = listed.engines;
      this.error = null;
      this.loaded = true;
    } catch (e) {
      if (generation === this.#generation) this.error = toUiError(e);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** The project's own engine (listed first), once the list was read. */
  get home(): string | null {
    return this.engines[0]?.engine ?? null;
  }

  /** The engines whose regions could not be listed now. */
  get unknownEngines(): EngineReach[] {
    return this.engines.filter((e) => e.reach === "unknown");
  }

  key(r: RegionRef): string {
    return regionKey(r, this.home);
  }

  region(name: string, engine: string | null = this.home): RegionInfo | undefined {
    return this.regions.find((r) => r.name === name && (engine === null || r.engine === engine));
  }

  async start(r: RegionRef): Promise<void> {
    await this.#act(r, "start", async (dir) => {
      this.#replace(await this.#backend.regionStart(dir, r.engine, r.name));
      this.notice = { tone: "ok", text: `Region ${r.name} is running.` };
    });
  }

  async stop(r: RegionRef): Promise<void> {
    await this.#act(r, "stop", async (dir) => {
      this.#replace(await this.#backend.regionStop(dir, r.engine, r.name));
      this.notice = { tone: "info", text: `Region ${r.name} is stopped. Its data is kept; start it again at any time.` };
    });
  }

  /** Removes the region; with `volumes` (exactly the region's, as listed) its data and password too. */
  async remove(r: RegionRef, volumes: string[] | null): Promise<boolean> {
    let removed = false;
    await this.#act(r, "remove", async (dir) => {
      const report = await this.#backend.regionRemove(dir, r.engine, r.name, volumes);
      removed = true;
      if (this.shown?.name === r.name && this.shown.engine === r.engine) this.shown = null;
      this.notice = removedNotice(report);
      await this.reload();
    });
    return removed;
  }

  /** Shows a region's plan again, rebuilt from its engine. */
  async show(r: RegionRef): Promise<void> {
    const dir = this.#dir;
    if (dir === null) return;
    const { name, engine } = r;
    const current = () => this.shown?.name === name && this.shown.engine === engine && dir === this.#dir;
    this.shown = { name, engine, plan: null, error: null };
    try {
      const plan = await this.#backend.regionShow(dir, engine, name);
      if (current()) this.shown = { name, engine, plan, error: null };
    } catch (e) {
      if (current()) this.shown = { name, engine, plan: null, error: toUiError(e) };
    }
  }

  hidePlan(): void {
    this.shown = null;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  dismissActionError(): void {
    this.actionError = null;
  }

  async #act(r: RegionRef, action: RegionAction, run: (dir: string) => Promise<void>): Promise<void> {
    const dir = this.#dir;
    const key = this.key(r);
    if (dir === null || this.busy[key]) return;
    this.busy = { ...this.busy, [key]: action };
    this.actionError = null;
    this.notice = null;
    try {
      await run(dir);
    } catch (e) {
      if (dir === this.#dir) this.actionError = { region: r.name, action, error: toUiError(e) };
    } finally {
      if (dir === this.#dir) {
        const { [key]: _, ...rest } = this.busy;
        this.busy = rest;
      }
    }
  }

  #replace(info: RegionInfo): void {
    const same = (r: RegionInfo) => r.name === info.name && r.engine === info.engine;
    const known = this.regions.some(same);
    this.regions = known ? this.regions.map((r) => (same(r) ? info : r)) : [...this.regions, info];
  }
}

/** What a removal did, in one sentence. */
export function removedNotice(r: RemoveReport): Notice {
  const parts = [plural(r.containers.length, "container")];
  if (r.networks.length > 0) parts.push(plural(r.networks.length, "network"));
  if (r.volumes.length > 0) parts.push(plural(r.volumes.length, "volume"));
  let text = `Removed region ${r.region}: ${parts.join(", ")}`;
  text += r.passwordRemoved ? ", and its database password from the keychain." : ".";
  if (r.keptVolumes.length > 0) {
    text += ` Kept ${r.keptVolumes.join(", ")} (and the database password): a new region named ${r.region} reuses its data.`;
    return { tone: "info", text };
  }
  return { tone: "ok", text };
}
