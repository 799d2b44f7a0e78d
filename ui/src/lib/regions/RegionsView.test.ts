// The Regions page in the whole app against a fake Rust side (mockIPC): the list with state and health in words
// and colour, live health pushed by the engine without a reload, start / stop, "Show plan", and the remove
// confirmation that names the volumes and sends exactly them only when their deletion is chosen.

import { screen, waitFor, within } from "@testing-library/svelte";
import { expect, test } from "vitest";
import type { RegionInfo } from "../bindings";
import { startApp } from "../../test/app";
import { snapshot, snapshotUpdate } from "../../test/engine";
import { ROOT } from "../../test/fixtures";
import { appError, deferred, type Handler } from "../../test/ipc";
import { listed, liveRegion, LOCAL_ENGINE, planAlpha, regionList } from "./fixtures";

async function openRegions(overrides: Record<string, Handler> = {}) {
  let regions: RegionInfo[] = regionList();
  let engines = [LOCAL_ENGINE];
  const app = startApp({ region_list: () => listed(regions, engines), ...overrides });
  await app.user.click(await screen.findByRole("link", { name: "Regions" }));
  await screen.findByTestId("region-row-alpha");
  return {
    ipc: app.ipc,
    user: app.user,
    /** What the next `region_list` answers. */
    setRegions(next: RegionInfo[], nextEngines = [LOCAL_ENGINE]) {
      regions = next;
      engines = nextEngines;
    },
    push: app.push,
  };
}

const state = (name: string) => screen.getByTestId(`region-state-${name}`);

test("lists the regions with state and health in words and a tone, server URL and settings", async () => {
  const { ipc } = await openRegions();
  expect(ipc.callsOf("region_list")).toEqual([{ dir: ROOT }]);
  expect(screen.getByTestId("regions-count")).toHaveTextContent("2");
  expect(state("alpha")).toHaveTextContent("running · healthy");
  expect(state("alpha")).toHaveAttribute("data-tone", "ok");
  expect(state("beta")).toHaveTextContent("stopped");
  expect(state("beta")).toHaveAttribute("data-tone", "idle");
  const alpha = screen.getByTestId("region-row-alpha");
  expect(screen.getByTestId("region-url-alpha")).toHaveAttribute("href", "http://localhost:8567");
  expect(alpha).toHaveTextContent("2 CPU cores · 4 GB");
  expect(alpha).toHaveTextContent("250 players · council · balanced economy");
  expect(alpha).toHaveTextContent("owner 3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d");
  // A running region can be stopped, a stopped one started.
  expect(within(alpha).getByRole("button", { name: "Stop" })).toBeInTheDocument();
  expect(within(screen.getByTestId("region-row-beta")).getByRole("button", { name: "Start" })).toBeInTheDocument();
});

test("health pushed by the engine shows without a reload; a region appearing there re-reads the list", async () => {
  const { ipc, push, setRegions } = await openRegions();
  const [alpha, beta] = regionList();
  await push(snapshotUpdate({ ...snapshot([]), regions: [liveRegion(alpha, { health: "unhealthy" }), liveRegion(beta)] }));
  await waitFor(() => expect(state("alpha")).toHaveTextContent("running · unhealthy"));
  expect(state("alpha")).toHaveAttribute("data-tone", "bad");
  const reads = ipc.callsOf("region_list").length;

  // A region created elsewhere (the CLI) arrives as a push: the list is read again for its details.
  const gamma = { ...structuredClone(alpha), name: "gamma", serverUrl: "http://127.0.0.1:8300" };
  setRegions([alpha, beta, gamma]);
  await push(
    snapshotUpdate({ ...snapshot([]), regions: [liveRegion(alpha), liveRegion(beta), liveRegion(gamma, { health: "starting" })] }),
  );
  await screen.findByTestId("region-row-gamma");
  expect(ipc.callsOf("region_list").length).toBe(reads + 1);
  expect(state("gamma")).toHaveTextContent("running · starting");
  expect(state("gamma")).toHaveAttribute("data-tone", "warn");
});

