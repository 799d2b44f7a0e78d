// The app against a fake Rust side (mockIPC): start-up, profile toggling, the report's sections, errors,
// the welcome screen and request ordering. Command names and argument shapes are the ones the generated
// bindings send over IPC.

import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "./App.svelte";
import type { SelectionReport, SessionEvent } from "./lib/bindings";
import { appError, channel, deferred, fakeIpc, type Handler } from "./test/ipc";
import {
  ROOT,
  overview,
  reportDevelopment,
  reportDevelopmentMonitoring,
  reportFor,
} from "./test/fixtures";

const OTHER = "/home/ana/src/other-stack";

function startApp(overrides: Record<string, Handler> = {}) {
  let recents = [ROOT, OTHER];
  const ipc = fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => recents,
    forget_recent_project: (args) => {
      recents = recents.filter((d) => d !== args.dir);
      return recents;
    },
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    ...overrides,
  });
  const user = userEvent.setup();
  render(App);
  return { ipc, user };
}

async function servicesCount(): Promise<string> {
  return (await screen.findByTestId("services-count")).textContent?.trim() ?? "";
}

describe("the project's files change on disk", () => {
  test("a change shows without a click; a file that cannot be read says why and keeps what was shown", async () => {
    let push: ((e: SessionEvent) => void) | null = null;
    let services = 7;
    const { ipc } = startApp({
      watch_project: (args) => {
        push = channel<SessionEvent>(args.onEvent);
        return null;
      },
      project_overview: () => ({ ...overview(), name: "renamed-on-disk" }),
      selection_report: (args) => {
        const report = reportFor(args.profiles as string[]);
        return { ...report, services: report.services.slice(0, services) };
      },
    });
    expect(await servicesCount()).toBe("7");
    await waitFor(() => expect(push).not.toBeNull());
    expect(ipc.callsOf("watch_project")).toHaveLength(1);

    services = 6;
    push!({ kind: "projectChanged", generation: 1 });
    await waitFor(() => expect(screen.getByTestId("project-name")).toHaveTextContent("renamed-on-disk"));
    await waitFor(async () => expect(await servicesCount()).toBe("6"));
    expect(ipc.callsOf("project_overview")).toEqual([{ dir: ROOT }]);
    expect(ipc.callsOf("open_project")).toHaveLength(1);

    push!({ kind: "projectInvalid", error: { code: "COMPOSE_INVALID", message: `${ROOT}/docker-compose.yml:3: bad indentation` } });
    expect(await screen.findByText(/bad indentation/)).toBeInTheDocument();
    expect(await servicesCount()).toBe("6");
  });
});

