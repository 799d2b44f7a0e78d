// The Overview's Volumes against a fake Rust side (mockIPC): each of the selection's volumes carries its Back up…
// and Restore… in its own row of its purpose group's table, a volume only another profile declares follows in an
// "other profiles" group, the restore's typed name is asked under the tables, and there is no separate "Volume
// backups" table.

import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import App from "../../App.svelte";
import type { ProjectVolume } from "../bindings";
import { ROOT, overview, purposesFor, reportFor } from "../../test/fixtures";
import { fakeIpc } from "../../test/ipc";

const VOLUMES: ProjectVolume[] = [
  { name: "sectorwars2102_postgres_data", declaredAs: "postgres_data", services: ["database"], external: false, exists: true },
  { name: "sectorwars2102_redis_cache_data", declaredAs: "redis_cache_data", services: ["redis-cache"], external: false, exists: false },
  { name: "sectorwars2102_grafana_data", declaredAs: "grafana_data", services: ["grafana"], external: false, exists: true },
];

test("each volume row backs up and restores its volume, in its purpose group; other profiles' volumes follow", async () => {
  fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => [ROOT],
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    volume_list: () => VOLUMES,
    volume_purposes: (args) => purposesFor(reportFor(args.profiles as string[])),
  });
  const user = userEvent.setup();
  render(App);
  // The rows sit in the purpose groups; the volume only another profile declares in a group of its own.
  await screen.findByTestId("volume-group-dev persistence");

  const pg = await screen.findByTestId("volume-row-postgres_data");
  await waitFor(() => expect(within(pg).getByTestId("volume-backup-sectorwars2102_postgres_data")).toBeEnabled());
  expect(pg).toHaveTextContent("local");
  expect(within(pg).getByTestId("volume-restore-sectorwars2102_postgres_data")).toBeEnabled();
  // Not created yet: no backup, but a restore is offered.
  const cache = screen.getByTestId("volume-row-redis_cache_data");
  expect(cache).toHaveTextContent("not created yet");
  expect(within(cache).getByTestId("volume-backup-sectorwars2102_redis_cache_data")).toBeDisabled();
  // Declared only for monitoring: a row of its own, marked.
  const grafana = within(screen.getByTestId("volume-group-other-profiles")).getByTestId("volume-row-grafana_data");
  expect(grafana).toHaveTextContent("other profiles");
  expect(grafana).toHaveTextContent("grafana");
  expect(within(grafana).getByTestId("volume-backup-sectorwars2102_grafana_data")).toBeEnabled();
  // A selection volume the list does not know (yet) has no buttons rather than wrong ones.
  expect(within(screen.getByTestId("volume-row-nginx_logs")).queryByRole("button")).toBeNull();
  expect(screen.queryByRole("heading", { name: /Volume backups/ })).toBeNull();
  expect(screen.getAllByTestId(/^volume-row-/)).toHaveLength(reportFor(["development"]).volumes.length + 1);

  await user.click(within(pg).getByTestId("volume-restore-sectorwars2102_postgres_data"));
  const dialog = await screen.findByTestId("volume-restore-dialog");
  expect(dialog).toHaveTextContent("Restore sectorwars2102_postgres_data?");
  const confirm = within(dialog).getByTestId("volume-restore-confirm");
  expect(confirm).toBeDisabled();
  await user.type(within(dialog).getByTestId("volume-restore-typed"), "sectorwars2102_postgres_data");
  expect(confirm).toBeEnabled();
});
