// The Doctor page in the whole app against a fake Rust side (mockIPC): the checks for the current selection
// as the backend judged them, the tally, a fix button that opens the view that fixes it, checking again on
// request and when the selection changes, and a backend error shown instead of a stale report.

import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import App from "../../App.svelte";
import type { Check, DoctorReport } from "../bindings";
import { ROOT, overview, reportFor } from "../../test/fixtures";
import { appError, fakeIpc, type Handler } from "../../test/ipc";

function check(id: Check["id"], status: Check["status"], summary: string, extra: Partial<Check> = {}): Check {
  return { id, status, summary, details: [], fix: null, code: null, ...extra };
}

function doctorReport(profiles: string[], checks: Check[]): DoctorReport {
  const count = (s: Check["status"]) => checks.filter((c) => c.status === s).length;
  return { project: "sectorwars2102", profiles, checks, failing: count("failing"), warnings: count("warning") };
}

async function openDoctor(doctor: Handler) {
  const ipc = fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => [ROOT],
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    env_catalog: () => {
      throw new Error("not asked in this test");
    },
    doctor,
  });
  const user = userEvent.setup();
  render(App);
  await user.click(await screen.findByRole("link", { name: "Doctor" }));
  return { ipc, user };
}

test("shows each check with its status, details and fix; the tally counts them", async () => {
  const { ipc } = await openDoctor((args) =>
    doctorReport(args.profiles as string[], [
      check("engine", "ok", "Docker 24.0.7 (API 1.43) at unix:///var/run/docker.sock", { details: ["storage driver overlay2"] }),
      check("clock", "warning", "The engine's clock is 3.0 s ahead of this machine's", { fix: "Synchronise both clocks." }),
      check("ports", "failing", "1 of 2 host ports are taken", {
        details: ["Port 8080 (gameserver) is taken (held by process nc (PID 42))"],
        fix: "Set GAMESERVER_PORT to a free port.",
      }),
    ]),
  );
  await waitFor(() => expect(screen.getByTestId("doctor-tally")).toHaveTextContent("1 failing, 1 warning"));
  expect(ipc.callsOf("doctor")[0]).toEqual({ dir: ROOT, profiles: ["development"] });
  const engine = screen.getByTestId("doctor-check-engine");
  expect(engine.dataset.status).toBe("ok");
  expect(engine).toHaveTextContent("Docker engine Docker 24.0.7 (API 1.43)");
  expect(engine).toHaveTextContent("storage driver overlay2");
  expect(within(engine).queryByText("Fix:")).toBeNull();
  const ports = screen.getByTestId("doctor-check-ports");
  expect(ports.dataset.status).toBe("failing");
  expect(ports).toHaveTextContent("held by process nc (PID 42)");
  expect(ports).toHaveTextContent("Fix: Set GAMESERVER_PORT to a free port.");
  expect(screen.getByTestId("doctor-check-clock").dataset.status).toBe("warning");
});

test("a failing variables check opens the Environment view; Check again asks anew", async () => {
  const { ipc, user } = await openDoctor((args) =>
    doctorReport(args.profiles as string[], [
      check("variables", "failing", "2 variable problem(s)", { details: ["JWT_SECRET is required but not set"], fix: "Generate it." }),
    ]),
  );
  await waitFor(() => expect(screen.getByTestId("doctor-check-variables")).toBeInTheDocument());
  await user.click(screen.getByTestId("doctor-run"));
  await waitFor(() => expect(ipc.callsOf("doctor")).toHaveLength(2));
  ipc.set("env_catalog", () => appError("KEYCHAIN_NO_SESSION_BUS", "no D-Bus session bus"));
  await user.click(screen.getByTestId("doctor-action-variables"));
  await waitFor(() => expect(screen.getByRole("link", { name: "Environment" })).toHaveAttribute("aria-current", "page"));
});

test("everything ok says so; a changed selection is checked again", async () => {
  const { ipc, user } = await openDoctor((args) =>
    doctorReport(args.profiles as string[], [check("engine", "ok", "Docker 24.0.7"), check("compose", "ok", "Compose 2.26.1 runs the stack")]),
  );
  await waitFor(() => expect(screen.getByTestId("doctor-tally")).toHaveTextContent("Everything checked is ready for development."));
  await user.click(screen.getByTestId("profile-chip-monitoring"));
  await waitFor(() => expect(ipc.callsOf("doctor").at(-1)).toEqual({ dir: ROOT, profiles: ["development", "monitoring"] }));
  await waitFor(() => expect(screen.getByTestId("doctor-tally")).toHaveTextContent("ready for development, monitoring."));
});

test("a backend error is shown with its title", async () => {
  await openDoctor(() => appError("UNKNOWN_PROFILE", "no profile `nope` in this project"));
  const panel = await screen.findByTestId("error-panel");
  expect(panel.dataset.code).toBe("UNKNOWN_PROFILE");
  expect(panel).toHaveTextContent("no profile `nope` in this project");
});

test("a locked keychain gets its Unlock button here; once unlocked the doctor checks again", async () => {
  let locked = true;
  const { ipc, user } = await openDoctor((args) =>
    doctorReport(args.profiles as string[], [
      locked
        ? check("keychain", "failing", "Not usable: the keychain is locked", {
            fix: "Press Unlock keychain, then press Check again.",
            code: "KEYCHAIN_LOCKED",
          })
        : check("keychain", "ok", "Reachable and unlocked"),
    ]),
  );
  ipc.set("keychain_unlock", () => {
    locked = false;
    return "unlocked";
  });
  await user.click(await screen.findByTestId("keychain-unlock"));
  await waitFor(() => expect(ipc.callsOf("keychain_unlock")).toEqual([{ dir: ROOT }]));
  await waitFor(() => expect(screen.getByTestId("doctor-check-keychain").dataset.status).toBe("ok"));
  expect(screen.queryByTestId("keychain-unlock")).toBeNull();
});
