// The project's named volumes and the one backup or restore the window runs at a time: the list (read when the
// project opens and after each run), the running job's bytes so far (a restore's total is known, a backup's is
// not), its Cancel (the core's cancel, as the CLI's Ctrl-C), and its outcome: what was written or restored, or why
// it failed or what a cancel left. A cancelled file dialog is no outcome.

import { getContext, setContext } from "svelte";
import type { Backend, UiError } from "../backend";
import { toUiError } from "../backend";
import type { BackupReport, ProjectVolume, RestoreReport, VolumeProgress } from "../bindings";

export type VolumeBackend = Pick<Backend, "volumeList" | "volumeBackup" | "volumeRestore" | "volumeCancel">;

export interface VolumeJob {
  kind: "backup" | "restore";
  volume: string;
  bytes: number;
  total: number | null;
  /** Cancel was pressed: the backend is removing its helper (and a restore's staging, restarting services). */
  cancelling: boolean;
}

export type VolumeOutcome =
  | { kind: "backup"; report: BackupReport }
  | { kind: "restore"; report: RestoreReport }
  | { kind: "failed"; volume: string; error: UiError };

/** The file name a backup of `volume` is offered under: `<volume>-<YYYYMMDD-HHMMSS>.tar.gz` (local time). */
export function suggestedName(volume: string, now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${volume}-${stamp}.tar.gz`;
}

export class VolumeStore {
  volumes = $state<ProjectVolume[]>([]);
  listError = $state<UiError | null>(null);
  job = $state<VolumeJob | null>(null);
  outcome = $state<VolumeOutcome | null>(null);

  #backend: VolumeBackend;
  #now: () => Date;

  constructor(backend: VolumeBackend, now: () => Date = () => new Date()) {
    this.#backend = backend;
    this.#now = now;
  }

  async load(dir: string): Promise<void> {
    try {
      this.volumes = await this.#backend.volumeList(dir);
      this.listError = null;
    } catch (e) {
      this.listError = toUiError(e);
    }
  }

  /** Backs `volume` up to a file the user picks. */
  async backup(dir: string, volume: string): Promise<void> {
    if (this.job) return;
    this.job = { kind: "backup", volume, bytes: 0, total: null, cancelling: false };
    this.outcome = null;
    try {
      const report = await this.#backend.volumeBackup(dir, volume, suggestedName(volume, this.#now()), (p) => this.#progress(p));
      if (report) this.outcome = { kind: "backup", report };
    } catch (e) {
      this.outcome = { kind: "failed", volume, error: toUiError(e) };
    } finally {
      this.job = null;
    }
  }

  /** Restores `volume` from a file the user picks; `confirm` is the name the user typed. */
  async restore(dir: string, volume: string, confirm: string): Promise<void> {
    if (this.job) return;
    this.job = { kind: "restore", volume, bytes: 0, total: null, cancelling: false };
    this.outcome = null;
    try {
      const report = await this.#backend.volumeRestore(dir, volume, confirm, (p) => this.#progress(p));
      if (report) this.outcome = { kind: "restore", report };
    } catch (e) {
      this.outcome = { kind: "failed", volume, error: toUiError(e) };
    } finally {
      this.job = null;
    }
    await this.load(dir);
  }

  /** Cancels the running job; it then ends with VOLUME_JOB_CANCELLED, whose message says what state the volume
   * is in (kept as the outcome). A press while the file dialog is still open finds no job and changes nothing. */
  async cancel(dir: string): Promise<void> {
    const job = this.job;
    if (!job || job.cancelling) return;
    job.cancelling = true;
    try {
      if (!(await this.#backend.volumeCancel(dir)) && this.job === job) job.cancelling = false;
    } catch (e) {
      if (this.job === job) job.cancelling = false;
      this.outcome = { kind: "failed", volume: job.volume, error: toUiError(e) };
    }
  }

  #progress(p: VolumeProgress): void {
    if (this.job) {
      this.job.bytes = p.bytes ?? 0;
      this.job.total = p.total;
    }
  }

  dismiss(): void {
    this.outcome = null;
  }
}

const KEY = Symbol("dockmaster.volumes");

export function setVolumeStore(store: VolumeStore): VolumeStore {
  return setContext(KEY, store);
}

/** The window's volume store; null where none was provided (the Overview rendered alone in a test). */
export function getVolumeStore(): VolumeStore | null {
  return getContext<VolumeStore | undefined>(KEY) ?? null;
}
