// The store against a hand-written Backend (no IPC): ordering and state transitions.
import { expect, test, vi } from "vitest";
import type { ProjectOverview, SelectionReport } from "../bindings";
import type { Backend } from "../backend";
import { BackendError } from "../backend";
import { ROOT, overview, reportFor } from "../../test/fixtures";
import { deferred } from "../../test/ipc";
import { ProjectStore } from "./projectStore.svelte";

function backend(overrides: Partial<Backend> = {}): Backend {
  return {
    openProject: vi.fn(async () => overview()),
    projectOverview: vi.fn(async () => overview()),
    watchProject: vi.fn(async () => undefined),
    selectionReport: vi.fn(async (_dir: string, profiles: string[]) => reportFor(profiles)),
    recentProjects: vi.fn(async () => [ROOT]),
    forgetRecentProject: vi.fn(async () => []),
    startupProject: vi.fn(async () => ROOT),
    rememberedSelection: vi.fn(async () => null),
    rememberSelection: vi.fn(async () => undefined),
    watchDesktop: vi.fn(async () => undefined),
    about: vi.fn(async () => ({ name: "Dockmaster", version: "0.1.0", identifier: "dev.dockmaster.app", tauriVersion: "2.12.5" })),
    firstPaint: vi.fn(async () => undefined),
    pickProjectFolder: vi.fn(async () => null),
    envCatalog: vi.fn(async () => Promise.reject(new Error("not used here"))),
    setVariable: vi.fn(async () => ""),
    setSecret: vi.fn(async () => undefined),
    generateSecret: vi.fn(async () => 0),
    deleteSecret: vi.fn(async () => false),
    revealSecret: vi.fn(async () => null),
    importSecrets: vi.fn(async () => ({ moved: [], conflicts: [], reserved: [], tooShort: [], envFile: null })),
    keychainCreate: vi.fn(async () => "alreadyReady" as const),
    keychainUnlock: vi.fn(async () => "alreadyReady" as const),
    watchEngine: vi.fn(async () => undefined),
    setEngineSelection: vi.fn(async () => undefined),
    unwatchEngine: vi.fn(async () => undefined),
    watchStats: vi.fn(async () => undefined),
    unwatchStats: vi.fn(async () => undefined),
    openUrl: vi.fn(async () => undefined),
    followLogs: vi.fn(async () => ({ maskedValues: 0, maskWarning: null, maxLinesPerService: 0, maxBytesPerService: 0 })),
    stopLogs: vi.fn(async () => undefined),
    exportLogs: vi.fn(async () => Promise.reject(new Error("not used here"))),
    regionValidate: vi.fn(async () => ({ errors: [], regionsChecked: true })),
    regionPlan: vi.fn(async () => Promise.reject(new Error("not used here"))),
    regionApply: vi.fn(async () => Promise.reject(new Error("not used here"))),
    regionCancel: vi.fn(async () => false),
    regionList: vi.fn(async () => ({ engines: [], regions: [] })),
    regionPlaces: vi.fn(async () => []),
    regionNetworks: vi.fn(async () => []),
    regionStart: vi.fn(async () => Promise.reject(new Error("not used here"))),
    regionStop: vi.fn(async () => Promise.reject(new Error("not used here"))),
    regionRemove: vi.fn(async () => Promise.reject(new Error("not used here"))),
    regionShow: vi.fn(async () => Promise.reject(new Error("not used here"))),
    lifecycleRun: vi.fn(async () => Promise.reject(new Error("not used here"))),
    lifecycleFixAndRun: vi.fn(async () => Promise.reject(new Error("not used here"))),
    lifecycleCancel: vi.fn(async () => false),
    lifecyclePreflight: vi.fn(async () => Promise.reject(new Error("not used here"))),
    lifecycleVolumePlan: vi.fn(async () => Promise.reject(new Error("not used here"))),
    lifecycleDrift: vi.fn(async () => Promise.reject(new Error("not used here"))),
    demoInstall: vi.fn(async () => Promise.reject(new Error("not used here"))),
    demoImage: vi.fn(async () => Promise.reject(new Error("not used here"))),
    imageCopy: vi.fn(async () => Promise.reject(new Error("not used here"))),
    openTerminal: vi.fn(async () => Promise.reject(new Error("not used here"))),
    terminalInput: vi.fn(async () => undefined),
    resizeTerminal: vi.fn(async () => undefined),
    closeTerminal: vi.fn(async () => false),
    volumeList: vi.fn(async () => []),
    volumePurposes: vi.fn(async () => ({ profiles: [], groups: [], binds: [], sizesUnknown: null })),
    volumeBackup: vi.fn(async () => null),
    volumeRestore: vi.fn(async () => null),
    volumeCancel: vi.fn(async () => false),
    doctor: vi.fn(async () => Promise.reject(new Error("not used here"))),
    diagnosticsPrepare: vi.fn(async () => Promise.reject(new Error("not used here"))),
    diagnosticsSave: vi.fn(async () => Promise.reject(new Error("not used here"))),
    enginesList: vi.fn(async () => []),
    engineTest: vi.fn(async () => Promise.reject(new Error("not used here"))),
    engineAdd: vi.fn(async () => Promise.reject(new Error("not used here"))),
    engineRemove: vi.fn(async () => undefined),
    projectEngine: vi.fn(async () => Promise.reject(new Error("not used here"))),
    useEngine: vi.fn(async () => Promise.reject(new Error("not used here"))),
    pickFile: vi.fn(async () => null),
    ...overrides,
  };
}

