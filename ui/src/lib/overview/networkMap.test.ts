// The network picture's layout rules and the subnet overlap check, then the picture in the whole app: the
// multi-regional selection's gateway on all three bands, live state on the boxes, a click opening the row.
import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, test, vi } from "vitest";
import type { NetworkView, RegionStatus, ServiceView } from "../bindings";
import { reportFor } from "../../test/fixtures";
import { startApp } from "../../test/app";
import { container, service, snapshot, snapshotUpdate } from "../../test/engine";
import { COLUMN, LABEL_WIDTH, layoutNetworkMap, subnetsOverlap } from "./networkMap";

function network(name: string, subnets: string[] = [], services: string[] = []): NetworkView {
  return { name, engineName: `p_${name}`, driver: "bridge", subnets, external: false, services };
}

function svc(name: string, networks: string[], ports: [number | null, number][] = []): ServiceView {
  const base = reportFor(["development"]).services[0];
  return {
    ...base,
    name,
    networks,
    ports: ports.map(([hostPort, containerPort]) => ({
      hostIp: null,
      hostPort,
      hostPortEnd: null,
      containerPort,
      protocol: "tcp",
      variable: null,
    })),
  };
}

describe("layout", () => {
  test("a service joins every band it is on; bridges come first within their first band", () => {
    const map = layoutNetworkMap(
      [svc("db", ["a"]), svc("gateway", ["a", "b", "c"], [[80, 80]]), svc("cache", ["a", "b"]), svc("hub", ["b", "c"])],
      [network("a"), network("b", ["172.20.0.0/16"]), network("c", ["172.21.0.0/16"])],
    );
    expect(map.bands.map((b) => b.name)).toEqual(["a", "b", "c"]);
    expect(map.nodes.map((n) => [n.name, n.joins])).toEqual([
      ["gateway", [0, 1, 2]],
      ["cache", [0, 1]],
      ["db", [0]],
      ["hub", [1, 2]],
    ]);
    expect(map.nodes[0].ports).toEqual(["80→80/tcp"]);
    expect(map.nodes[0].hostPorts).toBe(":80");
    expect(map.nodes.find((n) => n.name === "db")?.hostPorts).toBe("");
    expect(map.nodes[0].x).toBe(LABEL_WIDTH + COLUMN / 2);
    expect(map.width).toBe(LABEL_WIDTH + 4 * COLUMN);
    expect(map.bands.every((b) => b.overlaps.length === 0)).toBe(true);
  });

  test("services that name no network are on Compose's implicit default band", () => {
    const map = layoutNetworkMap([svc("web", []), svc("db", ["back"])], [network("back")]);
    expect(map.bands.map((b) => [b.name, b.implicit])).toEqual([
      ["back", false],
      ["default", true],
    ]);
    expect(map.nodes.find((n) => n.name === "web")?.joins).toEqual([1]);
  });

  test("overlapping subnets mark both bands with each other's name", () => {
    const map = layoutNetworkMap(
      [svc("x", ["one"])],
      [network("one", ["10.1.0.0/16"]), network("two", ["10.1.128.0/17"]), network("three", ["10.2.0.0/16"])],
    );
    expect(map.bands.map((b) => [b.name, b.overlaps])).toEqual([
      ["one", ["two"]],
      ["two", ["one"]],
      ["three", []],
    ]);
  });

  test("a region's containers join the stack bands they are on and the region's own network, drawn as a band of its own", () => {
    const region: RegionStatus = {
      name: "eu",
      state: "running",
      health: "healthy",
      restartCount: 0,
      exitCode: null,
      ports: [],
      containers: [
        { ...container("server", { networks: ["p_b", "region-eu-net"], ports: [{ containerPort: 8080, protocol: "tcp", hostIp: "0.0.0.0", hostPort: 9101 }] }), region: "eu" },
        { ...container("db", { networks: ["region-eu-net"] }), region: "eu" },
      ],
    };
    const map = layoutNetworkMap([svc("hub", ["a", "b"])], [network("a"), network("b")], [region]);
    expect(map.bands.map((b) => [b.name, b.engineName, b.region])).toEqual([
      ["a", "p_a", null],
      ["b", "p_b", null],
      ["region:eu:region-eu-net", "region-eu-net", "eu"],
    ]);
    expect(map.nodes.map((n) => [n.name, n.region, n.joins])).toEqual([
      ["hub", null, [0, 1]],
      ["eu/db", "eu", [2]],
      ["eu/server", "eu", [1, 2]],
    ]);
    expect(map.nodes[2].hostPorts).toBe(":9101");
    expect(map.nodes[2].ports).toEqual(["9101→8080/tcp"]);
    expect(map.width).toBe(LABEL_WIDTH + 3 * COLUMN);
  });

  test("subnet overlap: IPv4 and IPv6 prefixes, families apart, nonsense never overlaps", () => {
    expect(subnetsOverlap("172.20.0.0/16", "172.20.5.0/24")).toBe(true);
    expect(subnetsOverlap("172.20.0.0/16", "172.21.0.0/16")).toBe(false);
    expect(subnetsOverlap("10.0.0.0/8", "10.255.255.255/32")).toBe(true);
    expect(subnetsOverlap("0.0.0.0/0", "192.168.1.0/24")).toBe(true);
    expect(subnetsOverlap("fd00::/64", "fd00::1:0/112")).toBe(true);
    expect(subnetsOverlap("fd00::/64", "fd00:0:0:1::/64")).toBe(false);
    expect(subnetsOverlap("fd00::/8", "10.0.0.0/8")).toBe(false);
    expect(subnetsOverlap("300.1.1.1/8", "10.0.0.0/8")).toBe(false);
    expect(subnetsOverlap("10.0.0.0/33", "10.0.0.0/8")).toBe(false);
    expect(subnetsOverlap("not-a-subnet", "10.0.0.0/8")).toBe(false);
  });
});