test("stop and start call the backend and show the region as it answers", async () => {
  const [alpha, beta] = regionList();
  const stopping = deferred<RegionInfo>();
  const { ipc, user } = await openRegions({
    region_stop: () => stopping.promise,
    region_start: () => ({ ...beta, state: "running", health: "healthy" }),
  });
  await user.click(screen.getByTestId("region-stop-alpha"));
  expect(ipc.callsOf("region_stop")).toEqual([{ dir: ROOT, engine: "default", name: "alpha" }]);
  expect(screen.getByTestId("region-row-alpha")).toHaveTextContent("Stopping…");
  stopping.resolve({ ...alpha, state: "exited", health: "none" });
  await waitFor(() => expect(state("alpha")).toHaveTextContent("stopped"));
  expect(screen.getByTestId("regions-notice")).toHaveTextContent("Region alpha is stopped");

  await user.click(screen.getByTestId("region-start-beta"));
  await waitFor(() => expect(state("beta")).toHaveTextContent("running · healthy"));
  expect(ipc.callsOf("region_start")).toEqual([{ dir: ROOT, engine: "default", name: "beta" }]);
});

test("a failed action says what failed, on which region", async () => {
  const { user } = await openRegions({
    region_start: () => appError("REGION_ENGINE", "the engine refused to start sectorwars2102-region-beta-db: boom"),
  });
  await user.click(screen.getByTestId("region-start-beta"));
  const panel = await screen.findByTestId("error-panel");
  expect(panel).toHaveAttribute("data-code", "REGION_ENGINE");
  expect(panel).toHaveTextContent("While trying to start region beta.");
});

test("Show plan rebuilds the region's plan from the engine, focused", async () => {
  const { ipc, user } = await openRegions({ region_show: () => ({ ...planAlpha(), warnings: [] }) });
  await user.click(screen.getByTestId("region-show-alpha"));
  const shown = await screen.findByTestId("shown-plan");
  expect(ipc.callsOf("region_show")).toEqual([{ dir: ROOT, engine: "default", name: "alpha" }]);
  expect(within(shown).getByRole("heading", { name: "Plan of region alpha" })).toHaveFocus();
  await within(shown).findByTestId("region-plan");
  expect(within(shown).getByTestId("plan-server-url")).toHaveTextContent("http://localhost:8567");
  expect(shown).toHaveTextContent("answers at this address");
});

