// Volumes by purpose: the pure split of the selection's rows into the backend's groups, then the Overview's
// Volumes section in the whole app — groups in the descriptor's order with sizes and totals, "size unknown" with
// why, the bind mounts with the Docker socket marked privileged, an engine that could not be asked, and
// "Measure again".
import { screen, waitFor, within } from "@testing-library/svelte";
import { expect, test } from "vitest";
import type { VolumesByPurpose } from "../bindings";
import { purposesFor, reportFor } from "../../test/fixtures";
import { startApp } from "../../test/app";
import { groupRows, sizesByEngineName } from "./purposes";

test("rows split into the backend's groups in its order; a row it does not place goes under other", () => {
  const report = reportFor(["development"]);
  const purposes = purposesFor(report);
  const rows = groupRows(purposes, report.volumes);
  expect(rows.map((r) => [r.group.name, r.volumes.map((v) => v.name)])).toEqual(
    purposes.groups.map((g) => [g.name, g.volumes.map((v) => v.name)]),
  );
  const stranger = { ...report.volumes[0], name: "brand_new", engineName: "p_brand_new" };
  const more = groupRows(purposes, [...report.volumes, stranger]);
  expect(more[more.length - 1].group.name).toBe("other");
  expect(more[more.length - 1].volumes.map((v) => v.name)).toContain("brand_new");
  const sizes = sizesByEngineName(purposes);
  const pg = report.volumes.find((v) => v.name === "postgres_data")!;
  expect(sizes.get(pg.engineName)).toEqual({ bytes: 48 * 1024 * 1024, unknown: null });
});

test("the Volumes section: groups with sizes and totals, unknown sizes with why, bind mounts with the socket marked", async () => {
  const { ipc, user } = startApp();
  const dev = await screen.findByTestId("volume-group-dev persistence");
  expect(within(dev).getByTestId("volume-size-postgres_data").textContent?.trim()).toBe("48 MiB");
  expect(within(dev).getByTestId("volume-group-total-dev persistence").textContent).toBe("48 MiB");
  const unknown = within(dev).getByTestId("volume-size-gameserver_data");
  expect(unknown.textContent?.trim()).toBe("size unknown");
  expect(unknown.getAttribute("title")).toMatch(/not on the engine yet/);
  expect(ipc.callsOf("volume_purposes")[0]).toMatchObject({ profiles: ["development"] });
  const socket = screen.getAllByTestId("bind-privileged");
  expect(socket).toHaveLength(1);
  expect(socket[0].textContent).toBe("privileged: controls the Docker engine");
  expect(socket[0].closest("tr")?.dataset.testid).toMatch(/^bind-row-region-manager-/);
  // Another selection asks again: monitoring's volumes get their own group.
  await user.click(screen.getByTestId("profile-chip-monitoring"));
  await screen.findByTestId("volume-group-monitoring");
  expect(ipc.callsOf("volume_purposes").at(-1)).toMatchObject({ profiles: ["development", "monitoring"] });
});

test("an engine that cannot be asked: every size unknown and the reason under the groups; Measure again asks again", async () => {
  const why = "size unknown: the engine is not reachable at unix:///var/run/docker.sock";
  const { ipc, user } = startApp({
    volume_purposes: (args) => {
      const p: VolumesByPurpose = purposesFor(reportFor(args.profiles as string[]));
      for (const g of p.groups) {
        g.totalBytes = null;
        for (const v of g.volumes) Object.assign(v, { exists: null, sizeBytes: null, sizeUnknown: why });
      }
      return { ...p, sizesUnknown: why };
    },
  });
  expect((await screen.findByTestId("volume-sizes-unknown")).textContent).toBe(why);
  expect(screen.getByTestId("volume-size-postgres_data").getAttribute("title")).toBe(why);
  const before = ipc.callsOf("volume_purposes").length;
  await user.click(screen.getByTestId("volume-measure"));
  await waitFor(() => expect(ipc.callsOf("volume_purposes").length).toBe(before + 1));
});
