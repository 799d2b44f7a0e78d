// The Doctor page's diagnostics bundle against a fake Rust side (mockIPC): "Diagnostics bundle" asks the backend
// to build it for the current selection and lists its files, sizes, the masked-values count and what was left
// out — before anything is saved; "Save…" asks the backend (whose dialog picks the file) and says where it
// went; a cancelled dialog keeps the list; a failure is shown with its title.

import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import App from "../../App.svelte";
import type { BundleContents, DoctorReport } from "../bindings";
import { ROOT, overview, reportFor } from "../../test/fixtures";
import { appError, fakeIpc, type Handler } from "../../test/ipc";

const CONTENTS: BundleContents = {
  entries: [
    { name: "versions.txt", bytes: 120, about: "Dockmaster, this machine and the engine's address" },
    { name: "doctor.json", bytes: 4096, about: "the doctor's checks (dockmaster doctor --json)" },
    { name: "dockmaster.log", bytes: 3 * 1024 * 1024, about: "the end of Dockmaster's own log" },
  ],
  maskedValues: 3,
  notes: ["logs: the project has no container on the engine"],
};

const REPORT: DoctorReport = { project: "sectorwars2102", profiles: ["development"], checks: [], failing: 0, warnings: 0 };

async function openDoctor(handlers: Record<string, Handler>) {
  const ipc = fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => [ROOT],
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    doctor: () => REPORT,
    ...handlers,
  });
  const user = userEvent.setup();
  render(App);
  await user.click(await screen.findByRole("link", { name: "Doctor" }));
  return { ipc, user };
}

test("the bundle's contents are listed before saving, then saved where the backend's dialog says", async () => {
  const { ipc, user } = await openDoctor({
    diagnostics_prepare: () => CONTENTS,
    diagnostics_save: () => ({ path: "/home/u/dockmaster-diagnostics.zip", contents: CONTENTS }),
  });
  expect(screen.queryByTestId("diagnostics-entries")).toBeNull();
  expect(screen.queryByTestId("diagnostics-save")).toBeNull();
  await user.click(await screen.findByTestId("diagnostics-build"));
  const table = await screen.findByTestId("diagnostics-entries");
  expect(ipc.callsOf("diagnostics_prepare")).toEqual([{ dir: ROOT, profiles: ["development"], lines: 200 }]);
  expect(ipc.callsOf("diagnostics_save")).toHaveLength(0);
  const rows = within(table).getAllByTestId("diagnostics-entry");
  expect(rows.map((r) => r.dataset.name)).toEqual(["versions.txt", "doctor.json", "dockmaster.log"]);
  expect(rows[0]).toHaveTextContent("versions.txt120 BDockmaster, this machine");
  expect(rows[1]).toHaveTextContent("4.0 KiB");
  expect(rows[2]).toHaveTextContent("3.0 MiB");
  expect(screen.getByTestId("diagnostics-masked")).toHaveTextContent("4 files (with README.txt); 3 secret values masked");
  expect(screen.getByTestId("diagnostics-notes")).toHaveTextContent("Left out: logs: the project has no container");

  await user.click(screen.getByTestId("diagnostics-save"));
  expect(await screen.findByTestId("diagnostics-saved")).toHaveTextContent("Saved to /home/u/dockmaster-diagnostics.zip");
  expect(ipc.callsOf("diagnostics_save")).toEqual([{ dir: ROOT }]);
});

test("a cancelled save dialog keeps the list; a failed save is shown with its title", async () => {
  const { ipc, user } = await openDoctor({ diagnostics_prepare: () => CONTENTS, diagnostics_save: () => null });
  await user.click(await screen.findByTestId("diagnostics-build"));
  await user.click(await screen.findByTestId("diagnostics-save"));
  await waitFor(() => expect(ipc.callsOf("diagnostics_save")).toHaveLength(1));
  expect(screen.queryByTestId("diagnostics-saved")).toBeNull();
  expect(screen.getAllByTestId("diagnostics-entry")).toHaveLength(3);

  ipc.set("diagnostics_save", () => appError("DIAGNOSTICS_FAILED", "/ro/x.zip: the diagnostics bundle could not be written"));
  await user.click(screen.getByTestId("diagnostics-save"));
  const panel = await screen.findByTestId("error-panel");
  expect(panel.dataset.code).toBe("DIAGNOSTICS_FAILED");
  expect(panel).toHaveTextContent("could not be written");
  expect(screen.getAllByTestId("diagnostics-entry")).toHaveLength(3);
});
