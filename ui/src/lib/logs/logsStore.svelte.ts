// The Logs view's state: which services are followed, the follow (auto-scroll) flag, the stream filter, the
// search and its current match, export, and the `LogModel` with the lines. One instance per Logs view.
//
// Ordering: each follow has a generation; batches of an older follow (other services, another project) are
// dropped, so a late batch never mixes into the new one.

import { toUiError, type Backend, type UiError } from "../backend";
import type { ExportReport, LogBatch, LogFilter, LogFollowInfo, LogStream } from "../bindings";
import { LogModel, type StreamFilter } from "./logModel";
import { compileSearch, type CompiledSearch, type SearchSpec } from "./search";

export class LogsStore {
  /** Bumped after every change of `model` (which is not reactive itself). */
  version = $state(0);
  dir = $state<string | null>(null);
  /** Followed services; empty means all. */
  services = $state<string[]>([]);
  /** Keep the newest line in view (turned off by scrolling up, on again by "Jump to latest"). */
  following = $state(true);
  streams = $state<StreamFilter>("all");
  query = $state<SearchSpec>({ text: "", regex: false, caseSensitive: false });
  /** Show only the lines that match the search. */
  onlyMatching = $state(false);
  /** Index into `model.matches` of the current match, or -1. */
  current = $state(-1);
  info = $state<LogFollowInfo | null>(null);
  error = $state<UiError | null>(null);
  exporting = $state(false);
  exported = $state<ExportReport | null>(null);
  search = $state.raw<CompiledSearch>({ kind: "none" });

  readonly model: LogModel;
  #backend: Backend;
  #generation = 0;

  constructor(backend: Backend, model = new LogModel()) {
    this.#backend = backend;
    this.model = model;
  }

  /** Follows `services` (empty: all) of the project in `dir`, starting from a clean list. */
  async follow(dir: string, services: string[]): Promise<void> {
    const generation = ++this.#generation;
    this.dir = dir;
    this.services = services;
    this.model.clear();
    this.current = -1;
    this.following = true;
    this.error = null;
    this.info = null;
    this.version++;
    try {
      const info = await this.#backend.followLogs(dir, services, (batch) => {
        if (generation === this.#generation) this.apply(batch);
      });
      if (generation === this.#generation) this.info = info;
    } catch (e) {
      if (generation === this.#generation) this.error = toUiError(e);
    }
  }

  async stop(): Promise<void> {
    this.#generation++;
    this.dir = null;
    try {
      await this.#backend.stopLogs();
    } catch {
      // The follow ends with the window anyway.
    }
  }

  /** One batch from the backend (exposed for tests and for the channel callback). */
  apply(batch: LogBatch): void {
    const result = this.model.apply(batch);
    if (result.rebuilt && this.current >= this.model.matches.length) this.current = this.model.matches.length - 1;
    this.version++;
  }

  /** Shows all services (empty list) or exactly `services`. */
  async setServices(services: string[]): Promise<void> {
    if (this.dir !== null) await this.follow(this.dir, services);
  }

  setStreams(streams: StreamFilter): void {
    this.streams = streams;
    this.model.setStreams(streams);
    this.current = -1;
    this.version++;
  }

  setQuery(query: SearchSpec, onlyMatching = this.onlyMatching): void {
    this.query = query;
    this.onlyMatching = onlyMatching;
    this.search = compileSearch(query);
    this.model.setSearch(this.search, onlyMatching);
    this.current = -1;
    this.version++;
  }

  /** Moves to the next (1) or previous (-1) match from the current one (or from `fromRow` when there is
   * none yet) and stops following. Returns the view row to show, or -1 without matches. */
  step(direction: 1 | -1, fromRow = 0): number {
    const m = this.model.matches;
    if (m.length === 0) return -1;
    if (this.current < 0 || this.current >= m.length) {
      this.current = this.model.matchNear(fromRow, direction);
    } else {
      this.current = (this.current + direction + m.length) % m.length;
    }
    this.following = false;
    return m[this.current];
  }

  /** What an export writes: the followed services' kept lines through the stream filter and, when only
   * matching lines are shown, the search. */
  filter(): LogFilter {
    const streams: LogStream[] =
      this.streams === "all" ? [] : this.streams === "stderr" ? ["stderr"] : ["stdout", "console"];
    const text = this.onlyMatching && this.search.kind === "ok" ? this.query.text : null;
    return {
      services: [...this.services],
      streams,
      since: null,
      until: null,
      text,
      regex: this.query.regex,
      caseSensitive: this.query.caseSensitive,
    };
  }

  /** Asks for a file and exports to it. */
  async exportToFile(): Promise<void> {
    const dir = this.dir;
    if (dir === null) return;
    this.exported = null;
    this.error = null;
    const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
    this.exporting = true;
    try {
      this.exported = await this.#backend.exportLogs(dir, this.filter(), `logs-${stamp}.log`);
    } catch (e) {
      this.error = toUiError(e);
    } finally {
      this.exporting = false;
    }
  }
}