test("remove: the dialog names what goes; volumes are kept unless chosen, and then exactly they are sent", async () => {
  const { ipc, user, setRegions } = await openRegions({
    region_remove: (args) => ({
      region: args.name,
      containers: ["sectorwars2102-region-alpha-server", "sectorwars2102-region-alpha-db"],
      networks: ["sectorwars2102-region-alpha-network"],
      volumes: args.confirmedVolumes ?? [],
      keptVolumes: args.confirmedVolumes ? [] : ["sectorwars2102-region-alpha-regional_assets"],
      passwordRemoved: args.confirmedVolumes !== null,
    }),
  });
  const trigger = screen.getByTestId("region-remove-alpha");
  await user.click(trigger);
  let dialog = screen.getByRole("dialog", { name: "Remove region alpha?" });
  expect(dialog).toHaveAttribute("aria-modal", "true");
  expect(dialog).toHaveTextContent("sectorwars2102-region-alpha-db");
  expect(dialog).toHaveTextContent("sectorwars2102-region-alpha-network");
  expect(dialog).toHaveTextContent("volume and database password are kept");
  // Focus starts on Cancel (the safe choice) and stays inside; Escape closes and returns focus.
  expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
  await user.tab();
  await user.tab();
  await user.tab();
  expect(dialog.contains(document.activeElement)).toBe(true);
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(trigger).toHaveFocus();
  expect(ipc.callsOf("region_remove")).toEqual([]);

  // Without the volumes.
  await user.click(trigger);
  dialog = screen.getByRole("dialog");
  expect(within(dialog).getByTestId("remove-confirm")).toHaveTextContent("Remove region");
  setRegions(regionList().slice(1));
  await user.click(within(dialog).getByTestId("remove-confirm"));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(ipc.callsOf("region_remove")).toEqual([{ dir: ROOT, engine: "default", name: "alpha", confirmedVolumes: null }]);
  expect(screen.getByTestId("regions-notice")).toHaveTextContent(
    "Kept sectorwars2102-region-alpha-regional_assets (and the database password)",
  );
  await waitFor(() => expect(screen.queryByTestId("region-row-alpha")).toBeNull());

  // With them: the choice names each volume; exactly those are sent.
  await user.click(screen.getByTestId("region-remove-beta"));
  dialog = screen.getByRole("dialog", { name: "Remove region beta?" });
  const volumes = within(dialog).getByRole("list", { name: "Volumes to delete" });
  expect(volumes).toHaveTextContent("sectorwars2102-region-beta-regional_assets");
  await user.click(within(dialog).getByTestId("remove-volumes"));
  expect(within(dialog).getByTestId("remove-confirm")).toHaveTextContent("Remove and delete 1 volume");
  expect(dialog).toHaveTextContent("Its database password is removed from the OS keychain too.");
  setRegions([]);
  await user.click(within(dialog).getByTestId("remove-confirm"));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(ipc.callsOf("region_remove")[1]).toEqual({
    dir: ROOT,
    engine: "default",
    name: "beta",
    confirmedVolumes: ["sectorwars2102-region-beta-regional_assets"],
  });
  expect(screen.getByTestId("regions-notice")).toHaveTextContent("and its database password from the keychain");
  await screen.findByTestId("regions-empty");
});

test("an interrupted region says so, offers only Remove, and removing it sends exactly the volumes its creation made", async () => {
  const [alpha, beta] = regionList();
  const gamma: RegionInfo = {
    ...structuredClone(beta),
    name: "gamma",
    request: null,
    serverUrl: null,
    state: "running",
    health: "starting",
    volumes: ["sectorwars2102-region-gamma-regional_assets"],
    interrupted: {
      applyId: "9f3c2a61d07b44e8",
      volumes: ["sectorwars2102-region-gamma-regional_assets"],
      passwordGenerated: true,
      fix: "its creation (apply 9f3c2a61d07b44e8) was interrupted before it finished: remove it (`dockmaster region rm gamma`, or Remove on the Regions page), then create it again",
    },
  };
  const { ipc, user, setRegions } = await openRegions({
    region_remove: (args) => ({
      region: args.name,
      containers: ["sectorwars2102-region-gamma-db"],
      networks: ["sectorwars2102-region-gamma-network"],
      volumes: args.confirmedVolumes ?? [],
      keptVolumes: [],
      passwordRemoved: true,
    }),
  });
  setRegions([alpha, beta, gamma]);
  await user.click(screen.getByRole("button", { name: "Reload regions" }));
  const row = await screen.findByTestId("region-row-gamma");
  expect(state("gamma")).toHaveTextContent("interrupted");
  expect(state("gamma")).toHaveAttribute("data-tone", "bad");
  expect(screen.getByTestId("region-interrupted-gamma")).toHaveTextContent("Creation interrupted: remove it");
  // Nothing to start, stop or show: only Remove.
  expect(within(row).queryByRole("button", { name: /^(Start|Stop|Show plan)$/ })).toBeNull();

  await user.click(screen.getByTestId("region-remove-gamma"));
  const dialog = screen.getByRole("dialog", { name: "Remove region gamma?" });
  expect(within(dialog).getByTestId("remove-interrupted")).toHaveTextContent("apply 9f3c2a61d07b44e8");
  const own = within(dialog).getByRole("list", { name: "Volumes the interrupted creation made" });
  expect(own).toHaveTextContent("sectorwars2102-region-gamma-regional_assets");
  expect(own).toHaveTextContent("created by the interrupted apply 9f3c2a61d07b44e8");
  expect(dialog).toHaveTextContent("The database password that creation generated is removed");
  // No other volume: no choice to make, the button itself confirms the one listed.
  expect(within(dialog).queryByTestId("remove-volumes")).toBeNull();
  expect(within(dialog).getByTestId("remove-confirm")).toHaveTextContent("Remove and delete 1 volume");
  setRegions([alpha, beta]);
  await user.click(within(dialog).getByTestId("remove-confirm"));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(ipc.callsOf("region_remove")).toEqual([
    { dir: ROOT, engine: "default", name: "gamma", confirmedVolumes: ["sectorwars2102-region-gamma-regional_assets"] },
  ]);
});

