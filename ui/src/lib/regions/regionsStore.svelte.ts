// The Regions page's state: the project's regions as the backend lists them (by label, so they survive any
// restart), start / stop / remove per region, and one region's plan shown again. Live state and health come
// from the engine store's pushes (the page merges them in); the list is read again when the set of live
// regions changes and after each action, never on a timer.

import { toUiError, type Backend, type UiError } from "../backend";
import type { RegionInfo, RegionPlan, RemoveReport } from "../bindings";
import { plural } from "../project/format";

export type RegionAction = "start" | "stop" | "remove";

export interface Notice {
  tone: "ok" | "info" | "warning";
  text: string;
}

export interface ShownPlan {
  name: string;
  plan: RegionPlan | null;
  error: UiError | null;
}

export class RegionsStore {
  regions = $state.raw<RegionInfo[]>([]);
  /** The list has been read at least once for this project. */
  loaded = $state(false);
  loading = $state(false);
  error = $state<UiError | null>(null);
  /** The action running per region. */
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
      const regions = await this.#backend.regionList(dir);
      if (generation !== this.#generation) return;
      this.regions = regions;
      this.error = null;
      this.loaded = true;
    } catch (e) {
      if (generation === this.#generation) this.error = toUiError(e);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  region(name: string): RegionInfo | undefined {
    return this.regions.find((r) => r.name === name);
  }

  async start(name: string): Promise<void> {
    await this.#act(name, "start", async (dir) => {
      this.#replace(await this.#backend.regionStart(dir, name));
      this.notice = { tone: "ok", text: `Region ${name} is running.` };
    });
  }

  async stop(name: string): Promise<void> {
    await this.#act(name, "stop", async (dir) => {
      this.#replace(await this.#backend.regionStop(dir, name));
      this.notice = { tone: "info", text: `Region ${name} is stopped. Its data is kept; start it again at any time.` };
    });
  }

  /** Removes the region; with `volumes` (exactly the region's, as listed) its data and password too. */
  async remove(name: string, volumes: string[] | null): Promise<boolean> {
    let removed = false;
    await this.#act(name, "remove", async (dir) => {
      const report = await this.#backend.regionRemove(dir, name, volumes);
      removed = true;
      if (this.shown?.name === name) this.shown = null;
      this.notice = removedNotice(report);
      await this.reload();
    });
    return removed;
  }

  /** Shows a region's plan again, rebuilt from the engine. */
  async show(name: string): Promise<void> {
    const dir = this.#dir;
    if (dir === null) return;
    this.shown = { name, plan: null, error: null };
    try {
      const plan = await this.#backend.regionShow(dir, name);
      if (this.shown?.name === name && dir === this.#dir) this.shown = { name, plan, error: null };
    } catch (e) {
      if (this.shown?.name === name && dir === this.#dir) this.shown = { name, plan: null, error: toUiError(e) };
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

  async #act(name: string, action: RegionAction, run: (dir: string) => Promise<void>): Promise<void> {
    const dir = this.#dir;
    if (dir === null || this.busy[name]) return;
    this.busy = { ...this.busy, [name]: action };
    this.actionError = null;
    this.notice = null;
    try {
      await run(dir);
    } catch (e) {
      if (dir === this.#dir) this.actionError = { region: name, action, error: toUiError(e) };
    } finally {
      if (dir === this.#dir) {
        const { [name]: _, ...rest } = this.busy;
        this.busy = rest;
      }
    }
  }

  #replace(info: RegionInfo): void {
    const known = this.regions.some((r) => r.name === info.name);
    this.regions = known ? this.regions.map((r) => (r.name === info.name ? info : r)) : [...this.regions, info];
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
