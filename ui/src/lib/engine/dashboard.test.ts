// The dashboard in the whole app against a fake Rust side that pushes live state through the Channels the UI
// hands to `watch_engine` and `watch_stats`: the engine banner in every connection state, live service rows,
// health flips without a reload, the probe output, services outside the selection, live ports, usage.
import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, test } from "vitest";
import { startApp } from "../../test/app";
import {
  connected,
  connectionUpdate,
  containerStats,
  hostStats,
  probe,
  reconnecting,
  service,
  serviceUpdate,
  snapshot,
  snapshotUpdate,
  unavailable,
} from "../../test/engine";
import { ROOT } from "../../test/fixtures";
import { appError } from "../../test/ipc";

const DEV = ["admin-ui", "database", "gameserver", "nginx-gateway", "player-client", "redis-cache", "region-manager"];

const startDashboard = startApp;

/** Every development service running healthy, except those given. */
function devServices(except: Record<string, ReturnType<typeof service>> = {}) {
  return DEV.map((name) => except[name] ?? service(name));
}

async function liveText(name: string): Promise<string> {
  return (await screen.findByTestId(`live-state-${name}`)).textContent?.trim() ?? "";
}

describe("engine banner", () => {
  test("connecting, then connected with the engine and API versions", async () => {
    const { ipc, push } = startDashboard();
    expect(await screen.findByTestId("engine-status")).toHaveTextContent("Connecting to Docker…");
    expect(ipc.callsOf("watch_engine")).toEqual([{ dir: ROOT, profiles: ["development"], onUpdate: expect.anything() }]);

    await push(snapshotUpdate(snapshot(devServices())));
    await waitFor(() => expect(screen.getByTestId("engine-status")).toHaveTextContent("Connected"));
    expect(screen.getByTestId("engine-status")).toHaveTextContent("Docker 20.10.24 · API 1.41");
    expect(screen.queryByTestId("engine-last-known")).toBeNull();
  });

  test("unavailable: the reason and the command that fixes it", async () => {
    const { push } = startDashboard();
    await push(snapshotUpdate(snapshot([], unavailable(), false)));
    await waitFor(() => expect(screen.getByTestId("engine-status")).toHaveTextContent("Docker unavailable"));
    const help = screen.getByTestId("engine-help");
    expect(help).toHaveTextContent("there is no Docker socket at /var/run/docker.sock");
    expect(within(help).getByText("sudo systemctl start docker")).toBeInTheDocument();
  });

  test("a DOCKER_HOST endpoint that fails points at DOCKER_HOST", async () => {
    const { push } = startDashboard();
    const c = { ...unavailable("connection refused: nothing answers there"), endpoint: "tcp://10.0.0.5:2375 (from DOCKER_HOST)" };
    await push(snapshotUpdate(snapshot([], c, false)));
    await waitFor(() => expect(screen.getByTestId("engine-help")).toHaveTextContent("Check DOCKER_HOST"));
  });

  test("reconnecting: attempt, countdown, and the services as last known", async () => {
    const { push } = startDashboard();
    await push(snapshotUpdate(snapshot(devServices())));
    await waitFor(async () => expect(await liveText("database")).toBe("running · healthy"));

    await push(connectionUpdate(reconnecting(2, 5000)));
    const status = screen.getByTestId("engine-status");
    await waitFor(() => expect(status).toHaveTextContent("Reconnecting · attempt 2 · next try in 5s"));
    expect(screen.getByTestId("engine-last-known")).toHaveTextContent("showing last known state");
    expect(screen.getByTestId("live-state-database")).toHaveAttribute("title", expect.stringContaining("last known state"));
    expect(screen.getByTestId("engine-help")).toHaveTextContent("connection refused");

    // Back: connected, then the resync's snapshot confirms the state again.
    await push(connectionUpdate(connected()));
    await waitFor(() => expect(status).toHaveTextContent("Connected · syncing"));
    await push(snapshotUpdate(snapshot(devServices()), "resync"));
    await waitFor(() => expect(status).toHaveTextContent(/Connected(?! · syncing)/));
    expect(screen.queryByTestId("engine-last-known")).toBeNull();
  });

  test("a watch that fails says why and can be retried", async () => {
    let fail = true;
    const { ipc, user } = startDashboard({
      watch_engine: () => (fail ? appError("FILE_UNREADABLE", "cannot read docker-compose.yml: permission denied") : null),
    });
    await waitFor(() => expect(screen.getByTestId("engine-status")).toHaveTextContent("Live state unavailable"));
    expect(screen.getByTestId("engine-status")).toHaveTextContent("permission denied");
    fail = false;
    await user.click(screen.getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(screen.getByTestId("engine-status")).toHaveTextContent("Connecting to Docker…"));
    expect(ipc.callsOf("watch_engine")).toHaveLength(2);
  });
});

