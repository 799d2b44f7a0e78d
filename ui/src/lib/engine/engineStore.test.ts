// The engine store against a hand-written Backend: it watches the open project, re-targets the selection,
// drops messages of replaced watches, and asks for stats of the visible services only.
import { afterEach, expect, test, vi } from "vitest";
import type { Backend } from "../backend";
import { BackendError } from "../backend";
import type { StatsUpdate, StoreUpdate } from "../bindings";
import { containerStats, service, serviceUpdate, snapshot, snapshotUpdate } from "../../test/engine";
import { EngineStore, TICK_MS } from "./engineStore.svelte";

type Push = (u: StoreUpdate) => void;
type PushStats = (u: StatsUpdate) => void;

function backend(overrides: Partial<Backend> = {}) {
  const pushes: Push[] = [];
  const statsPushes: PushStats[] = [];
  const b = {
    watchEngine: vi.fn(async (_dir: string, _profiles: string[], onUpdate: Push) => {
      pushes.push(onUpdate);
    }),
    setEngineSelection: vi.fn(async () => undefined),
    unwatchEngine: vi.fn(async () => undefined),
    watchStats: vi.fn(async (_dir: string, _services: string[], onStats: PushStats) => {
      statsPushes.push(onStats);
    }),
    unwatchStats: vi.fn(async () => undefined),
    openUrl: vi.fn(async () => undefined),
    ...overrides,
  } as unknown as Backend & Record<string, ReturnType<typeof vi.fn>>;
  return { b, pushes, statsPushes };
}

afterEach(() => {
  vi.useRealTimers();
});

test("following a project watches it once, then only re-targets the selection", async () => {
  const { b, pushes } = backend();
  const store = new EngineStore(b);
  const token = {};
  store.follow("/p", ["development"], token);
  await vi.waitFor(() => expect(b.watchEngine).toHaveBeenCalledTimes(1));
  expect(b.watchEngine).toHaveBeenCalledWith("/p", ["development"], expect.any(Function));

  pushes[0]!(snapshotUpdate(snapshot([service("database")])));
  expect(store.service("database")?.state).toBe("running");
  expect(store.live.synced).toBe(true);

  store.follow("/p", ["development"], token); // nothing changed
  store.follow("/p", ["development", "monitoring"], token);
  await vi.waitFor(() => expect(b.setEngineSelection).toHaveBeenCalledTimes(1));
  expect(b.setEngineSelection).toHaveBeenCalledWith("/p", ["development", "monitoring"]);
  store.follow("/p", ["development", "monitoring"], {}); // reloaded files: the desired services may differ
  await vi.waitFor(() => expect(b.setEngineSelection).toHaveBeenCalledTimes(2));
  expect(b.watchEngine).toHaveBeenCalledTimes(1);

  store.follow(null, [], null);
  await vi.waitFor(() => expect(b.unwatchEngine).toHaveBeenCalledTimes(1));
  expect(b.unwatchStats).toHaveBeenCalledTimes(1);
  expect(store.dir).toBeNull();
  expect(store.live.services).toEqual([]);
  store.dispose();
});

test("messages of a replaced watch are dropped", async () => {
  const { b, pushes } = backend();
  const store = new EngineStore(b);
  store.follow("/a", ["development"]);
  await vi.waitFor(() => expect(pushes).toHaveLength(1));
  store.follow("/b", ["development"]);
  await vi.waitFor(() => expect(pushes).toHaveLength(2));

  pushes[1]!(snapshotUpdate(snapshot([service("web")])));
  pushes[0]!(serviceUpdate(service("database", { health: "unhealthy" }))); // late, from /a
  expect(store.live.services.map((s) => s.name)).toEqual(["web"]);
  store.dispose();
});

