// The Logs view in the whole app against a fake Rust side (mockIPC): the follow request, batches pushed over
// the Channel, search with highlighting and next/previous, the service picker, the dropped-lines notice,
// follow / jump to latest, and export through the save dialog. Command names and arguments are the ones the
// generated bindings send.

import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, expect, test } from "vitest";
import App from "../../App.svelte";
import type { LogBatch } from "../bindings";
import { ROOT, overview, reportFor } from "../../test/fixtures";
import { channel, fakeIpc, type Handler } from "../../test/ipc";
import { batch, line, resetSeq, state } from "./fixtures";

beforeEach(() => resetSeq());

async function openLogs(overrides: Record<string, Handler> = {}) {
  const channels: ((b: LogBatch) => void)[] = [];
  const ipc = fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => [ROOT],
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    follow_logs: (args) => {
      channels.push(channel<LogBatch>(args.onBatch));
      return { maskedValues: 2, maskWarning: null, maxLinesPerService: 10000, maxBytesPerService: 4194304 };
    },
    ...overrides,
  });
  const user = userEvent.setup();
  render(App);
  await user.click(await screen.findByRole("link", { name: "Logs" }));
  await waitFor(() => expect(channels).toHaveLength(1));
  const list = () => screen.getByRole("region", { name: "Log lines" });
  const shown = () => [...list().querySelectorAll(".text")].map((e) => e.textContent);
  return { ipc, user, list, shown, push: (b: LogBatch) => channels.at(-1)?.(b), channels };
}

test("follows every service of the open project and shows the batches as they come", async () => {
  const { ipc, push, shown, list } = await openLogs();
  expect(ipc.callsOf("follow_logs")).toEqual([{ dir: ROOT, services: [], onBatch: expect.anything() }]);
  expect(screen.getByTestId("logs-empty")).toHaveTextContent("No log lines yet.");

  push(batch([line("gameserver", "Uvicorn running"), line("database", "ready to accept connections", "stderr")]));
  await waitFor(() => expect(shown()).toEqual(["Uvicorn running", "ready to accept connections"]));
  push(batch([line("gameserver", "GET /health 200")]));
  await waitFor(() => expect(shown()).toHaveLength(3));
  const rows = within(list()).getAllByText(/gameserver|database/);
  expect(rows.map((r) => r.textContent)).toEqual(["gameserver", "database", "gameserver"]);
  expect(list().querySelector(".line.stderr")).toHaveTextContent("ready to accept connections");
});

test("search highlights matches and steps through them; following stops, jump to latest resumes", async () => {
  const { user, push, list } = await openLogs();
  const lines = Array.from({ length: 300 }, (_, i) => line("gameserver", i % 100 === 7 ? `needle ${i}` : `hay ${i}`));
  push(batch(lines));
  await waitFor(() => expect(list().querySelectorAll(".line").length).toBeGreaterThan(0));
  // Following: the newest line is rendered, the oldest is not (virtualized).
  expect(within(list()).getByText("hay 299")).toBeInTheDocument();
  expect(within(list()).queryByText("hay 0")).toBeNull();
  expect(screen.queryByTestId("jump-latest")).toBeNull();

  await user.type(screen.getByTestId("log-search"), "NEEDLE");
  expect(screen.getByTestId("match-count")).toHaveTextContent("– / 3");
  await user.keyboard("{Enter}");
  expect(screen.getByTestId("match-count")).toHaveTextContent("1 / 3");
  // The first match is scrolled into view and marked.
  await waitFor(() => expect(list().querySelector(".line.current mark")).toHaveTextContent("needle"));
  expect(list().querySelector(".line.current")).toHaveTextContent("needle 7");
  expect(screen.getByTestId("follow-toggle")).not.toBeChecked();
  await user.keyboard("{Enter}");
  expect(list().querySelector(".line.current")).toHaveTextContent("needle 107");
  await user.keyboard("{Shift>}{Enter}{/Shift}");
  await user.keyboard("{Shift>}{Enter}{/Shift}");
  expect(screen.getByTestId("match-count")).toHaveTextContent("3 / 3");
  expect(list().querySelector(".line.current")).toHaveTextContent("needle 207");

  // Only matching lines.
  await user.click(screen.getByTestId("only-matching"));
  await waitFor(() => expect([...list().querySelectorAll(".text")].map((e) => e.textContent)).toEqual(["needle 7", "needle 107", "needle 207"]));
  await user.click(screen.getByTestId("only-matching"));

  await user.click(screen.getByTestId("jump-latest"));
  expect(screen.getByTestId("follow-toggle")).toBeChecked();
  await waitFor(() => expect(within(list()).getByText("hay 299")).toBeInTheDocument());
  expect(screen.queryByTestId("jump-latest")).toBeNull();
});

test("the service picker re-follows the chosen services; dropped lines are announced", async () => {
  const { ipc, user, push, channels } = await openLogs();
  push(batch([line("gameserver", "a")], [state("gameserver", { lines: 10000, dropped: 12345, total: 22345 })]));
  await waitFor(() => expect(screen.getByTestId("dropped-notice")).toHaveTextContent("gameserver: 12,345"));
  expect(screen.getByTestId("dropped-notice")).toHaveTextContent("the last 10,000 lines or 4 MiB per service");

  await user.click(screen.getByTestId("service-picker"));
  await user.click(screen.getByRole("checkbox", { name: "database" }));
  await waitFor(() => expect(channels).toHaveLength(2));
  expect(ipc.callsOf("follow_logs").at(-1)).toEqual({ dir: ROOT, services: ["database"], onBatch: expect.anything() });
  expect(screen.getByTestId("service-picker")).toHaveTextContent("database");
  // A batch of the replaced follow no longer shows up.
  channels[0](batch([line("gameserver", "late line of the old follow")]));
  push(batch([line("database", "only the database now")]));
  await waitFor(() => expect(screen.getByText("only the database now")).toBeInTheDocument());
  expect(screen.queryByText("late line of the old follow")).toBeNull();

  await user.click(screen.getByRole("checkbox", { name: "All services" }));
  await waitFor(() => expect(ipc.callsOf("follow_logs").at(-1)).toMatchObject({ services: [] }));
});

test("export asks the backend to save the filtered lines (it opens the save dialog itself)", async () => {
  const { ipc, user, push } = await openLogs({
    export_logs: () => ({ path: "/home/ana/logs.log", lines: 2, bytes: 120 }),
  });
  push(batch([line("gameserver", "x", "stderr"), line("database", "y", "stderr")]));
  await user.selectOptions(screen.getByRole("combobox", { name: "Stream" }), "stderr");
  await user.click(screen.getByTestId("export-logs"));
  await waitFor(() => expect(screen.getByTestId("export-done")).toHaveTextContent("Exported 2 lines to /home/ana/logs.log"));
  expect(ipc.callsOf("plugin:dialog|save")).toHaveLength(0);
  const calls = ipc.callsOf("export_logs");
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({
    dir: ROOT,
    filter: { services: [], streams: ["stderr"], since: null, until: null, text: null, regex: false, caseSensitive: false },
  });
  expect(calls[0].suggestedName).toMatch(/^logs-[0-9T-]+\.log$/);
});

test("leaving the view stops the follow", async () => {
  const { ipc, user } = await openLogs();
  await user.click(screen.getByRole("link", { name: "Overview" }));
  await waitFor(() => expect(ipc.callsOf("stop_logs")).toHaveLength(1));
});