test("start opens the start-up project with its default selection", async () => {
  const b = backend();
  const store = new ProjectStore(b);
  await store.start();
  expect(store.starting).toBe(false);
  expect(store.overview?.root).toBe(ROOT);
  expect(store.selection).toEqual(["development"]);
  expect(store.report?.services).toHaveLength(7);
  expect(store.recents).toEqual([ROOT]);
  expect(store.busy).toBe(false);
});

test("a project reopens with the selection last shown for it, and every change is remembered", async () => {
  const b = backend({ rememberedSelection: vi.fn(async () => ["monitoring", "development", "gone"]) });
  const store = new ProjectStore(b);
  await store.start();
  expect(b.rememberedSelection).toHaveBeenCalledWith(ROOT);
  // In the overview's order; a profile the files no longer have stays visible so it can be deselected.
  expect(store.selection).toEqual(["development", "monitoring", "gone"]);
  expect(b.selectionReport).toHaveBeenLastCalledWith(ROOT, ["development", "monitoring", "gone"]);

  await store.toggle("monitoring");
  expect(b.rememberSelection).toHaveBeenLastCalledWith(ROOT, ["development", "gone"]);
  await store.setSelection(["production"]);
  expect(b.rememberSelection).toHaveBeenLastCalledWith(ROOT, ["production"]);
  // A reload keeps the selection on screen; the remembered one is only read when a project opens.
  await store.reload();
  expect(store.selection).toEqual(["production"]);
  expect(b.rememberedSelection).toHaveBeenCalledTimes(1);
});

test("settings that cannot be read open the default selection; one that cannot be saved says why", async () => {
  const b = backend({
    rememberedSelection: vi.fn(async () => Promise.reject(new BackendError({ code: "SETTINGS_FAILED", message: "cannot read" }))),
    rememberSelection: vi.fn(async () =>
      Promise.reject(new BackendError({ code: "SETTINGS_FAILED", message: "cannot save the recent projects in /x" })),
    ),
  });
  const store = new ProjectStore(b);
  await store.start();
  expect(store.selection).toEqual(["development"]);
  expect(store.error).toBeNull();
  await store.toggle("monitoring");
  await vi.waitFor(() => expect(store.error?.code).toBe("SETTINGS_FAILED"));
  expect(store.error?.message).toContain("cannot save");
  expect(store.selection).toEqual(["development", "monitoring"]); // the change itself stands
});

