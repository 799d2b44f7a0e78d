// The open project: its overview, the profile selection, the selection's report, recent projects, and the
// loading and error state around them. One instance per window, handed to components through context.
//
// Habits: a project opens with the selection last shown for it (remembered by the backend with the recent
// projects, saved on every change), and another launch of the app with `--project DIR` opens DIR here.
//
// Ordering: every request carries a sequence number and only the newest one may write its answer. Toggling
// profiles quickly therefore shows the report for the last selection even if an earlier request answers
// later; opening a project invalidates every request still running for the previous one.

import { getContext, setContext } from "svelte";
import type { ProjectOverview, SelectionReport } from "../bindings";
import { toUiError, type Backend, type UiError } from "../backend";
import { canToggle, normalizeSelection, sameSelection, toggled } from "./selection";

/** What failed: decides where the error panel shows and what "Retry" does. */
export type ErrorContext = "startup" | "open" | "report" | "recents" | "dialog";

export interface StoreError extends UiError {
  context: ErrorContext;
  /** The folder the failed call was about, when there is one. */
  dir: string | null;
}

export class ProjectStore {
  /** True until the start-up project (if any) has been tried. */
  starting = $state(true);
  overview = $state<ProjectOverview | null>(null);
  /** The profiles the user has selected, canonical names in the overview's order. */
  selection = $state<string[]>([]);
  /** The newest report that arrived; may lag `selection` while a request runs or after one failed. */
  report = $state<SelectionReport | null>(null);
  recents = $state<string[]>([]);
  /** A folder being opened (or reloaded), else null. */
  opening = $state<string | null>(null);
  reportLoading = $state(false);
  error = $state<StoreError | null>(null);
  /** Counts the times the project's files were read again (views that read them too follow it). */
  changes = $state(0);

  readonly busy = $derived(this.opening !== null || this.reportLoading);
  /** The report shown is not (yet) the one for the chips' current selection. */
  readonly reportIsStale = $derived(this.report !== null && !sameSelection(this.report.profiles, this.selection));

  #backend: Backend;
  #openSeq = 0;
  #reportSeq = 0;
  #retry: (() => Promise<void>) | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** The backend this window talks to (views with stores of their own use it too). */
  get backend(): Backend {
    return this.#backend;
  }

  /** Start-up: the recent list, and the project given on the command line (or the most recent one); from
   * then on, the projects other launches of the app name. */
  async start(): Promise<void> {
    const recents = this.refreshRecents();
    void this.#followLaunches();
    let dir: string | null = null;
    try {
      dir = await this.#backend.startupProject();
    } catch (e) {
      this.#fail(e, "startup", null, () => this.start());
    }
    if (dir !== null) await this.open(dir);
    this.starting = false;
    await recents;
  }

  async open(dir: string, keepSelection = false): Promise<void> {
    await this.#load(dir, keepSelection, () => this.#backend.openProject(dir));
  }

