import { expect, test } from "vitest";
import { BackendError, tauriBackend, toUiError } from "./backend";
import { overview } from "../test/fixtures";
import { appError, fakeIpc } from "../test/ipc";

test("ok results unwrap to their data", async () => {
  const ipc = fakeIpc({ open_project: () => overview(), startup_project: () => null });
  await expect(tauriBackend.openProject("/p")).resolves.toMatchObject({ name: "sectorwars2102" });
  await expect(tauriBackend.startupProject()).resolves.toBeNull();
  expect(ipc.calls).toEqual([
    { cmd: "open_project", args: { dir: "/p" } },
    { cmd: "startup_project", args: {} },
  ]);
});

test("an AppError becomes a BackendError that keeps its code", async () => {
  fakeIpc({ selection_report: () => appError("ENV_FILE_INVALID", ".env:4: expected KEY=VALUE") });
  const error = await tauriBackend.selectionReport("/p", ["development"]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BackendError);
  expect(error).toMatchObject({ code: "ENV_FILE_INVALID", message: ".env:4: expected KEY=VALUE" });
});

test("an error's detail (the SSH host key to confirm) reaches the UI; errors without one carry none", async () => {
  const detail = { kind: "hostKey", host: "[127.0.0.1]:2222", keyType: "ssh-ed25519", fingerprint: "SHA256:abc" };
  fakeIpc({
    engine_add: () => {
      throw { code: "HOST_KEY_UNKNOWN", message: "the SSH host key of [127.0.0.1]:2222 is not known yet", detail };
    },
  });
  const request = { name: "far", spec: { kind: "ssh" as const, destination: "ops@127.0.0.1:2222", keyFile: null } };
  const error = await tauriBackend.engineAdd(request).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BackendError);
  expect(toUiError(error)).toEqual({ code: "HOST_KEY_UNKNOWN", message: "the SSH host key of [127.0.0.1]:2222 is not known yet", detail });
  expect(toUiError({ code: "ENGINE_EXISTS", message: "x", detail: null })).toEqual({ code: "ENGINE_EXISTS", message: "x" });
});

test("failures below AppError get the IPC code", async () => {
  fakeIpc({
    recent_projects: () => {
      throw "Command recent_projects not found";
    },
    forget_recent_project: () => {
      throw new TypeError("window.__TAURI_INTERNALS__ is undefined");
    },
  });
  await expect(tauriBackend.recentProjects()).rejects.toMatchObject({ code: "IPC", message: "Command recent_projects not found" });
  await expect(tauriBackend.forgetRecentProject("/p")).rejects.toMatchObject({ code: "IPC" });
  expect(toUiError({ code: "SOMETHING_NEW", message: "x" })).toEqual({ code: "IPC", message: "The backend failed without saying why." });
});

test("the folder picker asks for one directory", async () => {
  const ipc = fakeIpc({ "plugin:dialog|open": () => null });
  await expect(tauriBackend.pickProjectFolder()).resolves.toBeNull();
  expect(ipc.callsOf("plugin:dialog|open")).toEqual([{ options: expect.objectContaining({ directory: true, multiple: false }) }]);
});
