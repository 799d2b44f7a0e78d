// A fake Rust side for component tests: `mockIPC` answers the snake_case commands the generated bindings
// send, records every call, and lets a test hold an answer back to control ordering.

import { mockIPC } from "@tauri-apps/api/mocks";
import type { ErrorReport as AppError } from "../lib/bindings";

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

export type Handler = (args: Record<string, unknown>) => unknown;

/** Rejects the way the Rust side does: with the serialized `AppError` (not an `Error`). */
export function appError(code: AppError["code"], message: string): never {
  // A cast, not `satisfies`: TypeScript checks a discriminated union of more than 25 codes only this way.
  throw { code, message } as AppError;
}

export interface FakeIpc {
  calls: Call[];
  /** Calls of one command, in order. */
  callsOf(cmd: string): Record<string, unknown>[];
  /** Replace or add handlers while a test runs. */
  set(cmd: string, handler: Handler): void;
}

/** The engine commands answer like a backend whose engine never reports anything; tests that drive the live
 * state override them and push through `channel(args.onUpdate)`. */
export const QUIET_ENGINE: Record<string, Handler> = {
  watch_engine: () => null,
  set_engine_selection: () => null,
  unwatch_engine: () => null,
  watch_stats: () => null,
  unwatch_stats: () => null,
};

/** The logs commands answer like a follow that never sends a line; log tests push through
 * `channel(args.onBatch)`. */
export const QUIET_LOGS: Record<string, Handler> = {
  follow_logs: () => ({ maskedValues: 0, maskWarning: null, maxLinesPerService: 10000, maxBytesPerService: 4194304 }),
  stop_logs: () => null,
};

/** The region commands answer like a project without regions; region tests override them. */
export const QUIET_REGIONS: Record<string, Handler> = {
  region_list: () => ({ engines: [], regions: [] }),
  region_places: () => [],
  region_networks: () => [],
  region_cancel: () => false,
};

/** The lifecycle commands answer like a project where nothing runs: no drift, nothing to cancel. Lifecycle
 * tests override them and push progress through `channel(args.onEvent)`. */
export const QUIET_LIFECYCLE: Record<string, Handler> = {
  lifecycle_drift: (args) => ({
    project: "sectorwars2102",
    profiles: args.profiles,
    compose: { flavor: "v2", version: "2.26.1", command: ["docker", "compose"], chosenBy: "detected" },
    services: [],
  }),
  lifecycle_cancel: () => false,
};

/** The engines: only the local one, which the project runs on; engine tests override them. */
export const QUIET_ENGINES: Record<string, Handler> = {
  engines_list: () => [
    {
      name: "default",
      kind: "socket",
      host: "unix:///var/run/docker.sock",
      description: "the local engine",
      current: true,
      createdByDockmaster: false,
      sshKey: null,
      invalid: null,
    },
  ],
  project_engine: () => ({ name: "default", chosen: false, endpoint: "unix:///var/run/docker.sock" }),
};

/** The tray's requests to the window: none unless a test pushes one through `channel(args.onRequest)`. */
export const QUIET_DESKTOP: Record<string, Handler> = {
  watch_window_requests: () => null,
  log_info: () => ({ folder: "/home/u/.local/state/dockmaster/logs", level: "info", levelFromEnv: null, problem: null }),
};

/** The project's file watch: quiet unless a test pushes an event. The desktop shell's habits: no remembered
 * selection, no other launch, the About facts. */
const QUIET_PROJECT: Record<string, Handler> = {
  watch_project: () => null,
  remembered_selection: () => null,
  remember_selection: () => null,
  watch_desktop: () => null,
  first_paint: () => null,
  about: () => ({ name: "Dockmaster", version: "0.1.0", identifier: "dev.dockmaster.app", tauriVersion: "2.12.5" }),
};

export function fakeIpc(handlers: Record<string, Handler>): FakeIpc {
  const table = new Map(
    Object.entries({ ...QUIET_PROJECT, ...QUIET_DESKTOP, ...QUIET_ENGINE, ...QUIET_ENGINES, ...QUIET_LOGS, ...QUIET_REGIONS, ...QUIET_LIFECYCLE, ...handlers }),
  );
  const calls: Call[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const handler = table.get(cmd);
    if (!handler) throw new Error(`unexpected IPC command ${cmd}`);
    return handler(args);
  });
  return {
    calls,
    callsOf: (cmd) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    set: (cmd, handler) => table.set(cmd, handler),
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface TauriCallbacks {
  runCallback(id: number, data: unknown): void;
}

const channelIndex = new WeakMap<object, number>();

/** Pushes messages into a `Channel` the UI passed as a command argument, the way the Rust side does: through
 * the window's callback table, each with the next index (the `Channel` delivers them in index order). */
export function channel<T>(arg: unknown): (message: T) => void {
  const ch = arg as { id: number };
  if (typeof ch?.id !== "number") throw new Error(`not a Channel argument: ${String(arg)}`);
  return (message) => {
    const index = channelIndex.get(ch) ?? 0;
    channelIndex.set(ch, index + 1);
    const internals = (window as unknown as { __TAURI_INTERNALS__: TauriCallbacks }).__TAURI_INTERNALS__;
    internals.runCallback(ch.id, { index, message });
  };
}
