// The network picture's layout, pure so every rule is a unit test: the selection's networks as horizontal
// bands (driver and subnets on the left), each service as a column whose stem crosses the bands and is joined
// to every network it is on (so a gateway on three networks and a cache straddling two read at a glance), its
// published host ports above it, and subnets that overlap another network's marked.
import type { NetworkView, ServiceView } from "../bindings";

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
  y: number;
  /** Other networks of the picture whose subnet overlaps one of this one's. */
  overlaps: string[];
}

export interface MapNode {
  name: string;
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

export function layoutNetworkMap(services: ServiceView[], networks: NetworkView[]): NetworkMap {
  const order = networks.map((n) => n.name);
  const views: (NetworkView & { implicit: boolean })[] = networks.map((n) => ({ ...n, implicit: false }));
  const needsDefault = services.some((s) => networksOf(s).includes("default")) && !order.includes("default");
  if (needsDefault) {
    views.push({
      name: "default",
      engineName: "default",
      driver: "bridge",
      subnets: [],
      external: false,
      implicit: true,
      services: services.filter((s) => networksOf(s).includes("default")).map((s) => s.name),
    });
  }
  const index = new Map(views.map((n, i) => [n.name, i]));
  const bands: MapBand[] = views.map((n, i) => ({
    name: n.name,
    engineName: n.engineName,
    driver: n.driver,
    subnets: n.subnets,
    external: n.external,
    implicit: n.implicit,
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
  const nodes: MapNode[] = joined.map(({ service, joins }, i) => ({
    name: service.name,
    x: LABEL_WIDTH + i * COLUMN + COLUMN / 2,
    joins,
    ports: service.ports.map(portLabel),
    hostPorts: service.ports
      .map((p) => (p.hostPort === null ? ":auto" : `:${p.hostPort}${p.hostPortEnd ? `-${p.hostPortEnd}` : ""}`))
      .join(" "),
  }));
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
