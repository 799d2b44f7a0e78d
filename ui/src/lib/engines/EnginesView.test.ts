// The Engines page in the whole app against a fake Rust side (mockIPC): the list with each engine's state (a
// reachable one with its version, an unreachable one with the reason), the SSH host-key confirm step of the Add
// form (nothing is accepted until the fingerprint shown is sent back by its button), removing a context
// Dockmaster did not create only after its name is typed, and the header's engine choice re-following the engine.

import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import App from "../../App.svelte";
import type { EngineInfo, EngineStatus } from "../bindings";
import { ROOT, overview, reportFor } from "../../test/fixtures";
import { appError, fakeIpc, type Handler } from "../../test/ipc";

const FINGERPRINT = "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8";

function info(name: string, extra: Partial<EngineInfo> = {}): EngineInfo {
  return {
    name,
    kind: "socket",
    host: "unix:///var/run/docker.sock",
    description: "",
    current: false,
    createdByDockmaster: true,
    sshKey: null,
    invalid: null,
    ...extra,
  };
}

const LOCAL = info("default", { current: true, createdByDockmaster: false, description: "the local engine" });
const FAR = info("far", { kind: "ssh", host: "ssh://ops@far.example:2222" });
const THEIRS = info("theirs", { kind: "tls", host: "tcp://10.0.0.5:2376", createdByDockmaster: false });

function status(engine: EngineInfo): EngineStatus {
  if (engine.name === "far") {
    return {
      engine,
      reachable: false,
      version: null,
      error: { code: "ENGINE_UNAVAILABLE", message: "ssh: connect to host far.example port 2222: Connection refused" },
    };
  }
  return { engine, reachable: true, version: "26.1.5", error: null };
}

async function openEngines(list: EngineInfo[], handlers: Record<string, Handler> = {}) {
  const ipc = fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => [ROOT],
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    engines_list: () => list,
    engine_test: (args) => status(list.find((e) => e.name === args.name) ?? LOCAL),
    project_engine: () => ({ name: "default", chosen: false, endpoint: "unix:///var/run/docker.sock" }),
    ...handlers,
  });
  const user = userEvent.setup();
  render(App);
  await user.click(await screen.findByRole("link", { name: "Engines" }));
  return { ipc, user };
}

test("lists each engine: reachable with its version, unreachable with the reason, and this project's", async () => {
  const { ipc } = await openEngines([LOCAL, FAR]);
  await waitFor(() => expect(screen.getByTestId("engine-state-default")).toHaveTextContent("Reachable, Docker 26.1.5"));
  expect(screen.getByTestId("engine-state-default").dataset.tone).toBe("ok");
  expect(screen.getByTestId("engine-here-default")).toHaveTextContent("this project");
  await waitFor(() => expect(screen.getByTestId("engine-state-far")).toHaveTextContent("Unreachable"));
  expect(screen.getByTestId("engine-state-far").dataset.tone).toBe("bad");
  expect(screen.getByTestId("engine-reason-far")).toHaveTextContent("Connection refused");
  expect(screen.getByTestId("engine-host-far")).toHaveTextContent("ssh://ops@far.example:2222");
  expect(ipc.callsOf("engine_test").map((a) => a.name).sort()).toEqual(["default", "far"]);
  expect(screen.queryByTestId("engine-remove-default")).toBeNull();
  // The page speaks of buttons, never of CLI commands.
  expect(screen.getByTestId("engines-view")).not.toHaveTextContent("dockmaster ");
});

test("an unknown SSH host key is shown with its fingerprint and accepted only by its button", async () => {
  const added = { engine: FAR, version: "26.1.5", recordedHostKey: FINGERPRINT, note: null };
  const { ipc, user } = await openEngines([LOCAL], {
    engine_add: (args) => {
      const request = args.request as { acceptHostKey?: string | null };
      if (request.acceptHostKey !== FINGERPRINT) {
        throw {
          code: "HOST_KEY_UNKNOWN",
          message: `the SSH host key of [127.0.0.1]:2222 is not known yet: its ssh-ed25519 key has the fingerprint ${FINGERPRINT}.`,
          detail: { kind: "hostKey", host: "[127.0.0.1]:2222", keyType: "ssh-ed25519", fingerprint: FINGERPRINT },
        };
      }
      return added;
    },
  });
  await user.click(screen.getByTestId("engines-add"));
  await user.type(screen.getByTestId("engine-form-name"), "far");
  await user.type(screen.getByTestId("engine-form-destination"), "ops@127.0.0.1:2222");
  await user.click(screen.getByTestId("engine-form-submit"));
  const confirm = await screen.findByTestId("engine-hostkey");
  expect(confirm).toHaveTextContent("[127.0.0.1]:2222");
  expect(within(confirm).getByTestId("engine-hostkey-fingerprint")).toHaveTextContent(FINGERPRINT);
  expect(ipc.callsOf("engine_add")).toHaveLength(1);
  expect(ipc.callsOf("engine_add")[0].request).toEqual({
    name: "far",
    description: "",
    spec: { kind: "ssh", destination: "ops@127.0.0.1:2222", keyFile: null },
    acceptHostKey: null,
  });
  await user.click(screen.getByTestId("engine-hostkey-accept"));
  await screen.findByTestId("engine-added");
  expect(ipc.callsOf("engine_add")[1].request).toMatchObject({ acceptHostKey: FINGERPRINT });
  expect(screen.getByTestId("engine-added")).toHaveTextContent(`The host key ${FINGERPRINT} was recorded.`);
});

