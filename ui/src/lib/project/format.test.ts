import { describe, expect, test } from "vitest";
import type { PortBinding, SelectionReport, ServiceView } from "../bindings";
import { reportDevelopment, reportDevelopmentMultiRegional } from "../../test/fixtures";
import {
  buildLabel,
  bySeverity,
  healthSummary,
  hostPortLabel,
  mountPrivilege,
  otherPrivileges,
  portRows,
  portUrl,
  splitMentions,
  warningCountsText,
} from "./format";

const port = (p: Partial<PortBinding>): PortBinding => ({
  hostIp: null,
  hostPort: 8080,
  hostPortEnd: null,
  containerPort: 80,
  protocol: "tcp",
  variable: null,
  ...p,
});

const service = (name: string): ServiceView => {
  const s = reportDevelopment().services.find((x) => x.name === name);
  if (!s) throw new Error(`no ${name} in the fixture`);
  return s;
};

describe("healthSummary", () => {
  test("CMD-SHELL shows the program and the interval", () => {
    const h = healthSummary({
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"],
      interval: "10s",
      timeout: "5s",
      retries: 5,
      startPeriod: "30s",
      disabled: false,
    });
    expect(h.short).toBe("CMD-SHELL wget … · every 10s");
    expect(h.command).toBe("CMD-SHELL wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1");
    expect(h.timing).toBe("every 10s · timeout 5s · 5 retries · start period 30s");
  });

  test("CMD argv and a probe without interval", () => {
    expect(
      healthSummary({ test: ["CMD", "pg_isready"], interval: null, timeout: null, retries: 1, startPeriod: null, disabled: false })
        .short,
    ).toBe("CMD pg_isready");
  });

  test("NONE or disabled reads as disabled", () => {
    const h = healthSummary({ test: ["NONE"], interval: null, timeout: null, retries: null, startPeriod: null, disabled: false });
    expect(h.disabled).toBe(true);
    expect(h.short).toBe("health check disabled");
  });
});

test("buildLabel shows context, a non-default Dockerfile and the target", () => {
  expect(buildLabel({ context: "./services/gameserver", dockerfile: null, target: "dev", args: [] })).toBe(
    "build ./services/gameserver @dev",
  );
  expect(buildLabel({ context: ".", dockerfile: "Dockerfile", target: null, args: [] })).toBe("build .");
  expect(buildLabel({ context: ".", dockerfile: "docker/Dockerfile.prod", target: "prod", args: [] })).toBe(
    "build . (docker/Dockerfile.prod) @prod",
  );
});

describe("ports", () => {
  test("portUrl: TCP on loopback or all interfaces is localhost; UDP and ephemeral have none", () => {
    expect(portUrl(port({ hostIp: "127.0.0.1", hostPort: 5433 }))).toBe("http://localhost:5433");
    expect(portUrl(port({ hostIp: null, hostPort: 80 }))).toBe("http://localhost:80");
    expect(portUrl(port({ hostIp: "192.168.1.20", hostPort: 80 }))).toBe("http://192.168.1.20:80");
    expect(portUrl(port({ hostIp: "fd00::1", hostPort: 80 }))).toBe("http://[fd00::1]:80");
    expect(portUrl(port({ protocol: "udp" }))).toBeNull();
    expect(portUrl(port({ hostPort: null }))).toBeNull();
  });

  test("hostPortLabel: single, range, ephemeral", () => {
    expect(hostPortLabel(port({ hostPort: 3000 }))).toBe("3000");
    expect(hostPortLabel(port({ hostPort: 8000, hostPortEnd: 8005 }))).toBe("8000-8005");
    expect(hostPortLabel(port({ hostPort: null }))).toBe("ephemeral");
  });

  test("portRows keys rows by service and host port, and finds clashes", () => {
    const rows = portRows(reportDevelopmentMultiRegional());
    const byKey = new Map(rows.map((r) => [r.key, r]));
    expect(byKey.get("database-5433")?.conflictsWith).toEqual(["central-nexus-db"]);
    expect(byKey.get("gameserver-8080")?.conflictsWith).toEqual(["central-nexus-server"]);
    expect(byKey.get("region-manager-8081")?.conflictsWith).toEqual([]);
    expect(byKey.get("database-5433")?.url).toBe("http://localhost:5433");
  });

  test("portRows: different addresses or protocols do not clash; ranges and ephemeral ports do", () => {
    const base = reportDevelopment();
    const report: SelectionReport = {
      ...base,
      services: [
        { ...service("database"), name: "a", ports: [port({ hostIp: "127.0.0.1", hostPort: 53, protocol: "udp" })] },
        { ...service("database"), name: "b", ports: [port({ hostIp: "127.0.0.1", hostPort: 53, protocol: "tcp" })] },
        { ...service("database"), name: "c", ports: [port({ hostIp: "127.0.0.2", hostPort: 53, protocol: "tcp" })] },
        { ...service("database"), name: "d", ports: [port({ hostIp: null, hostPort: 50, hostPortEnd: 60 })] },
        { ...service("database"), name: "e", ports: [port({ hostPort: null })] },
      ],
    };
    const rows = portRows(report);
    expect(rows.map((r) => [r.key, r.conflictsWith])).toEqual([
      ["a-53", []],
      ["b-53", ["d"]],
      ["c-53", ["d"]],
      ["d-50", ["b", "c"]],
      ["e-ephemeral", []],
    ]);
  });
});

test("mountPrivilege ties the Docker socket mount to the service's privilege reason", () => {
  const rm = service("region-manager");
  const socket = rm.mounts.find((m) => m.source === "/var/run/docker.sock");
  const templates = rm.mounts.find((m) => m.source === "./services/region-manager/templates");
  expect(socket && mountPrivilege(socket, rm)).toContain("container engine socket");
  expect(templates && mountPrivilege(templates, rm)).toBeNull();
  expect(otherPrivileges(rm)).toEqual([]);
  expect(otherPrivileges({ ...rm, privileged: [...rm.privileged, "runs privileged: true"] })).toEqual(["runs privileged: true"]);
});

test("warnings group by severity, most severe first, and count", () => {
  const warnings = reportDevelopmentMultiRegional().warnings;
  expect(bySeverity(warnings).map((g) => [g.severity, g.warnings.length])).toEqual([
    ["error", 2],
    ["warning", 1],
    ["info", 1],
  ]);
  expect(warningCountsText(warnings)).toBe("2 errors, 1 warning, 1 note");
  expect(warningCountsText([])).toBe("No problems found");
});

test("splitMentions finds whole service names only", () => {
  const parts = splitMentions("player-client depends on gameserver (service_started); see ./services/gameserver.", [
    "player-client",
    "gameserver",
    "player",
  ]);
  expect(parts).toEqual([
    { text: "player-client", service: "player-client" },
    { text: " depends on " },
    { text: "gameserver", service: "gameserver" },
    { text: " (service_started); see ./services/gameserver." },
  ]);
  expect(splitMentions("redis-cache is up", ["redis"])).toEqual([{ text: "redis-cache is up" }]);
  expect(splitMentions("no services", [])).toEqual([{ text: "no services" }]);
});