test("the multi-regional picture: the gateway on all three bands, live state on the boxes, a click opens the row", async () => {
  // jsdom has no layout, so no scrollIntoView: record which element is brought into view.
  const scrolled: string[] = [];
  const scroll = vi.fn(function (this: Element) {
    scrolled.push(this.id);
  });
  Element.prototype.scrollIntoView = scroll;
  const { user, push } = startApp();
  await user.click(await screen.findByTestId("profile-chip-multi-regional"));
  const gateway = await screen.findByTestId("map-node-nginx-gateway");
  expect(gateway.dataset.joins).toBe("sectorwars-network nexus-network regional-network");
  expect(screen.getByTestId("map-node-redis-cache").dataset.joins).toBe("sectorwars-network nexus-network");
  expect(within(screen.getByTestId("map-band-nexus-network")).getByText(/172\.20\.0\.0\/16/)).toBeInTheDocument();
  await push(snapshotUpdate(snapshot([service("nginx-gateway", { health: "unhealthy" })])));
  await waitFor(() => expect(screen.getByTestId("map-node-nginx-gateway").getAttribute("class")).toContain("tone-bad"));
  expect(screen.getByTestId("map-node-nginx-gateway").getAttribute("aria-label")).toMatch(/^nginx-gateway: running · unhealthy, on /);
  await user.click(screen.getByTestId("map-node-nginx-gateway"));
  await waitFor(() => expect(screen.getByTestId("service-row-nginx-gateway").className).toContain("expanded"));
  await waitFor(() => expect(scrolled).toEqual(["service-nginx-gateway"]));
  // @ts-expect-error: jsdom's Element has no scrollIntoView of its own to put back.
  delete Element.prototype.scrollIntoView;
});

test("a region on the project's engine: its network a band, its containers on the regional band and its own, tinted live", async () => {
  const { user, push } = startApp();
  await user.click(await screen.findByTestId("profile-chip-multi-regional"));
  await screen.findByTestId("map-node-nginx-gateway");
  const live = snapshot([service("nginx-gateway")]);
  live.regions = [
    {
      name: "eu",
      state: "running",
      health: "unhealthy",
      restartCount: 0,
      exitCode: null,
      ports: [],
      containers: [
        { ...container("server", { health: "unhealthy", networks: ["region-eu-net", "sectorwars2102_regional-network"] }), region: "eu" },
        { ...container("db", { networks: ["region-eu-net"] }), region: "eu" },
      ],
    },
  ];
  await push(snapshotUpdate(live));
  const band = await screen.findByTestId("map-band-region:eu:region-eu-net");
  expect(band.textContent).toMatch(/region-eu-net/);
  expect(band.textContent).toMatch(/region eu's network/);
  const server = screen.getByTestId("map-node-eu/server");
  expect(server.dataset.joins).toBe("regional-network region:eu:region-eu-net");
  expect(server.getAttribute("class")).toContain("tone-bad");
  expect(server.getAttribute("aria-label")).toBe("region eu's eu/server: running · unhealthy, on regional-network, region-eu-net");
  expect(screen.getByTestId("map-node-eu/db").dataset.joins).toBe("region:eu:region-eu-net");
  // Every shape of a column is an SVG element (an HTML `rect` or `text` would not be drawn at all).
  const SVG = "http://www.w3.org/2000/svg";
  for (const node of [server, screen.getByTestId("map-node-nginx-gateway")]) {
    const shapes = [...node.querySelectorAll("title, line, circle, rect, text")];
    expect(shapes.map((e) => e.localName)).toEqual(expect.arrayContaining(["line", "circle", "rect", "text"]));
    expect(shapes.filter((e) => e.namespaceURI !== SVG).map((e) => e.localName)).toEqual([]);
  }
});