describe("start-up", () => {
  test("opens the start-up project and shows the default selection's report", async () => {
    const { ipc } = startApp();

    expect(await screen.findByTestId("project-name")).toHaveTextContent("sectorwars2102");
    expect(await servicesCount()).toBe("7");
    expect(ipc.callsOf("open_project")).toEqual([{ dir: ROOT }]);
    expect(ipc.callsOf("selection_report")).toEqual([{ dir: ROOT, profiles: ["development"] }]);

    expect(screen.getByTestId("stack-name")).toHaveTextContent("Sectorwars2102");
    expect(screen.getByText(ROOT)).toBeInTheDocument();
    // development brings its extra file with it
    expect(screen.getByTestId("compose-files")).toHaveTextContent("docker-compose.yml + docker-compose.dev.yml");
    for (const name of ["database", "redis-cache", "gameserver", "nginx-gateway", "region-manager", "player-client", "admin-ui"]) {
      expect(screen.getByTestId(`service-row-${name}`)).toBeInTheDocument();
    }
  });

  test("profile chips show pressed state, aliases, descriptions, and templates apart", async () => {
    startApp();
    await servicesCount();

    const dev = screen.getByTestId("profile-chip-development");
    expect(dev.tagName).toBe("BUTTON");
    expect(dev).toHaveAttribute("aria-pressed", "true");
    expect(dev).toHaveTextContent("development");
    expect(dev).toHaveTextContent("also: default");
    expect(dev).toHaveAccessibleDescription(/Local development with hot-reload volumes\./);
    expect(dev).toHaveAttribute("title", expect.stringContaining("Day-to-day work on the game server"));
    expect(screen.getByTestId("profile-chip-monitoring")).toHaveAttribute("aria-pressed", "false");

    // the visible line describes the selected profile until another is hovered or focused
    const info = screen.getByTestId("profile-info");
    expect(info).toHaveTextContent("Local development with hot-reload volumes.");
    expect(info).toHaveTextContent("adds docker-compose.dev.yml");

    const templates = screen.getByRole("group", { name: "Templates" });
    expect(within(templates).getByTestId("profile-chip-regional-template")).toBeInTheDocument();
    expect(within(screen.getByRole("group", { name: "Profiles to start" })).queryByTestId("profile-chip-regional-template")).toBeNull();
    expect(screen.getByTestId("template-description-regional-template")).toHaveTextContent(
      "Templates the region-manager clones to create a region. Not started directly: use the region wizard.",
    );
    expect(screen.getByTestId("always-on")).toHaveTextContent("No always-on services");
  });

  test("focusing a chip shows its description and use case in the visible line", async () => {
    const { user } = startApp();
    await servicesCount();

    await user.hover(screen.getByTestId("profile-chip-multi-regional"));
    const info = screen.getByTestId("profile-info");
    expect(info).toHaveTextContent("The full multi-region topology");
    expect(info).toHaveTextContent("Testing cross-regional features and region provisioning.");
    expect(info).toHaveTextContent("starts 8 services");

    await user.unhover(screen.getByTestId("profile-chip-multi-regional"));
    screen.getByTestId("profile-chip-regional-template").focus();
    await waitFor(() => expect(info).toHaveTextContent("Templates the region-manager clones to create a region."));
    expect(info).toHaveTextContent("not selectable");
  });

  test("with no start-up project, the welcome screen lists recent projects", async () => {
    const { ipc, user } = startApp({ startup_project: () => null });

    const recent = await screen.findAllByTestId("recent-project");
    expect(recent.map((r) => r.textContent)).toEqual([expect.stringContaining(ROOT), expect.stringContaining(OTHER)]);
    expect(screen.getByTestId("open-project")).toHaveTextContent("Open project folder…");
    expect(ipc.callsOf("open_project")).toEqual([]);

    await user.click(screen.getByRole("button", { name: `Open ${ROOT}` }));
    expect(await screen.findByTestId("project-name")).toHaveTextContent("sectorwars2102");
    expect(ipc.callsOf("open_project")).toEqual([{ dir: ROOT }]);
  });

  test("a recent project can be removed from the welcome screen", async () => {
    const { ipc, user } = startApp({ startup_project: () => null });
    await screen.findAllByTestId("recent-project");

    await user.click(screen.getByRole("button", { name: `Remove ${OTHER} from recent projects` }));

    await waitFor(() => expect(screen.getAllByTestId("recent-project")).toHaveLength(1));
    expect(ipc.callsOf("forget_recent_project")).toEqual([{ dir: OTHER }]);
    expect(screen.queryByText(OTHER)).toBeNull();
  });

  test("Open project folder… asks for a directory and opens it", async () => {
    const { ipc, user } = startApp({
      startup_project: () => null,
      "plugin:dialog|open": () => ROOT,
    });
    await screen.findAllByTestId("recent-project");

    await user.click(screen.getByTestId("open-project"));

    expect(await screen.findByTestId("project-name")).toHaveTextContent("sectorwars2102");
    expect(ipc.callsOf("plugin:dialog|open")).toEqual([{ options: expect.objectContaining({ directory: true }) }]);
    expect(ipc.callsOf("open_project")).toEqual([{ dir: ROOT }]);
  });

  test("a project that cannot be opened shows the error on the welcome screen, and Retry tries again", async () => {
    let fail = true;
    const { ipc, user } = startApp({
      open_project: () => (fail ? appError("PROJECT_NOT_FOUND", `${ROOT}: no docker-compose.yml here`) : overview()),
    });

    const panel = await screen.findByTestId("error-panel");
    expect(panel).toHaveTextContent("Project not found");
    expect(panel).toHaveTextContent(`${ROOT}: no docker-compose.yml here`);
    expect(panel).toHaveAttribute("data-code", "PROJECT_NOT_FOUND");
    expect(screen.getAllByTestId("recent-project")).toHaveLength(2);

    fail = false;
    await user.click(within(panel).getByRole("button", { name: /Retry/ }));
    expect(await screen.findByTestId("project-name")).toHaveTextContent("sectorwars2102");
    expect(screen.queryByTestId("error-panel")).toBeNull();
    expect(ipc.callsOf("open_project")).toHaveLength(2);
  });
});

