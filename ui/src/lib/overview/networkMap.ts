// The network picture's layout, pure so every rule is a unit test: the selection's networks as horizontal
// bands (driver and subnets on the left), each service as a column whose stem crosses the bands and is joined
// to every network it is on (so a gateway on three networks and a cache straddling two read at a glance), its
// published host ports above it, and subnets that overlap another network's marked. The regions running on the
// project's engine join in: each region container a column (`region/service`) on the stack bands it is attached
// to, and a region's own networks as bands of their own after the stack's, with the driver and subnets the engine
// gave them (`region_networks`) once read, their subnets checked for overlaps like the stack's.
import type { NetworkView, RegionNetwork, RegionStatus, ServiceView } from "../bindings";

export const LABEL_WIDTH = 230;
export const COLUMN = 118;
export const BAND_HEIGHT = 46;
export const BAND_GAP = 10;
/** Room above the bands for each service's name and host ports. */
export const HEAD = 64;

export interface MapBand {
  name: string;
  engineName: string;
  driver: string;
  subnets: string[];
  external: boolean;
  /** Compose's implicit network for services that name none (not in the files). */
  implicit: boolean;
  /** The region whose own network this is (not in the Compose files). */
  region: string | null;
  /** A region's own network whose driver and subnets the engine has not told (yet): `driver` and `subnets`
   * are placeholders. */
  unread: boolean;
  y: number;
  /** Other networks of the picture whose subnet overlaps one of this one's. */
  overlaps: string[];
}

export interface MapNode {
  /** The service, or `region/service` for a region's container. */
  name: string;
  /** The region of a region container. */
  region: string | null;
  /** Centre of the column. */
  x: number;
  /** Indexes of the bands it joins, in band order. */
  joins: number[];
  /** `8080→80/tcp`, `127.0.0.1:5432→5432/tcp`, `ephemeral→9090/tcp`. */
  ports: string[];
  /** What fits above the column: `:80 :443`, `:auto` for an ephemeral port. */
  hostPorts: string;
}

export interface NetworkMap {
  width: number;
  height: number;
  bands: MapBand[];
  nodes: MapNode[];
}

/** The band's vertical centre. */
export function bandCentre(band: MapBand): number {
  return band.y + BAND_HEIGHT / 2;
}

function portLabel(p: ServiceView["ports"][number]): string {
  const host = p.hostPort === null ? "ephemeral" : p.hostPortEnd ? `${p.hostPort}-${p.hostPortEnd}` : `${p.hostPort}`;
  const ip = p.hostIp && p.hostIp !== "0.0.0.0" ? `${p.hostIp}:` : "";
  return `${ip}${host}→${p.containerPort}/${p.protocol}`;
}

/** The networks a service is on: those it names, or Compose's `default` when it names none. */
function networksOf(s: ServiceView): string[] {
  return s.networks.length > 0 ? s.networks : ["default"];
}

/** A region container's column before layout: its name, region, engine networks and published ports. */
interface RegionMember {
  name: string;
  region: string;
  networks: string[];
  ports: string[];
  hostPorts: string;
}

function regionMembers(regions: RegionStatus[]): RegionMember[] {
  return regions.flatMap((r) =>
    r.containers
      .filter((c) => !c.oneOff)
      .map((c) => ({
        name: `${r.name}/${c.service}`,
        region: r.name,
        networks: c.networks,
        ports: c.ports.map((p) => `${p.hostIp && p.hostIp !== "0.0.0.0" ? `${p.hostIp}:` : ""}${p.hostPort}→${p.containerPort}/${p.protocol}`),
        hostPorts: c.ports.map((p) => `:${p.hostPort}`).join(" "),
      })),
  );
}

/** What the band shows as its name: a region's own network by its engine name, any other by its Compose key. */
export function bandLabel(band: MapBand): string {
  return band.region ? band.engineName : band.name;
}

/** The engine names of the regions' own bands, sorted: what to ask `region_networks` about. */
export function regionBandNetworks(map: NetworkMap): string[] {
  return map.bands
    .filter((b) => b.region !== null)
    .map((b) => b.engineName)
    .sort();
}

type BandView = NetworkView & { implicit: boolean; region: string | null; unread: boolean };

