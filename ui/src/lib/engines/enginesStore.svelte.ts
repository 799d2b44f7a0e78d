// The engines (Docker contexts plus the local `default`) for the Engines page and the header's engine choice:
// the list read at once, then each engine tested on its own (a slow SSH host does not hold up the others), the
// project's engine, and add / remove / switch. One instance per window, handed to components through context.

import { getContext, setContext } from "svelte";
import { toUiError, type Backend, type UiError } from "../backend";
import type { EngineAddRequest, EngineAdded, EngineInfo, ProjectEngine } from "../bindings";

export interface EngineRow {
  info: EngineInfo;
  /** `testing` until its test answers. */
  state: "testing" | "reachable" | "unreachable";
  version: string | null;
  /** Why it cannot be reached (an unknown SSH host key carries the fingerprint in `detail`). */
  error: UiError | null;
}

/** The SSH host key to confirm, when an error asks for one. */
export function hostKeyOf(error: UiError | null): { host: string; keyType: string; fingerprint: string } | null {
  return error?.detail?.kind === "hostKey" ? error.detail : null;
}

export class EnginesStore {
  rows = $state<EngineRow[]>([]);
  /** Every engine's name, for the header's choice (read without testing). */
  names = $state<string[]>([]);
  loaded = $state(false);
  error = $state<UiError | null>(null);
  /** The engine the open project runs on. */
  project = $state<ProjectEngine | null>(null);
  /** A switch of the project's engine is under way. */
  switching = $state(false);
  switchError = $state<UiError | null>(null);
  /** What the last action said (added, removed, switched). */
  notice = $state<string | null>(null);

  #backend: Backend;
  #loads = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  get backend(): Backend {
    return this.#backend;
  }

  /** Reads the list, then tests every engine at the same time. */
  async load(): Promise<void> {
    const mine = ++this.#loads;
    let list: EngineInfo[];
    try {
      list = await this.#backend.enginesList();
    } catch (e) {
      if (mine === this.#loads) this.error = toUiError(e);
      return;
    }
    if (mine !== this.#loads) return;
    this.error = null;
    this.names = list.map((e) => e.name);
    this.rows = list.map((info) => ({ info, state: "testing", version: null, error: null }));
    this.loaded = true;
    await Promise.all(list.map((info) => this.test(info.name)));
  }

  /** Reads the engines' names only (the header's choice); an error leaves the last list. */
  async loadNames(): Promise<void> {
    try {
      this.names = (await this.#backend.enginesList()).map((e) => e.name);
    } catch {
      // The header keeps what it had; the Engines page says what is wrong.
    }
  }

  /** Tests one engine; `acceptHostKey`: the fingerprint the user confirmed, recorded first. */
  async test(name: string, acceptHostKey: string | null = null): Promise<void> {
    this.#set(name, { state: "testing", error: null });
    try {
      const status = await this.#backend.engineTest(name, acceptHostKey);
      this.#set(name, {
        info: status.engine,
        state: status.reachable ? "reachable" : "unreachable",
        version: status.version,
        error: status.error ? toUiError(status.error) : null,
      });
    } catch (e) {
      this.#set(name, { state: "unreachable", version: null, error: toUiError(e) });
    }
  }

  #set(name: string, change: Partial<EngineRow>): void {
    this.rows = this.rows.map((r) => (r.info.name === name ? { ...r, ...change } : r));
  }

  /** Adds an engine (the backend tests it first); rejects with the backend's error. */
  async add(request: EngineAddRequest): Promise<EngineAdded> {
    const added = await this.#backend.engineAdd(request);
    this.notice = `Added the engine ${added.engine.name} (Docker ${added.version}).`;
    await this.load();
    return added;
  }

  /** Removes an engine; rejects with the backend's error. */
  async remove(name: string, confirmed: boolean): Promise<void> {
    await this.#backend.engineRemove(name, confirmed);
    this.notice = `Removed the engine ${name}.`;
    await this.load();
  }

  /** Reads which engine the project in `dir` runs on (null: no project). */
  async loadProject(dir: string | null): Promise<void> {
    if (dir === null) {
      this.project = null;
      return;
    }
    try {
      this.project = await this.#backend.projectEngine(dir);
    } catch (e) {
      this.switchError = toUiError(e);
    }
  }

  /** Moves the project to `engine` and remembers it; `refollow` then watches the new engine. */
  async use(dir: string, engine: string | null, refollow: () => Promise<void>): Promise<boolean> {
    this.switching = true;
    this.switchError = null;
    try {
      this.project = await this.#backend.useEngine(dir, engine);
      this.notice = `This project now runs on ${this.project.name}.`;
    } catch (e) {
      this.switchError = toUiError(e);
      return false;
    } finally {
      this.switching = false;
    }
    await refollow();
    return true;
  }

  dismissNotice(): void {
    this.notice = null;
  }
}

const KEY = Symbol("dockmaster.engines");

export function setEnginesStore(store: EnginesStore): EnginesStore {
  return setContext(KEY, store);
}

export function getEnginesStore(): EnginesStore {
  return getContext<EnginesStore>(KEY);
}