describe("profile selection", () => {
  test("toggling a chip requests the new selection and renders its services", async () => {
    const { ipc, user } = startApp();
    await servicesCount();
    expect(screen.queryByTestId("service-row-prometheus")).toBeNull();

    await user.click(screen.getByTestId("profile-chip-monitoring"));

    expect(await screen.findByTestId("service-row-prometheus")).toBeInTheDocument();
    expect(screen.getByTestId("service-row-grafana")).toBeInTheDocument();
    expect(screen.getByTestId("services-count")).toHaveTextContent("9");
    expect(screen.getByTestId("profile-chip-monitoring")).toHaveAttribute("aria-pressed", "true");
    expect(ipc.callsOf("selection_report").at(-1)).toEqual({ dir: ROOT, profiles: ["development", "monitoring"] });

    await user.click(screen.getByTestId("profile-chip-development"));
    expect(ipc.callsOf("selection_report").at(-1)).toEqual({ dir: ROOT, profiles: ["monitoring"] });
    expect(screen.getByTestId("profile-chip-development")).toHaveAttribute("aria-pressed", "false");
  });

  test("chips toggle from the keyboard", async () => {
    const { ipc, user } = startApp();
    await servicesCount();

    screen.getByTestId("profile-chip-monitoring").focus();
    await user.keyboard(" ");
    await waitFor(() => expect(screen.getByTestId("services-count")).toHaveTextContent("9"));
    await user.keyboard("{Enter}");
    await waitFor(() => expect(screen.getByTestId("services-count")).toHaveTextContent("7"));
    expect(ipc.callsOf("selection_report").map((a) => a.profiles)).toEqual([
      ["development"],
      ["development", "monitoring"],
      ["development"],
    ]);
  });

  test("a template chip cannot be toggled", async () => {
    const { ipc, user } = startApp();
    await servicesCount();
    const chip = screen.getByTestId("profile-chip-regional-template");

    expect(chip).toHaveAttribute("aria-disabled", "true");
    expect(chip).toHaveAttribute("aria-pressed", "false");
    expect(chip).toHaveTextContent("template");

    await user.click(chip);
    chip.focus();
    await user.keyboard(" ");

    expect(chip).toHaveAttribute("aria-pressed", "false");
    expect(ipc.callsOf("selection_report")).toHaveLength(1);
    expect(screen.getByTestId("services-count")).toHaveTextContent("7");
  });

  test("a slow earlier report does not overwrite a newer one", async () => {
    const slow = deferred<SelectionReport>();
    const { ipc, user } = startApp({
      selection_report: (args) => {
        const profiles = args.profiles as string[];
        return profiles.includes("monitoring") ? slow.promise : reportFor(profiles);
      },
    });
    await servicesCount();

    await user.click(screen.getByTestId("profile-chip-monitoring")); // slow: development + monitoring
    await user.click(screen.getByTestId("profile-chip-monitoring")); // fast: development again
    await waitFor(() => expect(ipc.callsOf("selection_report")).toHaveLength(3));

    slow.resolve(reportDevelopmentMonitoring());
    await slow.promise;
    await new Promise((r) => setTimeout(r, 0));

    expect(screen.getByTestId("services-count")).toHaveTextContent("7");
    expect(screen.queryByTestId("service-row-prometheus")).toBeNull();
    expect(screen.getByTestId("profile-chip-monitoring")).toHaveAttribute("aria-pressed", "false");
    expect(screen.getByRole("main", { name: "Overview" })).toHaveAttribute("aria-busy", "false");
  });

  test("Reload reads the project again and keeps the selection", async () => {
    const { ipc, user } = startApp();
    await servicesCount();
    await user.click(screen.getByTestId("profile-chip-monitoring"));
    await screen.findByTestId("service-row-grafana");

    await user.click(screen.getByRole("button", { name: "Reload" }));

    await waitFor(() => expect(ipc.callsOf("open_project")).toHaveLength(2));
    await waitFor(() =>
      expect(ipc.callsOf("selection_report").at(-1)).toEqual({ dir: ROOT, profiles: ["development", "monitoring"] }),
    );
    expect(screen.getByTestId("profile-chip-monitoring")).toHaveAttribute("aria-pressed", "true");
  });
});