describe("live services", () => {
  test("each row shows run state, health in words, uptime and restarts; selected services not created say so", async () => {
    const { push } = startDashboard();
    await push(
      snapshotUpdate(
        snapshot(
          devServices({
            "region-manager": service("region-manager", { none: true }),
            gameserver: service("gameserver", { state: "exited", exitCode: 137, oomKilled: true, health: "unhealthy", restartCount: 2 }),
            "redis-cache": service("redis-cache", { health: "starting", startedAt: new Date(Date.now() - 65_000).toISOString() }),
          }),
        ),
      ),
    );
    await waitFor(async () => expect(await liveText("database")).toBe("running · healthy"));
    expect(screen.getByTestId("live-state-database")).toHaveAttribute("data-tone", "ok");
    expect(await liveText("region-manager")).toBe("not running");
    expect(await liveText("gameserver")).toBe("exited (code 137)");
    expect(screen.getByTestId("live-state-gameserver")).toHaveAttribute("data-tone", "bad");
    expect(screen.getByTestId("uptime-gameserver")).toHaveTextContent("2 restarts");
    expect(await liveText("redis-cache")).toBe("running · starting");
    expect(screen.getByTestId("uptime-redis-cache")).toHaveTextContent(/up 1m(?! ?[0-9])/);
    expect(screen.getByTestId("uptime-redis-cache")).toHaveTextContent("0 restarts");
  });

  test("a deliberate stop reads as a neutral stopped with its code muted; other exits stay red", async () => {
    const { push } = startDashboard();
    await push(
      snapshotUpdate(
        snapshot(
          devServices({
            database: service("database", { state: "exited", exitCode: 143, health: "none" }),
            gameserver: service("gameserver", { state: "exited", exitCode: 1, health: "none" }),
          }),
        ),
      ),
    );
    await waitFor(async () => expect(await liveText("database")).toBe("stopped (code 143)"));
    expect(screen.getByTestId("live-state-database")).toHaveAttribute("data-tone", "idle");
    expect(within(screen.getByTestId("live-state-database")).getByText("(code 143)")).toHaveClass("code");
    expect(await liveText("gameserver")).toBe("exited (code 1)");
    expect(screen.getByTestId("live-state-gameserver")).toHaveAttribute("data-tone", "bad");
  });

  test("a service turning unhealthy shows without a reload; its probe output is one click away", async () => {
    const { ipc, push, user } = startDashboard();
    await push(snapshotUpdate(snapshot(devServices())));
    await waitFor(async () => expect(await liveText("database")).toBe("running · healthy"));

    const log = [probe(0, ""), probe(1, "wget: can't connect to remote host (127.0.0.1): Connection refused\n", "2026-05-01T10:00:04.5Z")];
    await push(serviceUpdate(service("database", { health: "unhealthy", healthLog: log })));
    await waitFor(async () => expect(await liveText("database")).toBe("running · unhealthy"));
    expect(screen.getByTestId("live-state-database")).toHaveAttribute("data-tone", "bad");
    expect(ipc.callsOf("open_project")).toHaveLength(1); // no reload
    expect(ipc.callsOf("selection_report")).toHaveLength(1);

    const toggle = screen.getByTestId("probe-toggle-database");
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(toggle).toHaveAccessibleName("running · unhealthy (health probes of database)");
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    const probes = screen.getByTestId("probe-log-database");
    const rows = within(probes).getAllByTestId("probe-database");
    expect(rows).toHaveLength(2);
    // newest first
    expect(rows[0]).toHaveTextContent("exit 1 · failed");
    expect(rows[0]).toHaveTextContent("Connection refused");
    expect(rows[1]).toHaveTextContent("exit 0 · passed");
    expect(probes).toHaveTextContent("3 failing in a row");

    await push(serviceUpdate(service("database", { healthLog: [...log, probe(0, "")] }), "health_status: healthy"));
    await waitFor(async () => expect(await liveText("database")).toBe("running · healthy"));
    expect(within(screen.getByTestId("probe-log-database")).getAllByTestId("probe-database")).toHaveLength(3);
  });

  test("running services the selection does not start are listed apart", async () => {
    const { push } = startDashboard();
    const grafana = service("grafana", {
      desired: false,
      ports: [{ containerPort: 3000, protocol: "tcp", hostIp: "127.0.0.1", hostPort: 3002 }],
    });
    await push(snapshotUpdate(snapshot([...devServices(), grafana])));
    const extra = await screen.findByTestId("unselected-services");
    expect(extra).toHaveTextContent("Running, not selected");
    const row = within(extra).getByTestId("unselected-grafana");
    expect(row).toHaveTextContent("running · healthy");
    expect(within(row).getByRole("link", { name: "http://localhost:3002" })).toBeInTheDocument();
    expect(screen.queryByTestId("service-row-grafana")).toBeNull();
  });

  test("the port map links the port the engine published while the service runs", async () => {
    const { ipc, push, user } = startDashboard();
    const game = service("gameserver", { ports: [{ containerPort: 8080, protocol: "tcp", hostIp: "127.0.0.1", hostPort: 18080 }] });
    await push(snapshotUpdate(snapshot(devServices({ gameserver: game, "admin-ui": service("admin-ui", { none: true }) }))));
    const link = await screen.findByRole("link", { name: "http://localhost:18080" });
    expect(link).toHaveAttribute("data-testid", "port-link-gameserver-8080");
    expect(screen.getByTestId("port-row-gameserver-8080")).toHaveTextContent("live");
    expect(screen.getByTestId("port-row-admin-ui-3001")).toHaveTextContent("not running");

    ipc.set("open_link", () => null);
    await user.click(link);
    await waitFor(() => expect(ipc.callsOf("open_link")).toEqual([expect.objectContaining({ url: "http://localhost:18080" })]));
  });

  test("the profile chips re-target the engine's selection", async () => {
    const { ipc, user } = startDashboard();
    await screen.findByTestId("engine-banner");
    await user.click(await screen.findByTestId("profile-chip-monitoring"));
    await waitFor(() =>
      expect(ipc.callsOf("set_engine_selection")).toEqual([{ dir: ROOT, profiles: ["development", "monitoring"] }]),
    );
    expect(ipc.callsOf("watch_engine")).toHaveLength(1);
  });
});