  /** The project's files changed on disk and the backend read them again: show what they say now. */
  async #refresh(dir: string): Promise<void> {
    await this.#load(dir, true, () => this.#backend.projectOverview(dir));
  }

  async #load(dir: string, keepSelection: boolean, read: () => Promise<ProjectOverview>): Promise<void> {
    const seq = ++this.#openSeq;
    this.#reportSeq++; // whatever report is in flight belongs to the previous state
    this.reportLoading = false;
    this.opening = dir;
    let overview: ProjectOverview;
    try {
      overview = await read();
    } catch (e) {
      if (seq !== this.#openSeq) return;
      this.opening = null;
      this.#fail(e, "open", dir, () => this.open(dir, keepSelection));
      return;
    }
    if (seq !== this.#openSeq) return;
    const sameProject = this.overview?.root === overview.root;
    const remembered = keepSelection && sameProject ? null : await this.#rememberedSelection(overview.root);
    if (seq !== this.#openSeq) return;
    const selection =
      keepSelection && sameProject ? this.selection : normalizeSelection(overview, remembered ?? overview.defaultSelection);
    this.overview = overview;
    this.selection = normalizeSelection(overview, selection);
    if (!sameProject) this.report = null;
    this.opening = null;
    this.error = null;
    this.changes++;
    if (!sameProject) void this.#watch(overview.root);
    void this.refreshRecents();
    await this.#loadReport();
  }

  /** Follows the project's files: a change on disk shows without a click; a file that cannot be read now
   * says why and keeps what was shown. */
  async #watch(dir: string): Promise<void> {
    try {
      await this.#backend.watchProject(dir, (event) => {
        if (this.overview?.root !== dir) return; // a project no longer open
        if (event.kind === "projectChanged") void this.#refresh(dir);
        else if (event.kind === "projectInvalid") this.#fail(event.error, "report", dir, () => this.#refresh(dir));
      });
    } catch (e) {
      this.#fail(e, "open", dir, () => this.#watch(dir));
    }
  }

  /** Reads the project's files again, keeping the selection. */
  async reload(): Promise<void> {
    if (this.overview) await this.open(this.overview.root, true);
  }

  async pickAndOpen(): Promise<void> {
    let dir: string | null;
    try {
      dir = await this.#backend.pickProjectFolder();
    } catch (e) {
      this.#fail(e, "dialog", null, () => this.pickAndOpen());
      return;
    }
    if (dir !== null) await this.open(dir);
  }

  canToggle(name: string): boolean {
    return this.overview !== null && canToggle(this.overview, this.selection, name);
  }

  async toggle(name: string): Promise<void> {
    if (!this.overview || !this.canToggle(name)) return;
    this.selection = toggled(this.overview, this.selection, name);
    void this.#rememberSelection();
    await this.#loadReport();
  }

  async setSelection(names: string[]): Promise<void> {
    if (!this.overview) return;
    this.selection = normalizeSelection(this.overview, names);
    void this.#rememberSelection();
    await this.#loadReport();
  }

  /** The selection last shown for `root`, or null (never changed, or the settings cannot be read: the
   * project's default then, and saving the next change says what is wrong). */
  async #rememberedSelection(root: string): Promise<string[] | null> {
    try {
      return await this.#backend.rememberedSelection(root);
    } catch {
      return null;
    }
  }

  async #rememberSelection(): Promise<void> {
    const root = this.overview?.root;
    if (!root) return;
    const profiles = [...this.selection];
    try {
      await this.#backend.rememberSelection(root, profiles);
    } catch (e) {
      this.#fail(e, "recents", root, () => this.#rememberSelection());
    }
  }

  /** Another launch of the app named a project: open it (the backend brought the window to the front). */
  async #followLaunches(): Promise<void> {
    try {
      await this.#backend.watchDesktop((event) => {
        if (event.kind === "openProject") void this.open(event.dir);
      });
    } catch {
      // Without it a second launch still brings the window forward; it just cannot hand over its project.
    }
  }

  async refreshRecents(): Promise<void> {
    try {
      this.recents = await this.#backend.recentProjects();
    } catch (e) {
      this.#fail(e, "recents", null, () => this.refreshRecents());
    }
  }

  async forgetRecent(dir: string): Promise<void> {
    try {
      this.recents = await this.#backend.forgetRecentProject(dir);
    } catch (e) {
      this.#fail(e, "recents", dir, () => this.forgetRecent(dir));
    }
  }

  async retry(): Promise<void> {
    const again = this.#retry;
    this.error = null;
    this.#retry = null;
    if (again) await again();
  }

  dismissError(): void {
    this.error = null;
    this.#retry = null;
  }

  async #loadReport(): Promise<void> {
    const overview = this.overview;
    if (!overview) return;
    const seq = ++this.#reportSeq;
    const profiles = [...this.selection];
    this.reportLoading = true;
    try {
      const report = await this.#backend.selectionReport(overview.root, profiles);
      if (seq !== this.#reportSeq) return;
      this.report = report;
      if (this.error?.context === "report") this.dismissError();
    } catch (e) {
      if (seq !== this.#reportSeq) return;
      this.#fail(e, "report", overview.root, () => this.#loadReport());
    } finally {
      if (seq === this.#reportSeq) this.reportLoading = false;
    }
  }

  #fail(e: unknown, context: ErrorContext, dir: string | null, retry: () => Promise<void>): void {
    this.error = { ...toUiError(e), context, dir };
    this.#retry = retry;
  }
}

const KEY = Symbol("dockmaster.project");

export function setProjectStore(store: ProjectStore): ProjectStore {
  return setContext(KEY, store);
}

export function getProjectStore(): ProjectStore {
  const store = getContext<ProjectStore | undefined>(KEY);
  if (!store) throw new Error("No ProjectStore in context: wrap the component in one that calls setProjectStore().");
  return store;
}