test("an add that fails shows the backend's error and keeps the form", async () => {
  const { user } = await openEngines([LOCAL], {
    engine_add: () => appError("ENGINE_ENDPOINT_INVALID", "the CA /nope/ca.pem is missing or not a file"),
  });
  await user.click(screen.getByTestId("engines-add"));
  await user.click(screen.getByTestId("engine-form-kind-tls"));
  await user.type(screen.getByTestId("engine-form-name"), "secure");
  await user.type(screen.getByTestId("engine-form-address"), "127.0.0.1:2376");
  await user.type(screen.getByTestId("engine-form-ca"), "/nope/ca.pem");
  await user.click(screen.getByTestId("engine-form-submit"));
  const error = await screen.findByTestId("engine-add-error");
  expect(error.dataset.code).toBe("ENGINE_ENDPOINT_INVALID");
  expect(error).toHaveTextContent("/nope/ca.pem is missing");
  expect(screen.getByTestId("engine-form-name")).toHaveValue("secure");
});

test("a context Dockmaster did not create is removed only after its name is typed", async () => {
  const { ipc, user } = await openEngines([LOCAL, THEIRS], { engine_remove: () => null });
  await user.click(await screen.findByTestId("engine-remove-theirs"));
  const dialog = await screen.findByTestId("engine-remove-dialog");
  expect(within(dialog).getByTestId("engine-remove-not-ours")).toBeInTheDocument();
  const confirm = within(dialog).getByTestId("engine-remove-confirm");
  expect(confirm).toBeDisabled();
  await user.type(within(dialog).getByTestId("engine-remove-typed"), "theirs");
  expect(confirm).toBeEnabled();
  await user.click(confirm);
  await waitFor(() => expect(ipc.callsOf("engine_remove")).toEqual([{ name: "theirs", confirmed: true }]));
  await waitFor(() => expect(screen.queryByTestId("engine-remove-dialog")).toBeNull());
});

test("choosing another engine in the header switches the project and follows the engine again", async () => {
  const { ipc, user } = await openEngines([LOCAL, FAR], {
    use_engine: (args) => ({ name: args.engine as string, chosen: true, endpoint: "ssh://ops@far.example:2222" }),
  });
  const select = await screen.findByTestId("project-engine-select");
  await waitFor(() => expect(select).toHaveValue("default"));
  await waitFor(() => expect(ipc.callsOf("watch_engine").length).toBeGreaterThan(0));
  const watches = ipc.callsOf("watch_engine").length;
  await user.selectOptions(select, "far");
  await waitFor(() => expect(ipc.callsOf("use_engine")).toEqual([{ dir: ROOT, engine: "far" }]));
  await waitFor(() => expect(ipc.callsOf("watch_engine").length).toBe(watches + 1));
  await waitFor(() => expect(screen.getByTestId("engine-here-far")).toBeInTheDocument());
  expect(screen.getByTestId("engines-notice")).toHaveTextContent("This project now runs on far.");
});

test("a refused switch says why and the header stays on the engine", async () => {
  const { user } = await openEngines([LOCAL, FAR], {
    use_engine: () => appError("OPERATION_BUSY", "`up` is running on this project: wait for it to finish (or cancel it), then switch the engine"),
  });
  const select = await screen.findByTestId("project-engine-select");
  await waitFor(() => expect(select).toHaveValue("default"));
  await user.selectOptions(select, "far");
  const panel = await screen.findByTestId("error-panel");
  expect(panel.dataset.code).toBe("OPERATION_BUSY");
  await waitFor(() => expect(select).toHaveValue("default"));
});