test("a failed watch is an error with its code, and retry watches again", async () => {
  let fail = true;
  const { b } = backend({
    watchEngine: vi.fn(async () => {
      if (fail) throw new BackendError({ code: "PROJECT_NOT_FOUND", message: "no such folder /gone" });
    }),
  });
  const store = new EngineStore(b);
  await store.watch("/gone", []);
  expect(store.error).toEqual({ code: "PROJECT_NOT_FOUND", message: "no such folder /gone" });
  expect(b.watchStats).not.toHaveBeenCalled();
  fail = false;
  await store.retry();
  expect(store.error).toBeNull();
  expect(b.watchEngine).toHaveBeenCalledTimes(2);
  store.dispose();
});

test("only visible services are sampled; visibility changes settle before the stream is re-targeted", async () => {
  vi.useFakeTimers();
  const { b, statsPushes } = backend();
  const store = new EngineStore(b);
  await store.watch("/p", ["development"]);
  expect(b.watchStats).toHaveBeenLastCalledWith("/p", [], expect.any(Function));

  store.setVisible("gameserver", true);
  store.setVisible("database", true);
  store.setVisible("admin-ui", true);
  store.setVisible("admin-ui", false);
  expect(b.watchStats).toHaveBeenCalledTimes(1);
  await vi.advanceTimersByTimeAsync(200);
  expect(b.watchStats).toHaveBeenCalledTimes(2);
  expect(b.watchStats).toHaveBeenLastCalledWith("/p", ["database", "gameserver"], expect.any(Function));

  statsPushes[1]!(containerStats("database", 4, 2048));
  statsPushes[1]!(containerStats("gameserver", null, 1024));
  // Samples are applied together, on the next tick.
  expect(store.usageByService.has("database")).toBe(false);
  await vi.advanceTimersByTimeAsync(TICK_MS);
  expect(store.usageByService.get("database")).toEqual({ cpuPercent: 4, memoryBytes: 2048, containers: 1 });
  statsPushes[1]!({ kind: "stopped", id: "id-database", service: "database" });
  await vi.advanceTimersByTimeAsync(TICK_MS);
  expect(store.usageByService.has("database")).toBe(false);
  store.dispose();
});

test("live numbers change once a second: samples and the uptime clock land on the same tick", async () => {
  vi.useFakeTimers();
  const { b, statsPushes } = backend();
  const store = new EngineStore(b);
  await store.watch("/p", ["development"]);
  store.setVisible("database", true);
  await vi.advanceTimersByTimeAsync(200);
  const changes: number[] = [];
  const start = Date.now();
  let lastNow = store.now;
  let lastUsage = store.usage;
  const record = () => {
    if (store.now !== lastNow || store.usage !== lastUsage) changes.push(Date.now() - start);
    lastNow = store.now;
    lastUsage = store.usage;
  };
  for (let ms = 0; ms < 3000; ms += 50) {
    if (ms % 250 === 0) statsPushes.at(-1)!(containerStats("database", ms / 100, 1024 + ms)); // 4 samples a second
    await vi.advanceTimersByTimeAsync(50);
    record();
  }
  expect(changes.length).toBeGreaterThanOrEqual(2);
  expect(changes.length).toBeLessThanOrEqual(3);
  for (let i = 1; i < changes.length; i++) expect(changes[i]! - changes[i - 1]!).toBeGreaterThanOrEqual(TICK_MS);
  // The last tick applied every sample that had arrived: the newest one shows.
  expect(store.usageByService.get("database")?.memoryBytes).toBeGreaterThanOrEqual(1024 + 2000);
  store.dispose();
});

