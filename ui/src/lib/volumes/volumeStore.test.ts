// The volume store against a hand-written backend: the list, a backup's progress and result (and the name it
// offers), a cancelled dialog (no outcome), a refused restore (the error kept with the volume), one job at a time,
// Cancel (the backend's cancel, then the job's own VOLUME_JOB_CANCELLED kept as what the volume is left with).
import { expect, test, vi } from "vitest";
import { BackendError } from "../backend";
import type { BackupReport, ProjectVolume, RestoreReport, VolumeProgress } from "../bindings";
import { VolumeStore, suggestedName, type VolumeBackend } from "./volumeStore.svelte";

const DATA: ProjectVolume = { name: "demo_postgres_data", declaredAs: "postgres_data", services: ["database"], external: false, exists: true };

function fake() {
  let push: ((p: VolumeProgress) => void) | null = null;
  let finish: ((r: BackupReport | null) => void) | null = null;
  let fail: ((e: unknown) => void) | null = null;
  const backend = {
    volumeList: vi.fn(async () => [DATA]),
    volumeBackup: vi.fn(
      (_dir: string, _volume: string, _name: string, onProgress: (p: VolumeProgress) => void) =>
        new Promise<BackupReport | null>((resolve, reject) => {
          push = onProgress;
          finish = resolve;
          fail = reject;
        }),
    ),
    volumeRestore: vi.fn(async (): Promise<RestoreReport | null> => null),
    volumeCancel: vi.fn(async () => {
      fail?.(new BackendError({ code: "VOLUME_JOB_CANCELLED", message: "the backup of `v` was cancelled: no archive was written" }));
      return true;
    }),
  } satisfies VolumeBackend;
  return { backend, push: (p: VolumeProgress) => push?.(p), finish: (r: BackupReport | null) => finish?.(r) };
}

test("a backup shows its bytes while it runs, then what it wrote", async () => {
  const { backend, push, finish } = fake();
  const store = new VolumeStore(backend, () => new Date(2026, 11, 6, 9, 5, 7));
  await store.load("/p");
  expect(store.volumes).toEqual([DATA]);

  const running = store.backup("/p", DATA.name);
  expect(backend.volumeBackup).toHaveBeenCalledWith("/p", DATA.name, "demo_postgres_data-20261206-090507.tar.gz", expect.any(Function));
  push({ bytes: 4096, total: null });
  expect(store.job).toEqual({ kind: "backup", volume: DATA.name, bytes: 4096, total: null, cancelling: false });
  // One job at a time.
  await store.backup("/p", DATA.name);
  expect(backend.volumeBackup).toHaveBeenCalledTimes(1);

  const report: BackupReport = {
    volume: DATA.name,
    archive: "/home/ana/b.tar.gz",
    checksumFile: "/home/ana/b.tar.gz.sha256",
    sha256: "ab",
    bytes: 100,
    tarBytes: 4096,
    image: "dockmaster/demo-busybox:latest",
  };
  finish(report);
  await running;
  expect(store.job).toBeNull();
  expect(store.outcome).toEqual({ kind: "backup", report });
});

test("a cancelled save dialog leaves no outcome", async () => {
  const { backend, finish } = fake();
  const store = new VolumeStore(backend);
  const running = store.backup("/p", DATA.name);
  finish(null);
  await running;
  expect(store.job).toBeNull();
  expect(store.outcome).toBeNull();
});

test("a refused restore keeps the error with the volume, and the list is read again", async () => {
  const { backend } = fake();
  backend.volumeRestore.mockRejectedValueOnce(
    new BackendError({ code: "VOLUME_IN_USE", message: "`demo_postgres_data` is mounted by `other` (not this project)" }),
  );
  const store = new VolumeStore(backend);
  await store.restore("/p", DATA.name, DATA.name);
  expect(backend.volumeRestore).toHaveBeenCalledWith("/p", DATA.name, DATA.name, expect.any(Function));
  expect(store.outcome).toMatchObject({ kind: "failed", volume: DATA.name, error: { code: "VOLUME_IN_USE" } });
  expect(backend.volumeList).toHaveBeenCalledTimes(1);
  store.dismiss();
  expect(store.outcome).toBeNull();
});

test("the offered file name is the volume and the local time", () => {
  expect(suggestedName("v", new Date(2026, 0, 2, 3, 4, 5))).toBe("v-20260102-030405.tar.gz");
});

test("Cancel asks the backend once, shows it is cancelling, and keeps the cancel's words as the outcome", async () => {
  const { backend, push } = fake();
  const store = new VolumeStore(backend);
  // No job: nothing asked.
  await store.cancel("/p");
  expect(backend.volumeCancel).not.toHaveBeenCalled();

  const running = store.backup("/p", DATA.name);
  push({ bytes: 1024, total: null });
  const cancelling = store.cancel("/p");
  expect(store.job?.cancelling).toBe(true);
  await store.cancel("/p");
  await cancelling;
  await running;
  expect(backend.volumeCancel).toHaveBeenCalledTimes(1);
  expect(backend.volumeCancel).toHaveBeenCalledWith("/p");
  expect(store.job).toBeNull();
  expect(store.outcome).toMatchObject({
    kind: "failed",
    volume: DATA.name,
    error: { code: "VOLUME_JOB_CANCELLED", message: expect.stringContaining("no archive was written") },
  });
});

test("a Cancel the backend finds nothing to cancel for (the file dialog still open) can be pressed again", async () => {
  const { backend, finish } = fake();
  backend.volumeCancel.mockResolvedValueOnce(false);
  const store = new VolumeStore(backend);
  const running = store.backup("/p", DATA.name);
  await store.cancel("/p");
  expect(store.job?.cancelling).toBe(false);
  finish(null);
  await running;
  expect(store.outcome).toBeNull();
});
