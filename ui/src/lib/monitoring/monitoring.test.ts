// Which services are the selection's monitoring and how Grafana is signed in to, then the panel in the whole
// app: links and live state, and Grafana's password shown only after Reveal (from the keychain), hidden again.
import { screen, waitFor, within } from "@testing-library/svelte";
import { expect, test } from "vitest";
import { reportDevelopment, reportDevelopmentMonitoring } from "../../test/fixtures";
import { startApp } from "../../test/app";
import { service, snapshot, snapshotUpdate } from "../../test/engine";
import { imageName, monitoringEntries } from "./monitoring";

test("image names", () => {
  expect(imageName("prom/prometheus:v2.53.0")).toBe("prometheus");
  expect(imageName("registry.local:5000/grafana/grafana@sha256:abc")).toBe("grafana");
  expect(imageName(null)).toBeNull();
});

test("the monitoring selection: Prometheus and Grafana, Grafana's user and password variable", () => {
  expect(monitoringEntries(reportDevelopment())).toEqual([]);
  const entries = monitoringEntries(reportDevelopmentMonitoring());
  expect(entries.map((e) => [e.service, e.kind, e.url])).toEqual([
    ["prometheus", "prometheus", "http://localhost:9090"],
    ["grafana", "grafana", "http://localhost:3002"],
  ]);
  const grafana = entries[1];
  expect([grafana.user, grafana.passwordVariable, grafana.defaultPassword]).toEqual(["admin", "GRAFANA_PASSWORD", false]);
});

test("a stand-in image is recognised by the service's name, Grafana also by its GF_ settings", () => {
  const report = reportDevelopmentMonitoring();
  for (const s of report.services) if (s.name === "prometheus" || s.name === "grafana") s.image = "dockmaster/demo-busybox:latest";
  report.services.find((s) => s.name === "grafana")!.name = "dashboards";
  expect(monitoringEntries(report).map((e) => [e.service, e.kind])).toEqual([
    ["prometheus", "prometheus"],
    ["dashboards", "grafana"],
  ]);
});

test("a user set in the environment is shown; no password configured means Grafana's default", () => {
  const report = reportDevelopmentMonitoring();
  const grafana = report.services.find((s) => s.name === "grafana")!;
  grafana.environment = [{ name: "GF_SECURITY_ADMIN_USER", value: "ops", masked: false, variables: ["GRAFANA_USER"] }];
  const entry = monitoringEntries(report).find((e) => e.kind === "grafana")!;
  expect([entry.user, entry.passwordVariable, entry.defaultPassword]).toEqual(["ops", null, true]);
});

test("the panel: live links, and Grafana's password only after Reveal", async () => {
  let revealed = 0;
  const { ipc, user, push } = startApp({
    reveal_secret: (args) => {
      revealed += 1;
      expect(args).toEqual({ dir: expect.any(String), name: "GRAFANA_PASSWORD" });
      return "grafana-marker-secret";
    },
  });
  expect(screen.queryByTestId("monitoring-panel")).toBeNull();
  await user.click(await screen.findByTestId("profile-chip-monitoring"));
  const panel = await screen.findByTestId("monitoring-panel");
  await push(
    snapshotUpdate(
      snapshot([service("grafana", { ports: [{ hostIp: "127.0.0.1", hostPort: 3002, containerPort: 3000, protocol: "tcp" }] })]),
    ),
  );
  const grafana = within(panel).getByTestId("monitoring-grafana");
  await waitFor(() => expect(within(grafana).getByTestId("monitoring-link-grafana")).toHaveTextContent("http://localhost:3002"));
  expect(within(grafana).getByTestId("monitoring-user")).toHaveTextContent("admin");
  expect(panel.textContent).not.toContain("grafana-marker-secret");
  expect(revealed).toBe(0);
  await user.click(within(grafana).getByTestId("monitoring-reveal"));
  await waitFor(() => expect(within(grafana).getByTestId("monitoring-password")).toHaveTextContent("grafana-marker-secret"));
  await user.click(within(grafana).getByRole("button", { name: "Hide" }));
  expect(panel.textContent).not.toContain("grafana-marker-secret");
  expect(ipc.callsOf("reveal_secret")).toHaveLength(1);
});