describe("usage", () => {
  test("rows on screen are sampled; usage per service, per profile and of the host", async () => {
    const { ipc, push, pushStats } = startDashboard();
    await push(snapshotUpdate(snapshot(devServices())));
    // Without an IntersectionObserver (jsdom) every row counts as visible.
    await waitFor(() => expect(ipc.callsOf("watch_stats").at(-1)?.services).toEqual([...DEV].sort()));

    await pushStats(containerStats("database", 1.5, 10 * 1024 ** 2));
    await pushStats(containerStats("gameserver", 20, 30 * 1024 ** 2));
    await pushStats(hostStats());
    await waitFor(() => expect(screen.getByTestId("usage-database")).toHaveTextContent("1.5% CPU · 10 MiB"));
    expect(screen.getByTestId("usage-gameserver")).toHaveTextContent("20% CPU · 30 MiB");
    expect(screen.getByTestId("usage-profile-development")).toHaveTextContent("development");
    expect(screen.getByTestId("usage-profile-development")).toHaveTextContent("22% CPU · 40 MiB");
    const host = screen.getByTestId("host-usage");
    expect(host).toHaveAccessibleName("Host usage");
    expect(host).toHaveTextContent(/CPU\s*13%/);
    expect(screen.getByTestId("host-usage")).toHaveTextContent("3.5 GiB / 16 GiB");
    expect(screen.getByTestId("host-usage")).toHaveTextContent("120 GiB / 500 GiB");

    await pushStats({ kind: "stopped", id: "id-database", service: "database" });
    // The row keeps its usage slot (no layout shift), now empty.
    await waitFor(() => expect(screen.getByTestId("usage-database")).toHaveTextContent("usage —"));
  });
});