test("a hidden window stops the stats stream and every timer; shown again, both resume", async () => {
  vi.useFakeTimers();
  const { b, pushes, statsPushes } = backend();
  const store = new EngineStore(b);
  await store.watch("/p", ["development"]);
  store.setVisible("database", true);
  await vi.advanceTimersByTimeAsync(200);
  expect(b.watchStats).toHaveBeenLastCalledWith("/p", ["database"], expect.any(Function));
  statsPushes.at(-1)!(containerStats("database", 4, 2048));
  await vi.advanceTimersByTimeAsync(TICK_MS);
  expect(store.usageByService.get("database")?.cpuPercent).toBe(4);

  statsPushes.at(-1)!(containerStats("database", 9, 4096)); // on its way when the window hides
  store.setWindowVisible(false);
  expect(store.windowVisible).toBe(false);
  await vi.waitFor(() => expect(b.unwatchStats).toHaveBeenCalledTimes(1));
  expect(vi.getTimerCount()).toBe(0);
  expect(store.usageByService.size).toBe(0); // stale numbers are not kept
  const frozen = store.now;
  statsPushes.at(-1)!(containerStats("database", 50, 8192)); // a late sample is dropped
  store.setVisible("gameserver", true); // rows scrolled meanwhile: remembered, no stream started
  await vi.advanceTimersByTimeAsync(5000);
  expect(store.now).toBe(frozen);
  expect(store.usageByService.size).toBe(0);
  expect(b.watchStats).toHaveBeenCalledTimes(2);
  // The engine's state is still followed while hidden.
  pushes[0]!(snapshotUpdate(snapshot([service("database", { health: "unhealthy" })])));
  expect(store.service("database")?.health).toBe("unhealthy");

  store.setWindowVisible(true);
  expect(store.now).toBeGreaterThan(frozen);
  await vi.waitFor(() => expect(b.watchStats).toHaveBeenCalledTimes(3));
  expect(b.watchStats).toHaveBeenLastCalledWith("/p", ["database", "gameserver"], expect.any(Function));
  statsPushes.at(-1)!(containerStats("database", 7, 1024));
  await vi.advanceTimersByTimeAsync(TICK_MS);
  expect(store.usageByService.get("database")?.cpuPercent).toBe(7);
  expect(vi.getTimerCount()).toBe(1); // the one tick
  store.dispose();
  expect(vi.getTimerCount()).toBe(0);
});

test("a stats request that was on its way when the window hid is stopped again", async () => {
  let answer!: () => void;
  const { b } = backend({
    watchStats: vi.fn(() => new Promise<void>((resolve) => (answer = resolve))),
  });
  const store = new EngineStore(b);
  const watching = store.watch("/p", []);
  await vi.waitFor(() => expect(b.watchStats).toHaveBeenCalledTimes(1));
  store.setWindowVisible(false);
  await vi.waitFor(() => expect(b.unwatchStats).toHaveBeenCalledTimes(1));
  answer(); // the backend started the stream after it was told to stop
  await watching;
  expect(b.unwatchStats).toHaveBeenCalledTimes(2);
  store.dispose();
});

test("a project opened while the window is hidden starts no stream and no tick until it shows", async () => {
  vi.useFakeTimers();
  const { b } = backend();
  const store = new EngineStore(b);
  store.setWindowVisible(false);
  expect(b.unwatchStats).not.toHaveBeenCalled(); // nothing was watched
  await store.watch("/p", ["development"]);
  expect(b.watchEngine).toHaveBeenCalledTimes(1);
  expect(b.watchStats).not.toHaveBeenCalled();
  expect(vi.getTimerCount()).toBe(0);
  store.setWindowVisible(true);
  await vi.waitFor(() => expect(b.watchStats).toHaveBeenCalledTimes(1));
  expect(vi.getTimerCount()).toBe(1);
  store.dispose();
});

test("the reconnect countdown runs down locally between pushes", async () => {
  vi.useFakeTimers();
  const { b, pushes } = backend();
  const store = new EngineStore(b);
  await store.watch("/p", []);
  pushes[0]!({
    ...snapshotUpdate(snapshot([])),
    kind: "connection",
    snapshot: null,
    connection: { ...snapshot([]).connection, status: "reconnecting", attempt: 3, nextInMs: 4000, reason: "refused" },
  });
  expect(store.nextAttemptIn()).toBe(4000);
  await vi.advanceTimersByTimeAsync(3000);
  expect(store.nextAttemptIn()).toBe(1000);
  await vi.advanceTimersByTimeAsync(3000);
  expect(store.nextAttemptIn()).toBe(0);
  store.dispose();
});
