// The desktop side of the window: the preferences the Settings view edits (close into the tray, each kind of
// notification, the level of Dockmaster's own log), the tray's state, an explicit Quit, the tray's requests (open
// the window on a service), and where the own log is (with "Open log folder").
// Its own small interface (not `Backend`'s), so the Settings view is tested with a plain fake.

import { Channel } from "@tauri-apps/api/core";
import { commands, type LogInfo, type LogLevel, type Preferences, type TrayStatus, type WindowRequest } from "../bindings";
import { plain, unwrap } from "../backend";

/** The preferences with every field present (the wire type marks them optional: Rust fills in the defaults). */
export type Settings = {
  closeToTray: boolean;
  notify: Required<NonNullable<Preferences["notify"]>>;
  logLevel: LogLevel;
};

/** What Rust reads for fields a saved file lacks: everything on, the log at `info`. */
export function withDefaults(p: Preferences): Settings {
  const n = p.notify ?? {};
  return {
    closeToTray: p.closeToTray ?? true,
    notify: {
      unhealthy: n.unhealthy ?? true,
      exited: n.exited ?? true,
      operationSucceeded: n.operationSucceeded ?? true,
      operationFailed: n.operationFailed ?? true,
    },
    logLevel: p.logLevel ?? "info",
  };
}

export interface DesktopBackend {
  getPreferences(): Promise<Settings>;
  /** Saves and applies at once; resolves to what is now in effect. */
  setPreferences(preferences: Settings): Promise<Settings>;
  trayStatus(): Promise<TrayStatus>;
  quit(): Promise<void>;
  /** The tray's requests reach `onRequest` (replacing an earlier listener). */
  watchWindowRequests(onRequest: (request: WindowRequest) => void): Promise<void>;
  /** Where Dockmaster's own log is and at which level (`DOCKMASTER_LOG` may decide it). */
  logInfo(): Promise<LogInfo>;
  /** Opens the log folder in the file manager (the backend opens it; the window names no path). */
  openLogFolder(): Promise<void>;
}

export const tauriDesktop: DesktopBackend = {
  getPreferences: () => commands.getPreferences().then(withDefaults),
  setPreferences: (preferences) => unwrap(commands.setPreferences(preferences)).then(withDefaults),
  trayStatus: () => commands.trayStatus(),
  quit: () => plain(commands.quitApp()),
  watchWindowRequests: (onRequest) => plain(commands.watchWindowRequests(new Channel<WindowRequest>(onRequest))),
  logInfo: () => commands.logInfo(),
  openLogFolder: () => unwrap(commands.openLogFolder()).then(() => undefined),
};