describe("selection edge cases", () => {
  test("an empty selection is allowed and its warning shows", async () => {
    const { ipc, user } = startApp();
    await servicesCount();

    await user.click(screen.getByTestId("profile-chip-development"));

    await waitFor(() => expect(screen.getByTestId("services-count")).toHaveTextContent("0"));
    expect(ipc.callsOf("selection_report").at(-1)).toEqual({ dir: ROOT, profiles: [] });
    expect(screen.getByTestId("warning-EMPTY_SELECTION")).toHaveTextContent("Fix: Select a profile.");
    expect(screen.getByText("No services: select a profile above.")).toBeInTheDocument();
    expect(screen.getByText("This selection publishes no ports.")).toBeInTheDocument();
  });

  test("services without a profile are noted as always on", async () => {
    startApp({
      open_project: () => ({ ...overview(), alwaysOn: ["docs"] }),
      selection_report: () => {
        const r = reportDevelopment();
        const docs = { ...r.services[0]!, name: "docs", profiles: [], ports: [], containerName: null, dependsOn: [] };
        return { ...r, services: [...r.services, docs] };
      },
    });
    await waitFor(async () => expect(await servicesCount()).toBe("8"));

    expect(screen.getByTestId("always-on")).toHaveTextContent("Always on (no profile): docs");
    const docs = screen.getByTestId("service-row-docs");
    expect(docs).toHaveTextContent("always on");
    expect(docs).toHaveTextContent("generated name");
    expect(screen.getByTestId("service-row-database")).not.toHaveTextContent("always on");
  });

  test("Ctrl+O opens the folder picker", async () => {
    const { ipc, user } = startApp({ startup_project: () => null, "plugin:dialog|open": () => null });
    await screen.findAllByTestId("recent-project");

    await user.keyboard("{Control>}o{/Control}");

    await waitFor(() => expect(ipc.callsOf("plugin:dialog|open")).toHaveLength(1));
    expect(ipc.callsOf("open_project")).toEqual([]);
  });
});