test("regions of every engine are listed with their engine; an unreachable engine's regions show unknown, without actions", async () => {
  const [alpha, beta] = regionList();
  const far = { engine: "far", host: "tcp://10.0.0.5:2376", reach: "live" as const, reason: null };
  const away: RegionInfo = { ...structuredClone(alpha), name: "away", engine: "far", serverUrl: "http://10.0.0.5:8600" };
  // The same name on another engine is another region.
  const farAlpha: RegionInfo = { ...structuredClone(beta), name: "alpha", engine: "far" };
  const { ipc, user, setRegions } = await openRegions({
    region_stop: () => ({ ...away, state: "exited", health: "none" }),
  });
  setRegions([alpha, beta, away, farAlpha], [LOCAL_ENGINE, far]);
  await user.click(screen.getByRole("button", { name: "Reload regions" }));
  await screen.findByTestId("region-row-far/away");
  expect(screen.getByRole("columnheader", { name: "Engine" })).toBeInTheDocument();
  expect(screen.getByTestId("region-engine-alpha")).toHaveTextContent("default");
  expect(screen.getByTestId("region-engine-far/away")).toHaveTextContent("far");
  expect(screen.getByTestId("region-engine-far/alpha")).toHaveTextContent("far");
  expect(screen.getByTestId("regions-count")).toHaveTextContent("4");
  expect(screen.getByTestId("region-url-far/away")).toHaveAttribute("href", "http://10.0.0.5:8600");

  // An action on another engine's region goes to that engine.
  await user.click(screen.getByTestId("region-stop-far/away"));
  await waitFor(() => expect(screen.getByTestId("region-state-far/away")).toHaveTextContent("stopped"));
  expect(ipc.callsOf("region_stop")).toEqual([{ dir: ROOT, engine: "far", name: "away" }]);
  expect(screen.getByTestId("region-state-alpha")).toHaveTextContent("running · healthy");

  // The far engine goes away: its regions show unknown (as last seen), with no action; the local ones stay live.
  const down = { ...far, reach: "unknown" as const, reason: "connection refused: nothing answers there" };
  const lastSeen = (r: RegionInfo): RegionInfo => ({ ...r, reach: "unknown", state: "notCreated", health: "none", containers: [], request: null });
  setRegions([alpha, beta, lastSeen(away), lastSeen(farAlpha)], [LOCAL_ENGINE, down]);
  await user.click(screen.getByRole("button", { name: "Reload regions" }));
  await waitFor(() => expect(screen.getByTestId("region-state-far/away")).toHaveTextContent("unknown (engine unreachable)"));
  expect(screen.getByTestId("region-state-far/away")).toHaveAttribute("data-tone", "warn");
  const row = screen.getByTestId("region-row-far/away");
  expect(within(row).queryByRole("button")).toBeNull();
  expect(row).toHaveTextContent("engine unreachable");
  expect(screen.getByTestId("engine-unknown-far")).toHaveTextContent("Engine far (tcp://10.0.0.5:2376) could not be reached");
  expect(screen.getByTestId("engine-unknown-far")).toHaveTextContent("connection refused: nothing answers there");
  expect(screen.getByTestId("region-state-alpha")).toHaveTextContent("running · healthy");
  expect(within(screen.getByTestId("region-row-alpha")).getByRole("button", { name: "Stop" })).toBeInTheDocument();
});
