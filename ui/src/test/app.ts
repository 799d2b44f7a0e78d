// The whole app on the demo project against a fake Rust side that pushes live state through the Channels the UI
// hands to `watch_engine` and `watch_stats`. Shared by the page tests (dashboard, regions, lifecycle).

import { render, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { expect } from "vitest";
import App from "../App.svelte";
import type { StatsUpdate, StoreUpdate } from "../lib/bindings";
import { ROOT, overview, purposesFor, reportFor } from "./fixtures";
import { channel, fakeIpc, type Handler } from "./ipc";

/** Renders the app on the demo project; `overrides` replace or add IPC handlers. `push` / `pushStats` send an
 * update once the UI has subscribed. */
export function startApp(overrides: Record<string, Handler> = {}) {
  let push: ((u: StoreUpdate) => void) | null = null;
  let pushStats: ((batch: StatsUpdate[]) => void) | null = null;
  const ipc = fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => [ROOT],
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    volume_purposes: (args) => purposesFor(reportFor(args.profiles as string[])),
    watch_engine: (args) => {
      push = channel<StoreUpdate>(args.onUpdate);
      return null;
    },
    watch_stats: (args) => {
      pushStats = channel<StatsUpdate[]>(args.onStats);
      return null;
    },
    ...overrides,
  });
  const user = userEvent.setup();
  render(App);
  return {
    ipc,
    user,
    async push(u: StoreUpdate) {
      await waitFor(() => expect(push).not.toBeNull());
      push!(u);
    },
    async pushStats(u: StatsUpdate) {
      await waitFor(() => expect(pushStats).not.toBeNull());
      pushStats!([u]); // the backend sends its samples in batches
    },
  };
}