describe("report", () => {
  test("warnings come grouped by severity, with their hints and a count", async () => {
    const { user } = startApp();
    await servicesCount();

    await user.click(screen.getByTestId("profile-chip-development"));
    await user.click(screen.getByTestId("profile-chip-multi-regional"));
    await waitFor(() => expect(screen.getByTestId("services-count")).toHaveTextContent("8"));

    const dangling = screen.getAllByTestId("warning-DANGLING_DEPENDS_ON");
    expect(dangling).toHaveLength(5);
    expect(dangling[0]).toHaveTextContent("player-client depends on gameserver (service_started)");
    expect(dangling[0]).toHaveTextContent(/Fix: Also select a profile that starts gameserver/);
    expect(within(dangling[0]!).getByRole("img", { name: "Error" })).toBeInTheDocument();
    // services named in the message link to their rows; one left out of the selection is not a link
    expect(within(dangling[0]!).getByRole("link", { name: "player-client" })).toHaveAttribute("href", "#service-player-client");
    expect(within(dangling[0]!).queryByRole("link", { name: "gameserver" })).toBeNull();
    expect(within(dangling[0]!).getByTitle("Not in this selection")).toHaveTextContent("gameserver");
    expect(screen.getByTestId("error-count")).toHaveTextContent("5 errors");
    expect(screen.getByTestId("problem-counts")).toHaveTextContent("5 errors, 1 warning, 1 note");
    expect(screen.getByRole("heading", { name: /^Errors 5$/ })).toBeInTheDocument();

    // errors are listed before warnings and notes
    const codes = [...document.querySelectorAll("[data-testid^='warning-']")]
      .map((el) => el.getAttribute("data-testid"));
    expect(codes.slice(0, 5).every((c) => c === "warning-DANGLING_DEPENDS_ON")).toBe(true);
    expect(codes.slice(5)).toEqual(["warning-UNSET_VARIABLE", "warning-PRIVILEGED_MOUNT"]);

    // the dependency that is not in the selection is marked on the service's row
    const playerClient = screen.getByTestId("service-row-player-client");
    expect(within(playerClient).getByTestId("dangling-player-client-gameserver")).toHaveTextContent("gameserver started · not selected");
  });

  test("long variable lists are shortened and can be expanded", async () => {
    const { user } = startApp();
    await servicesCount();
    const unset = screen.getByTestId("warning-UNSET_VARIABLE");
    expect(unset).toHaveTextContent("Fix: Set them in .env (or as secrets) before starting.");
    expect(within(unset).getByText("DATABASE_URL")).toBeInTheDocument();
    expect(within(unset).queryByText("PAYPAL_CLIENT_ID")).toBeNull();

    await user.click(within(unset).getByRole("button", { name: "+8 more" }));
    expect(within(unset).getByText("PAYPAL_CLIENT_ID")).toBeInTheDocument();
  });

  test("the port map shows each published port, its URL and the variable that sets it", async () => {
    const { ipc, user } = startApp();
    await servicesCount();

    const db = screen.getByTestId("port-row-database-5433");
    expect(db).toHaveTextContent("127.0.0.1");
    expect(db).toHaveTextContent("5432/tcp");
    expect(db).toHaveTextContent("set by DB_PORT");
    // A database port is no web page: no link.
    expect(db).toHaveTextContent("5433/tcp");
    expect(within(db).queryByRole("link", { name: /localhost/ })).toBeNull();
    // An HTTP service's port is a link, opened in the browser through the backend (open_link checks it).
    const game = screen.getByTestId("port-row-gameserver-8080");
    const link = within(game).getByRole("link", { name: "http://localhost:8080" });
    expect(link).toHaveAttribute("href", "http://localhost:8080");
    ipc.set("open_link", () => null);
    await user.click(link);
    await waitFor(() => expect(ipc.callsOf("open_link")).toEqual([expect.objectContaining({ url: "http://localhost:8080" })]));

    expect(screen.getByTestId("port-row-region-manager-8081")).toHaveTextContent("set by REGION_MANAGER_PORT");
    expect(screen.getByTestId("port-row-nginx-gateway-80")).toHaveTextContent("set by HTTP_PORT");
    expect(screen.getByTestId("port-row-nginx-gateway-443")).toHaveTextContent("set by HTTPS_PORT");
  });

  test("port clashes are marked on both rows", async () => {
    const { user } = startApp();
    await servicesCount();
    await user.click(screen.getByTestId("profile-chip-multi-regional"));
    await waitFor(() => expect(screen.getByTestId("services-count")).toHaveTextContent("10"));

    expect(screen.getAllByTestId("warning-PORT_CONFLICT")).toHaveLength(2);
    expect(screen.getByTestId("port-row-database-5433")).toHaveTextContent("clashes with central-nexus-db");
    expect(screen.getByTestId("port-row-central-nexus-db-5433")).toHaveTextContent("clashes with database");
    expect(screen.getByTestId("port-row-redis-cache-6379")).not.toHaveTextContent("clashes");
  });

  test("service rows summarise image or build, health check, dependencies, networks and mounts", async () => {
    startApp();
    await servicesCount();

    const db = screen.getByTestId("service-row-database");
    expect(db).toHaveTextContent("postgres:15-alpine");
    expect(db).toHaveTextContent("sectorwars-database");
    expect(db).toHaveTextContent("CMD-SHELL pg_isready … · every 10s");
    expect(db).toHaveTextContent("sectorwars-network");
    expect(db).toHaveTextContent("2 volumes, 2 binds");

    const game = screen.getByTestId("service-row-gameserver");
    expect(game).toHaveTextContent("build ./services/gameserver @dev");
    expect(within(game).getByRole("link", { name: /database healthy/ })).toHaveAttribute("href", "#service-database");

    const rm = screen.getByTestId("service-row-region-manager");
    expect(rm).toHaveTextContent("(1 ro)");
    expect(within(rm).getByTitle(/container engine socket/)).toHaveTextContent("docker.sock");
  });

  test("expanding a row shows mounts and environment; secrets stay masked", async () => {
    const { user } = startApp();
    await servicesCount();

    const rm = screen.getByTestId("service-row-region-manager");
    const toggle = within(rm).getByRole("button", { name: "region-manager" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(within(rm).queryByRole("table", { name: "Environment of region-manager" })).toBeNull();

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");

    const mounts = within(rm).getByRole("table", { name: "Mounts of region-manager" });
    const socket = within(mounts).getAllByRole("row").find((r) => r.textContent?.includes("/var/run/docker.sock"));
    expect(socket).toHaveTextContent("ro");
    expect(socket).toHaveTextContent("privileged");

    const env = within(rm).getByRole("table", { name: "Environment of region-manager" });
    const dbUrl = within(env).getByTestId("env-DATABASE_URL");
    expect(dbUrl).toHaveTextContent("••••••");
    expect(within(dbUrl).getByRole("img", { name: "Secret, masked" })).toBeInTheDocument();
    expect(within(env).getByTestId("env-REDIS_URL")).toHaveTextContent("redis://:••••••@redis-cache:6379/1");
    expect(within(env).getByTestId("env-DOCKER_HOST")).toHaveTextContent("unix:///var/run/docker.sock");
    expect(within(env).getByTestId("env-JWT_SECRET")).toHaveTextContent("empty");
    // there is no way to reveal a masked value
    expect(within(dbUrl).queryByRole("button")).toBeNull();
  });

  test("the default database password never reaches the page", async () => {
    const { user } = startApp();
    await servicesCount();
    await user.click(screen.getByRole("button", { name: "Expand all" }));

    const db = screen.getByTestId("service-row-database");
    expect(within(db).getByTestId("env-POSTGRES_PASSWORD")).toHaveTextContent("••••••");
    expect(document.body.textContent).not.toContain("dev_only_not_for_production");
    expect(screen.getByRole("button", { name: "Collapse all" })).toBeInTheDocument();
  });

  test("networks and volumes list driver, subnets and services", async () => {
    const { user } = startApp();
    await servicesCount();
    await user.click(screen.getByTestId("profile-chip-multi-regional"));
    await waitFor(() => expect(screen.getByTestId("services-count")).toHaveTextContent("10"));

    const nexus = screen.getByTestId("network-row-nexus-network");
    expect(nexus).toHaveTextContent("bridge");
    expect(nexus).toHaveTextContent("172.20.0.0/16");
    expect(nexus).toHaveTextContent("sectorwars2102_nexus-network");
    expect(nexus).toHaveTextContent("central-nexus-db");

    const pg = screen.getByTestId("volume-row-postgres_data");
    expect(pg).toHaveTextContent("local");
    expect(pg).toHaveTextContent("database");
  });
});

describe("errors", () => {
  test("a failed report shows the error panel and keeps the last good report", async () => {
    let broken = false;
    const { ipc, user } = startApp({
      selection_report: (args) =>
        broken
          ? appError("COMPOSE_INVALID", "docker-compose.yml:12: services.gameserver.ports[0]: invalid port \"80a\"")
          : reportFor(args.profiles as string[]),
    });
    await servicesCount();

    broken = true;
    await user.click(screen.getByTestId("profile-chip-monitoring"));

    const panel = await screen.findByTestId("error-panel");
    expect(panel).toHaveAttribute("role", "alert");
    expect(panel).toHaveTextContent("The Compose file is invalid");
    expect(panel).toHaveTextContent('docker-compose.yml:12: services.gameserver.ports[0]: invalid port "80a"');
    expect(panel).toHaveTextContent("COMPOSE_INVALID");
    expect(panel).toHaveTextContent("Still showing the last good report, for development.");
    // the previous report is still there
    expect(screen.getByTestId("services-count")).toHaveTextContent("7");
    expect(screen.getByTestId("service-row-gameserver")).toBeInTheDocument();

    broken = false;
    await user.click(within(panel).getByRole("button", { name: /Retry/ }));
    await waitFor(() => expect(screen.queryByTestId("error-panel")).toBeNull());
    expect(screen.getByTestId("services-count")).toHaveTextContent("9");
    expect(ipc.callsOf("selection_report").at(-1)).toEqual({ dir: ROOT, profiles: ["development", "monitoring"] });
  });

  test("a failure below the AppError level still shows a panel", async () => {
    startApp({
      selection_report: () => {
        throw "Command selection_report not allowed by ACL";
      },
    });

    const panel = await screen.findByTestId("error-panel");
    expect(panel).toHaveAttribute("data-code", "IPC");
    expect(panel).toHaveTextContent("Command selection_report not allowed by ACL");
  });

  test("opening another project that fails keeps the current one", async () => {
    const { user } = startApp({
      open_project: (args) =>
        args.dir === OTHER ? appError("DESCRIPTOR_INVALID", ".dockmaster.toml:3: unknown key `profile`") : overview(),
    });
    await servicesCount();

    await user.click(screen.getByTestId("recent-projects"));
    await user.click(screen.getByRole("button", { name: `Open ${OTHER}` }));

    const panel = await screen.findByTestId("error-panel");
    expect(panel).toHaveTextContent("The stack descriptor is invalid");
    expect(panel).toHaveTextContent(`While opening ${OTHER}.`);
    expect(screen.getByTestId("project-name")).toHaveTextContent("sectorwars2102");
    expect(screen.getByTestId("services-count")).toHaveTextContent("7");

    await user.click(within(panel).getByRole("button", { name: "Dismiss error" }));
    expect(screen.queryByTestId("error-panel")).toBeNull();
  });
});

describe("recent projects menu", () => {
  test("lists recents, marks the open one, closes on Escape", async () => {
    const { user } = startApp();
    await servicesCount();
    const trigger = screen.getByTestId("recent-projects");
    expect(trigger).toHaveAttribute("aria-expanded", "false");

    await user.click(trigger);
    expect(trigger).toHaveAttribute("aria-expanded", "true");
    const current = screen.getByRole("button", { name: `Open ${ROOT}` });
    expect(current).toHaveAttribute("aria-current", "true");
    expect(current).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("button", { name: `Open ${OTHER}` })).toHaveFocus();

    await user.keyboard("{Escape}");
    expect(trigger).toHaveAttribute("aria-expanded", "false");
    expect(trigger).toHaveFocus();
    expect(screen.queryByRole("button", { name: `Open ${OTHER}` })).toBeNull();
  });

  test("opening a recent project switches to it", async () => {
    const otherOverview = { ...overview(), root: OTHER, name: "other-stack", stack: null, defaultSelection: ["monitoring"] };
    const { ipc, user } = startApp({
      open_project: (args) => (args.dir === OTHER ? otherOverview : overview()),
      selection_report: (args) => (args.dir === OTHER ? reportFor(["development", "monitoring"]) : reportDevelopment()),
    });
    await servicesCount();

    await user.click(screen.getByTestId("recent-projects"));
    await user.click(screen.getByRole("button", { name: `Open ${OTHER}` }));

    await waitFor(() => expect(screen.getByTestId("project-name")).toHaveTextContent("other-stack"));
    expect(screen.queryByTestId("stack-name")).toBeNull();
    expect(ipc.callsOf("selection_report").at(-1)).toEqual({ dir: OTHER, profiles: ["monitoring"] });
    expect(screen.getByTestId("profile-chip-monitoring")).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("profile-chip-development")).toHaveAttribute("aria-pressed", "false");
  });
});
