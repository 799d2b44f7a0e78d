// The network picture's layout rules and the subnet overlap check, then the picture in the whole app: the
// multi-regional selection's gateway on all three bands, live state on the boxes, a click opening the row; a
// region's own band with the subnet its engine gave it (red when it overlaps the stack's), its column opening
// the Regions page on it by click and by keyboard.
import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, test, vi } from "vitest";
import type { NetworkView, RegionNetwork, RegionStatus, ServiceView } from "../bindings";
import { ROOT, reportFor } from "../../test/fixtures";
import { startApp } from "../../test/app";
import { container, service, snapshot, snapshotUpdate } from "../../test/engine";
import { listed, regionList } from "../regions/fixtures";
import { bandLabel, COLUMN, LABEL_WIDTH, layoutNetworkMap, regionBandNetworks, subnetsOverlap } from "./networkMap";

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

  test("a region's own network takes the driver and subnets its engine gave it; one overlapping a stack subnet marks both", () => {
    const region: RegionStatus = {
      name: "eu",
      state: "running",
      health: "healthy",
      restartCount: 0,
      exitCode: null,
      ports: [],
      containers: [
        { ...container("server", { networks: ["p_b", "region-eu-net"] }), region: "eu" },
        { ...container("db", { networks: ["region-eu-net", "region-eu-back"] }), region: "eu" },
      ],
    };
    const services = [svc("hub", ["a", "b"])];
    const networks = [network("a", ["10.1.0.0/16"]), network("b")];
    const unread = layoutNetworkMap(services, networks, [region]);
    expect(regionBandNetworks(unread)).toEqual(["region-eu-back", "region-eu-net"]);
    expect(unread.bands.map((b) => [b.name, b.unread, b.subnets])).toEqual([
      ["a", false, ["10.1.0.0/16"]],
      ["b", false, []],
      ["region:eu:region-eu-net", true, []],
      ["region:eu:region-eu-back", true, []],
    ]);
    const told: RegionNetwork[] = [
      { name: "region-eu-net", regions: ["eu"], driver: "bridge", subnets: ["10.1.5.0/24"] },
      { name: "region-eu-back", regions: ["eu"], driver: "macvlan", subnets: ["192.168.77.0/24", "fd00:77::/64"] },
      // A stack network the engine also reports keeps the Compose file's facts.
      { name: "p_b", regions: ["eu"], driver: "overlay", subnets: ["10.1.9.0/24"] },
    ];
    const map = layoutNetworkMap(services, networks, [region], told);
    expect(map.bands.map((b) => [b.name, b.driver, b.subnets, b.unread, b.overlaps])).toEqual([
      ["a", "bridge", ["10.1.0.0/16"], false, ["region:eu:region-eu-net"]],
      ["b", "bridge", [], false, []],
      ["region:eu:region-eu-net", "bridge", ["10.1.5.0/24"], false, ["a"]],
      ["region:eu:region-eu-back", "macvlan", ["192.168.77.0/24", "fd00:77::/64"], false, []],
    ]);
    expect(map.bands.map(bandLabel)).toEqual(["a", "b", "region-eu-net", "region-eu-back"]);
    expect(map.nodes.map((n) => [n.name, n.joins])).toEqual([
      ["hub", [0, 1]],
      ["eu/db", [2, 3]],
      ["eu/server", [1, 2]],
    ]);
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

test("a region's own band shows its engine's subnet, red over the stack's; its column opens the Regions page on it", async () => {
  const told: RegionNetwork[] = [{ name: "region-alpha-net", regions: ["alpha"], driver: "bridge", subnets: ["172.20.9.0/24"] }];
  const { user, push, ipc } = startApp({ region_list: () => listed(regionList()), region_networks: () => told });
  await user.click(await screen.findByTestId("profile-chip-multi-regional"));
  await screen.findByTestId("map-node-nginx-gateway");
  const live = snapshot([service("nginx-gateway")]);
  live.regions = [
    {
      name: "alpha",
      state: "running",
      health: "healthy",
      restartCount: 0,
      exitCode: null,
      ports: [],
      containers: [{ ...container("server", { networks: ["region-alpha-net", "sectorwars2102_regional-network"] }), region: "alpha" }],
    },
  ];
  await push(snapshotUpdate(live));
  const band = await screen.findByTestId("map-band-region:alpha:region-alpha-net");
  await waitFor(() => expect(band.textContent).toMatch(/region-alpha-net\s*bridge · 172\.20\.9\.0\/24/));
  expect(ipc.callsOf("region_networks")).toEqual([{ dir: ROOT }]);
  // 172.20.9.0/24 lies in nexus-network's 172.20.0.0/16: both bands red, each naming the other by what it shows.
  expect(band.getAttribute("class")).toContain("overlap");
  expect(band.querySelector("title")?.textContent).toMatch(/^Region alpha's own network .*\nIts subnet overlaps nexus-network:/);
  const nexus = screen.getByTestId("map-band-nexus-network");
  expect(nexus.getAttribute("class")).toContain("overlap");
  expect(nexus.querySelector("title")?.textContent).toMatch(/^Its subnet overlaps region-alpha-net:/);

  // The region's column is a button like a service's: a click opens the Regions page with its row highlighted.
  const node = screen.getByTestId("map-node-alpha/server");
  expect(node).toHaveAttribute("role", "button");
  expect(node).toHaveAttribute("tabindex", "0");
  await user.click(node);
  const row = await screen.findByTestId("region-row-alpha");
  await waitFor(() => expect(row.className).toContain("highlighted"));
  expect(row).toHaveAttribute("aria-current", "true");
  await waitFor(() => expect(document.activeElement).toBe(row));
  expect(screen.getByTestId("region-row-beta").className).not.toContain("highlighted");

  // By keyboard: Tab from the last service's column reaches the region's, Enter opens the page the same way.
  await user.click(screen.getByRole("link", { name: "Overview" }));
  await screen.findByTestId("map-node-alpha/server");
  const columns = [...document.querySelectorAll<HTMLElement>('[data-testid^="map-node-"]')];
  const at = columns.findIndex((c) => c.dataset.testid === "map-node-alpha/server");
  expect(at).toBeGreaterThan(0);
  columns[at - 1].focus();
  await user.tab();
  expect(document.activeElement).toBe(screen.getByTestId("map-node-alpha/server"));
  await user.keyboard("{Enter}");
  await waitFor(() => expect(screen.getByTestId("region-row-alpha").getAttribute("aria-current")).toBe("true"));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("region-row-alpha")));
});
