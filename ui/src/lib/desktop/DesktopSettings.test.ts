// The Settings view against a fake desktop side: it shows the saved preferences and the tray's state, saves
// each switch at once (close into the tray, each notification kind), puts a switch back when the save fails,
// and explains why closing quits on a desktop without a tray.

import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { LogInfo, TrayStatus } from "../bindings";
import type { Settings } from "./desktop";
import { BackendError } from "../backend";
import DesktopSettings from "./DesktopSettings.svelte";
import type { DesktopBackend } from "./desktop";

const DEFAULTS: Settings = {
  closeToTray: true,
  notify: { unhealthy: true, exited: true, operationSucceeded: true, operationFailed: true },
  logLevel: "info",
};

const LOG: LogInfo = { folder: "/home/u/.local/state/dockmaster/logs", level: "info", levelFromEnv: null, problem: null };

const TRAY: TrayStatus = {
  created: true,
  error: null,
  status: "All 4 services healthy",
  host: { statusNotifier: true, xembed: false },
};

function fake(overrides: Partial<DesktopBackend> = {}, tray: TrayStatus = TRAY) {
  const saved: Settings[] = [];
  let quits = 0;
  let opened = 0;
  const desktop: DesktopBackend = {
    getPreferences: async () => structuredClone(DEFAULTS),
    setPreferences: async (p) => {
      saved.push(structuredClone(p));
      return p;
    },
    trayStatus: async () => tray,
    quit: async () => {
      quits += 1;
    },
    watchWindowRequests: async () => {},
    logInfo: async () => ({ ...LOG, level: saved.at(-1)?.logLevel ?? LOG.level }),
    openLogFolder: async () => {
      opened += 1;
    },
    ...overrides,
  };
  return { desktop, saved, quits: () => quits, opened: () => opened };
}

describe("Settings", () => {
  test("shows the preferences and the tray, and saves each switch at once", async () => {
    const { desktop, saved, quits } = fake();
    const user = userEvent.setup();
    render(DesktopSettings, { desktop });

    const close = await screen.findByRole("checkbox", { name: /keeps Dockmaster in the tray/ });
    expect(close).toBeChecked();
    expect(screen.getByTestId("tray-line")).toHaveTextContent("Tray icon: All 4 services healthy");

    await user.click(screen.getByRole("checkbox", { name: /became unhealthy/ }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({ ...DEFAULTS, notify: { ...DEFAULTS.notify, unhealthy: false } });
    await waitFor(() => expect(screen.getByRole("checkbox", { name: /became unhealthy/ })).not.toBeChecked());

    // The switches are disabled while a save runs.
    await waitFor(() => expect(close).toBeEnabled());
    await user.click(close);
    await waitFor(() => expect(saved).toHaveLength(2));
    expect(saved[1]).toEqual({ ...DEFAULTS, closeToTray: false, notify: { ...DEFAULTS.notify, unhealthy: false } });

    await user.click(screen.getByRole("button", { name: "Quit Dockmaster" }));
    expect(quits()).toBe(1);
  });

  test("a failed save says why and puts the switch back", async () => {
    const { desktop } = fake({
      setPreferences: async () => {
        throw new BackendError({ code: "SETTINGS_FAILED", message: "cannot save /ro/preferences.json: read-only" });
      },
    });
    const user = userEvent.setup();
    render(DesktopSettings, { desktop });

    const failed = await screen.findByRole("checkbox", { name: /Stop or region apply failed/ });
    await user.click(failed);
    expect(await screen.findByRole("alert")).toHaveTextContent("Not saved: cannot save /ro/preferences.json: read-only");
    expect(screen.getByRole("checkbox", { name: /Stop or region apply failed/ })).toBeChecked();
  });

  test("without a tray host or a tray icon, it says closing the window quits", async () => {
    const noHost = fake({}, { ...TRAY, host: { statusNotifier: false, xembed: false } });
    const { unmount } = render(DesktopSettings, { desktop: noHost.desktop });
    expect(await screen.findByTestId("tray-line")).toHaveTextContent("shows no tray right now, so closing the window quits");
    unmount();

    const broken = fake({}, { ...TRAY, created: false, error: "libayatana-appindicator3 is missing" });
    render(DesktopSettings, { desktop: broken.desktop });
    expect(await screen.findByTestId("tray-line")).toHaveTextContent(
      "No tray icon: libayatana-appindicator3 is missing. Closing the window quits.",
    );
  });

  test("the log level is saved like the rest, the folder is named and opened by the backend", async () => {
    const { desktop, saved, opened } = fake();
    const user = userEvent.setup();
    render(DesktopSettings, { desktop });
    const level = await screen.findByRole("combobox", { name: "Level" });
    expect(level).toHaveValue("info");
    expect(screen.getByTestId("log-folder")).toHaveTextContent("Written to /home/u/.local/state/dockmaster/logs");
    await user.selectOptions(level, "debug");
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({ ...DEFAULTS, logLevel: "debug" });
    await user.click(screen.getByTestId("open-log-folder"));
    await waitFor(() => expect(opened()).toBe(1));
  });

  test("DOCKMASTER_LOG decides the level: the choice is disabled and says why; a failed open says why", async () => {
    const { desktop } = fake({
      logInfo: async () => ({ ...LOG, level: "trace", levelFromEnv: "trace" }),
      openLogFolder: async () => {
        throw new BackendError({ code: "LOG_FOLDER_FAILED", message: "/x: the file manager could not be started" });
      },
    });
    const user = userEvent.setup();
    render(DesktopSettings, { desktop });
    expect(await screen.findByTestId("log-env")).toHaveTextContent("DOCKMASTER_LOG=trace sets the level (trace)");
    expect(screen.getByRole("combobox", { name: "Level" })).toBeDisabled();
    await user.click(screen.getByTestId("open-log-folder"));
    expect(await screen.findByRole("alert")).toHaveTextContent("the file manager could not be started");
  });
});
