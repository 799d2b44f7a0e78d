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
    pickProjectFolder: vi.fn(async () => null),
    envCatalog: vi.fn(async () => Promise.reject(new Error("not used here"))),
    setVariable: vi.fn(async () => ""),
    setSecret: vi.fn(async () => undefined),
    generateSecret: vi.fn(async () => 0),
    deleteSecret: vi.fn(async () => false),
    revealSecret: vi.fn(async () => null),
    importSecrets: vi.fn(async () => ({ moved: [], conflicts: [], reserved: [], tooShort: [], envFile: null })),
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
    regionList: vi.fn(async () => []),
    regionStart: vi.fn(async () => Promise.reject(new Error("not used here"))),
    regionStop: vi.fn(async () => Promise.reject(new Error("not used here"))),
    regionRemove: vi.fn(async () => Promise.reject(new Error("not used here"))),
    regionShow: vi.fn(async () => Promise.reject(new Error("not used here"))),
    lifecycleRun: vi.fn(async () => Promise.reject(new Error("not used here"))),
    lifecycleCancel: vi.fn(async () => false),
    lifecyclePreflight: vi.fn(async () => Promise.reject(new Error("not used here"))),
    lifecycleVolumePlan: vi.fn(async () => Promise.reject(new Error("not used here"))),
    lifecycleDrift: vi.fn(async () => Promise.reject(new Error("not used here"))),
    demoInstall: vi.fn(async () => Promise.reject(new Error("not used here"))),
    demoImage: vi.fn(async () => Promise.reject(new Error("not used here"))),
    doctor: vi.fn(async () => Promise.reject(new Error("not used here"))),
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