export function layoutNetworkMap(
  services: ServiceView[],
  networks: NetworkView[],
  regions: RegionStatus[] = [],
  regionNetworks: RegionNetwork[] = [],
): NetworkMap {
  const order = networks.map((n) => n.name);
  const views: BandView[] = networks.map((n) => ({ ...n, implicit: false, region: null, unread: false }));
  const needsDefault = services.some((s) => networksOf(s).includes("default")) && !order.includes("default");
  if (needsDefault) {
    views.push({
      name: "default",
      engineName: "default",
      driver: "bridge",
      subnets: [],
      external: false,
      implicit: true,
      region: null,
      unread: false,
      services: services.filter((s) => networksOf(s).includes("default")).map((s) => s.name),
    });
  }
  // A region container's network is a stack band when its engine name is one; else the region's own band.
  const members = regionMembers(regions);
  const stackBand = new Map(views.map((n) => [n.engineName, n.name]));
  const regionBand = new Map<string, string>();
  const facts = new Map(regionNetworks.map((n) => [n.name, n]));
  for (const m of members) {
    for (const net of m.networks) {
      if (stackBand.has(net) || regionBand.has(net)) continue;
      const key = `region:${m.region}:${net}`;
      regionBand.set(net, key);
      const told = facts.get(net);
      views.push({
        name: key,
        engineName: net,
        driver: told?.driver ?? "bridge",
        subnets: told?.subnets ?? [],
        external: false,
        implicit: false,
        region: m.region,
        unread: told === undefined,
        services: [],
      });
    }
  }
  const index = new Map(views.map((n, i) => [n.name, i]));
  const bands: MapBand[] = views.map((n, i) => ({
    name: n.name,
    engineName: n.engineName,
    driver: n.driver,
    subnets: n.subnets,
    external: n.external,
    implicit: n.implicit,
    region: n.region,
    unread: n.unread,
    y: HEAD + i * (BAND_HEIGHT + BAND_GAP),
    overlaps: views
      .filter((o) => o.name !== n.name && n.subnets.some((a) => o.subnets.some((b) => subnetsOverlap(a, b))))
      .map((o) => o.name),
  }));
  // Columns: by the first band joined, then the services on more networks first (the bridges stand out).
  const joined = services.map((s) => ({
    service: s,
    joins: [...new Set(networksOf(s).map((n) => index.get(n)).filter((i): i is number => i !== undefined))].sort((a, b) => a - b),
  }));
  joined.sort((a, b) => (a.joins[0] ?? 1e9) - (b.joins[0] ?? 1e9) || b.joins.length - a.joins.length || a.service.name.localeCompare(b.service.name));
  const columns: Omit<MapNode, "x">[] = joined.map(({ service, joins }) => ({
    name: service.name,
    region: null,
    joins,
    ports: service.ports.map(portLabel),
    hostPorts: service.ports
      .map((p) => (p.hostPort === null ? ":auto" : `:${p.hostPort}${p.hostPortEnd ? `-${p.hostPortEnd}` : ""}`))
      .join(" "),
  }));
  // The regions' containers after the stack's services, by region then service.
  for (const m of [...members].sort((a, b) => a.name.localeCompare(b.name))) {
    const bandOf = (net: string) => index.get(stackBand.get(net) ?? regionBand.get(net) ?? "");
    const joins = [...new Set(m.networks.map(bandOf).filter((i): i is number => i !== undefined))].sort((a, b) => a - b);
    columns.push({ name: m.name, region: m.region, joins, ports: m.ports, hostPorts: m.hostPorts });
  }
  const nodes: MapNode[] = columns.map((c, i) => ({ ...c, x: LABEL_WIDTH + i * COLUMN + COLUMN / 2 }));
  return {
    width: LABEL_WIDTH + Math.max(nodes.length, 1) * COLUMN,
    height: HEAD + Math.max(bands.length, 1) * (BAND_HEIGHT + BAND_GAP),
    bands,
    nodes,
  };
}

/** An address as a big integer and its width in bits, or null when it is not an IPv4 or IPv6 address. */
function address(text: string): { value: bigint; bits: number } | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split(".").map(Number);
    if (parts.some((p) => p > 255)) return null;
    return { value: parts.reduce((v, p) => (v << 8n) | BigInt(p), 0n), bits: 32 };
  }
  if (text.includes(":")) {
    const [head, tail = null, ...rest] = text.split("::");
    if (rest.length > 0) return null;
    const groups = (s: string) => (s === "" ? [] : s.split(":"));
    const left = groups(head);
    const right = tail === null ? [] : groups(tail);
    const missing = 8 - left.length - right.length;
    if (missing < 0 || (tail === null && missing !== 0)) return null;
    const all = [...left, ...Array<string>(missing).fill("0"), ...right];
    if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
    return { value: all.reduce((v, g) => (v << 16n) | BigInt(parseInt(g, 16)), 0n), bits: 128 };
  }
  return null;
}

/** Whether two subnets in CIDR notation share an address (different families never do; unreadable: no). */
export function subnetsOverlap(a: string, b: string): boolean {
  const parse = (cidr: string) => {
    const [ip, len] = cidr.trim().split("/");
    const addr = address(ip);
    if (!addr) return null;
    const prefix = len === undefined ? addr.bits : Number(len);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > addr.bits) return null;
    return { ...addr, prefix };
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y || x.bits !== y.bits) return false;
  const shortest = BigInt(Math.min(x.prefix, y.prefix));
  const shift = BigInt(x.bits) - shortest;
  return x.value >> shift === y.value >> shift;
}