test("another launch's project opens in this window", async () => {
  let launch: ((e: { kind: "openProject"; dir: string }) => void) | null = null;
  const other = { ...overview(), root: "/other", name: "other" };
  const b = backend({
    watchDesktop: vi.fn(async (onEvent) => {
      launch = onEvent;
    }),
    openProject: vi.fn(async (dir: string) => (dir === "/other" ? other : overview())),
  });
  const store = new ProjectStore(b);
  await store.start();
  expect(store.overview?.root).toBe(ROOT);
  expect(launch).not.toBeNull();
  launch!({ kind: "openProject", dir: "/other" });
  await vi.waitFor(() => expect(store.overview?.root).toBe("/other"));
  expect(b.openProject).toHaveBeenLastCalledWith("/other");
});

test("a slow open of one project does not replace a later one", async () => {
  const slow = deferred<ProjectOverview>();
  const other = { ...overview(), root: "/other", name: "other" };
  const b = backend({
    openProject: vi.fn((dir: string) => (dir === "/slow" ? slow.promise : Promise.resolve(other))),
  });
  const store = new ProjectStore(b);
  const first = store.open("/slow");
  await store.open("/other");
  slow.resolve(overview());
  await first;
  expect(store.overview?.name).toBe("other");
  expect(store.opening).toBeNull();
});

test("opening a project drops a report still running for the previous one", async () => {
  const slowReport = deferred<SelectionReport>();
  let holdReports = false;
  const b = backend({
    selectionReport: vi.fn((_d: string, p: string[]) => (holdReports ? slowReport.promise : Promise.resolve(reportFor(p)))),
    openProject: vi.fn(async (dir: string) => ({ ...overview(), root: dir })),
  });
  const store = new ProjectStore(b);
  await store.open("/a");
  holdReports = true;
  const toggle = store.toggle("monitoring");
  holdReports = false;
  await store.open("/b");
  slowReport.resolve(reportFor(["development", "monitoring"]));
  await toggle;
  expect(store.overview?.root).toBe("/b");
  expect(store.report?.services).toHaveLength(7);
  expect(store.reportLoading).toBe(false);
});

test("a failed report keeps the last one and retry asks again", async () => {
  let fail = false;
  const b = backend({
    selectionReport: vi.fn(async (_d: string, p: string[]) => {
      if (fail) throw new BackendError({ code: "COMPOSE_INVALID", message: "docker-compose.yml:3: bad" });
      return reportFor(p);
    }),
  });
  const store = new ProjectStore(b);
  await store.start();
  fail = true;
  await store.toggle("monitoring");
  expect(store.error).toMatchObject({ code: "COMPOSE_INVALID", context: "report", dir: ROOT });
  expect(store.report?.profiles).toEqual(["development"]);
  expect(store.reportIsStale).toBe(true);

  fail = false;
  await store.retry();
  expect(store.error).toBeNull();
  expect(store.report?.profiles).toEqual(["development", "monitoring"]);
  expect(store.reportIsStale).toBe(false);
});

test("an unknown default profile stays selected so it can be seen and removed", async () => {
  const b = backend({ openProject: vi.fn(async () => ({ ...overview(), defaultSelection: ["default", "nope"] })) });
  const store = new ProjectStore(b);
  await store.start();
  expect(store.selection).toEqual(["development", "nope"]);
  expect(b.selectionReport).toHaveBeenLastCalledWith(ROOT, ["development", "nope"]);
  await store.toggle("nope");
  expect(store.selection).toEqual(["development"]);
  expect(store.canToggle("nope")).toBe(false);
});

test("a cancelled folder picker opens nothing", async () => {
  const b = backend({ startupProject: vi.fn(async () => null) });
  const store = new ProjectStore(b);
  await store.start();
  await store.pickAndOpen();
  expect(b.openProject).not.toHaveBeenCalled();
  expect(store.overview).toBeNull();
  expect(store.error).toBeNull();
});
