// The Logs view's data: every line the backend sent, mirrored with the backend's per-service ring buffers
// (a service's lines older than its buffer's oldest are dropped here too, in batches), the filtered view,
// the search matches in it, per-service buffer states and recent notices.
//
// Plain (non-reactive) data on purpose: 100 000 lines in a `$state` proxy would be slow. The store bumps a
// version number after each change and components read through it.

import type { LogBatch, LogLine, LogNotice, LogStream, ServiceLogState } from "../bindings";
import { matches, type CompiledSearch } from "./search";

/** How many notices are kept. */
const NOTICES_KEPT = 50;

export type StreamFilter = "all" | "stdout" | "stderr";

export interface ApplyResult {
  /** Lines appended to the view (after the filter). */
  appended: number;
  /** The view was rebuilt (dropped lines went away): indices changed. */
  rebuilt: boolean;
}

export function streamPasses(filter: StreamFilter, stream: LogStream): boolean {
  if (filter === "all") return true;
  if (filter === "stderr") return stream === "stderr";
  return stream !== "stderr";
}

export class LogModel {
  /** Every line kept, in arrival order. */
  lines: LogLine[] = [];
  /** The lines that pass the filter, in order. */
  view: LogLine[] = [];
  /** Indices into `view` of the lines that match the search. */
  matches: number[] = [];
  states = new Map<string, ServiceLogState>();
  notices: LogNotice[] = [];
  maxLinesPerService = 0;
  maxBytesPerService = 0;
  /** Lines received in all (kept or not). */
  received = 0;

  #streams: StreamFilter = "all";
  #onlyMatching = false;
  #search: CompiledSearch = { kind: "none" };
  /** Per service: lines held here. */
  #held = new Map<string, number>();
  /** Compaction waits for this many dead lines at least (batching the O(n) pass). */
  readonly #compactAt: number;

  constructor(compactAt = 2000) {
    this.#compactAt = compactAt;
  }

  get streams(): StreamFilter {
    return this.#streams;
  }

  get onlyMatching(): boolean {
    return this.#onlyMatching;
  }

  get search(): CompiledSearch {
    return this.#search;
  }

  /** Lines held here that the backend's buffers already dropped (removed at the next compaction). */
  dead(): number {
    let dead = 0;
    for (const [service, held] of this.#held) dead += Math.max(0, held - (this.states.get(service)?.lines ?? held));
    return dead;
  }

  /** Older lines the backend's buffers dropped, in all. */
  dropped(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.dropped;
    return n;
  }

  #passes(line: LogLine): boolean {
    return streamPasses(this.#streams, line.stream) && (!this.#onlyMatching || this.#search.kind !== "ok" || matches(this.#search, line.text));
  }

  apply(batch: LogBatch): ApplyResult {
    this.maxLinesPerService = batch.maxLinesPerService;
    this.maxBytesPerService = batch.maxBytesPerService;
    for (const s of batch.services) this.states.set(s.service, s);
    if (batch.notices.length > 0) this.notices = [...this.notices, ...batch.notices].slice(-NOTICES_KEPT);
    let appended = 0;
    for (const line of batch.lines) {
      this.received++;
      this.lines.push(line);
      this.#held.set(line.service, (this.#held.get(line.service) ?? 0) + 1);
      if (this.#passes(line)) {
        this.view.push(line);
        appended++;
        if (matches(this.#search, line.text)) this.matches.push(this.view.length - 1);
      }
    }
    const dead = this.dead();
    if (dead >= this.#compactAt && dead * 4 >= this.lines.length) {
      this.#compact();
      return { appended, rebuilt: true };
    }
    return { appended, rebuilt: false };
  }

  /** Drops the lines the backend's buffers dropped: per service, those older than its oldest kept line. */
  #compact(): void {
    const cut = new Map<string, number>();
    for (const s of this.states.values()) if (s.firstSeq !== null) cut.set(s.service, s.firstSeq);
    this.lines = this.lines.filter((l) => l.seq >= (cut.get(l.service) ?? 0));
    this.#held = new Map();
    for (const l of this.lines) this.#held.set(l.service, (this.#held.get(l.service) ?? 0) + 1);
    this.#rebuild();
  }

  #rebuild(): void {
    this.view = this.lines.filter((l) => this.#passes(l));
    this.#rematch();
  }

  #rematch(): void {
    this.matches = [];
    if (this.#search.kind !== "ok") return;
    for (let i = 0; i < this.view.length; i++) if (matches(this.#search, this.view[i].text)) this.matches.push(i);
  }

  setStreams(streams: StreamFilter): void {
    this.#streams = streams;
    this.#rebuild();
  }

  setSearch(search: CompiledSearch, onlyMatching: boolean): void {
    const refilter = onlyMatching !== this.#onlyMatching || onlyMatching;
    this.#search = search;
    this.#onlyMatching = onlyMatching;
    if (refilter) this.#rebuild();
    else this.#rematch();
  }

  /** Forgets everything (a new follow). */
  clear(): void {
    this.lines = [];
    this.view = [];
    this.matches = [];
    this.states = new Map();
    this.notices = [];
    this.received = 0;
    this.#held = new Map();
  }

  /** The match at or after view index `from` (`direction` 1), or at or before it (-1), wrapping around;
   * -1 when there is none. Returns an index into `matches`. */
  matchNear(from: number, direction: 1 | -1): number {
    const m = this.matches;
    if (m.length === 0) return -1;
    // Binary search for the first match index >= from.
    let lo = 0;
    let hi = m.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (m[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    if (direction === 1) return lo < m.length ? lo : 0;
    const at = lo < m.length && m[lo] === from ? lo : lo - 1;
    return at >= 0 ? at : m.length - 1;
  }
}
