// The tray's "open the window on this service" reaches the window: from another view, the overview shows
// again with the service's row; the Settings view is reachable from the left rail and shows the saved settings.

import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import App from "../../App.svelte";
import type { WindowRequest } from "../bindings";
import type { Settings } from "./desktop";
import { ROOT, overview, reportFor } from "../../test/fixtures";
import { channel, fakeIpc } from "../../test/ipc";

const PREFS: Settings = {
  closeToTray: false,
  notify: { unhealthy: true, exited: false, operationSucceeded: true, operationFailed: true },
  logLevel: "info",
};

test("the tray's request opens the overview on the service; Settings is in the left rail", async () => {
  let push: ((r: WindowRequest) => void) | null = null;
  fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => [ROOT],
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    watch_window_requests: (args) => {
      push = channel<WindowRequest>(args.onRequest);
      return null;
    },
    get_preferences: () => PREFS,
    tray_status: () => ({ created: true, error: null, status: "Stopped", host: { statusNotifier: false, xembed: true } }),
  });
  const user = userEvent.setup();
  render(App);
  await screen.findByTestId("services-count");

  await user.click(screen.getByRole("link", { name: "Settings" }));
  expect(await screen.findByRole("checkbox", { name: /keeps Dockmaster in the tray/ })).not.toBeChecked();
  expect(screen.getByRole("checkbox", { name: /exited unexpectedly/ })).not.toBeChecked();
  expect(screen.getByTestId("tray-line")).toHaveTextContent("Tray icon: Stopped");

  await waitFor(() => expect(push).not.toBeNull());
  const service = reportFor(["development"]).services[0].name;
  push!({ kind: "showService", service });
  expect(await screen.findByTestId(`service-row-${service}`)).toBeInTheDocument();
  expect(screen.queryByRole("heading", { name: "Settings" })).toBeNull();
});
