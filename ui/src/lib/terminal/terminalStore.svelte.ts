// The window's terminal tabs: each one a shell (or the service's database/cache client) in a running service's
// container, opened through the backend. The store keeps the tab list, which tab shows, and moves bytes: output
// from the backend to the tab's view (held until the view attaches), typing and resizes from the view to the
// backend. A tab whose command ended or whose service stopped stays, saying why, until its Close button.

import { getContext, setContext } from "svelte";
import type { Backend, UiError } from "../backend";
import { toUiError } from "../backend";
import type { ExecInfo, TerminalEvent } from "../bindings";

export type TerminalBackend = Pick<Backend, "openTerminal" | "terminalInput" | "resizeTerminal" | "closeTerminal">;

export type TabState = "opening" | "open" | "closed";

export interface TerminalTab {
  /** The window's own key for the tab (the backend's ID is known only once it opened). */
  key: number;
  dir: string;
  service: string;
  /** The client asked for (`psql`…), null for the shell. */
  client: string | null;
  /** The backend's terminal ID, once open. */
  id: number | null;
  state: TabState;
  /** What was opened (program, credentials given by name), once open. */
  info: ExecInfo | null;
  /** Why it closed: the command ended, the service stopped, the user closed it. */
  reason: string | null;
  /** Why it could not open. */
  error: UiError | null;
}

type Writer = (data: string) => void;

export class TerminalStore {
  tabs = $state<TerminalTab[]>([]);
  /** The key of the tab on screen. */
  active = $state<number | null>(null);

  #backend: TerminalBackend;
  #next = 0;
  #writers = new Map<number, Writer>();
  /** Output that came before the tab's view attached. */
  #pending = new Map<number, string[]>();
  /** The last size the view reported, sent once the terminal is open. */
  #sizes = new Map<number, { cols: number; rows: number }>();

  constructor(backend: TerminalBackend) {
    this.#backend = backend;
  }

  /** The tab (a live proxy) with `key`. */
  tab(key: number): TerminalTab | undefined {
    return this.tabs.find((t) => t.key === key);
  }

  /** Opens a new tab on `service`'s shell (or its `client`) and shows it; resolves to the tab's key once the
   * backend answered (the tab says why when it could not open). */
  async open(dir: string, service: string, client: string | null = null): Promise<number> {
    const key = ++this.#next;
    this.tabs.push({ key, dir, service, client, id: null, state: "opening", info: null, reason: null, error: null });
    this.active = key;
    const size = this.#sizes.get(key) ?? { cols: 0, rows: 0 };
    try {
      const opened = await this.#backend.openTerminal(
        dir,
        { service, client: client !== null, tty: true, command: [], cols: size.cols, rows: size.rows },
        (event) => this.#event(key, event),
      );
      const tab = this.tab(key);
      if (!tab) {
        // Closed by the user while it opened.
        void this.#backend.closeTerminal(dir, opened.id).catch(() => false);
        return key;
      }
      tab.id = opened.id;
      tab.info = opened.info;
      if (tab.state === "opening") {
        tab.state = "open";
        const last = this.#sizes.get(key);
        if (last && (last.cols !== size.cols || last.rows !== size.rows)) this.#sendSize(tab, last);
      }
    } catch (e) {
      const tab = this.tab(key);
      if (tab) {
        tab.state = "closed";
        tab.error = toUiError(e);
        tab.reason = "it could not open";
      }
    }
    return key;
  }

  #event(key: number, event: TerminalEvent): void {
    const tab = this.tab(key);
    if (!tab) return;
    if (event.kind === "output") {
      const write = this.#writers.get(key);
      if (write) write(event.data);
      else this.#pending.set(key, [...(this.#pending.get(key) ?? []), event.data]);
    } else {
      tab.state = "closed";
      tab.reason = event.reason;
    }
  }

  /** The tab's view shows output through `write` (what came before is written first); call the result when the
   * view goes away. */
  attach(key: number, write: Writer): () => void {
    for (const data of this.#pending.get(key) ?? []) write(data);
    this.#pending.delete(key);
    this.#writers.set(key, write);
    return () => {
      if (this.#writers.get(key) === write) this.#writers.delete(key);
    };
  }

  /** What the user typed or pasted into tab `key`. */
  input(key: number, data: string): void {
    const tab = this.tab(key);
    if (!tab || tab.state !== "open" || tab.id === null) return;
    this.#backend.terminalInput(tab.dir, tab.id, data).catch(() => undefined);
  }

  /** Tab `key`'s view now has `cols` × `rows` cells. */
  resize(key: number, cols: number, rows: number): void {
    if (cols <= 0 || rows <= 0) return;
    this.#sizes.set(key, { cols, rows });
    const tab = this.tab(key);
    if (tab && tab.state === "open") this.#sendSize(tab, { cols, rows });
  }

  #sendSize(tab: TerminalTab, size: { cols: number; rows: number }): void {
    if (tab.id === null) return;
    this.#backend.resizeTerminal(tab.dir, tab.id, size.cols, size.rows).catch(() => undefined);
  }

  /** Shows tab `key`. */
  show(key: number): void {
    if (this.tab(key)) this.active = key;
  }

  /** Closes tab `key` (its command ends) and removes it; the neighbour shows. */
  close(key: number): void {
    const index = this.tabs.findIndex((t) => t.key === key);
    if (index < 0) return;
    const tab = this.tabs[index];
    if (tab.state === "open" && tab.id !== null) void this.#backend.closeTerminal(tab.dir, tab.id).catch(() => false);
    this.tabs.splice(index, 1);
    this.#writers.delete(key);
    this.#pending.delete(key);
    this.#sizes.delete(key);
    if (this.active === key) this.active = (this.tabs[index] ?? this.tabs[index - 1])?.key ?? null;
  }

  /** Closes every tab (the project closed or another one opened). */
  closeAll(): void {
    for (const tab of [...this.tabs]) this.close(tab.key);
  }
}

const KEY = Symbol("dockmaster.terminals");

export function setTerminalStore(store: TerminalStore): TerminalStore {
  return setContext(KEY, store);
}

/** The window's terminals; null where none was provided (a component rendered alone in a test). */
export function getTerminalStore(): TerminalStore | null {
  return getContext<TerminalStore | undefined>(KEY) ?? null;
}
