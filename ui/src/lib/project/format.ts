// Turning report data into the short texts the panel shows. Pure functions, no Svelte.

import type {
  BuildView,
  DependencyView,
  HealthcheckView,
  MountView,
  PortBinding,
  SelectionReport,
  ServiceView,
  Severity,
  Warning,
} from "../bindings";

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "build ./services/gameserver @dev" (plus the Dockerfile when it is not the default one). */
export function buildLabel(build: BuildView): string {
  let label = `build ${build.context}`;
  if (build.dockerfile && build.dockerfile !== "Dockerfile") label += ` (${build.dockerfile})`;
  if (build.target) label += ` @${build.target}`;
  return label;
}

export interface HealthSummary {
  /** e.g. "CMD-SHELL pg_isready … · every 10s" */
  short: string;
  /** The whole probe, e.g. "CMD-SHELL pg_isready -U postgres -d sectorwars_dev" */
  command: string;
  /** Timing details, e.g. "every 10s · timeout 5s · 10 retries · start period 10s" */
  timing: string;
  disabled: boolean;
}

export function healthSummary(hc: HealthcheckView): HealthSummary {
  const [kind = "", ...rest] = hc.test;
  const disabled = hc.disabled || kind === "NONE";
  const command = hc.test.join(" ");
  const timingParts: string[] = [];
  if (hc.interval) timingParts.push(`every ${hc.interval}`);
  if (hc.timeout) timingParts.push(`timeout ${hc.timeout}`);
  if (hc.retries !== null) timingParts.push(plural(hc.retries, "retry", "retries"));
  if (hc.startPeriod) timingParts.push(`start period ${hc.startPeriod}`);
  const timing = timingParts.join(" · ");
  if (disabled) return { short: "health check disabled", command, timing, disabled: true };

  // CMD-SHELL carries one shell string; CMD carries argv. Either way show the program and elide the rest.
  const words = kind === "CMD-SHELL" ? (rest[0] ?? "").trim().split(/\s+/) : rest;
  const program = words[0] ?? "";
  const probe = [kind, program].filter(Boolean).join(" ") + (words.length > 1 ? " …" : "");
  const short = hc.interval ? `${probe} · every ${hc.interval}` : probe;
  return { short, command, timing, disabled: false };
}

export function conditionLabel(condition: string): string {
  switch (condition) {
    case "service_healthy":
      return "healthy";
    case "service_started":
      return "started";
    case "service_completed_successfully":
      return "completed";
    default:
      return condition;
  }
}

export interface DependencyState extends DependencyView {
  /** The dependency is part of the selection. */
  inSelection: boolean;
}

export function dependencies(service: ServiceView, selected: ReadonlySet<string>): DependencyState[] {
  return service.dependsOn.map((d) => ({ ...d, inSelection: selected.has(d.service) }));
}

export function mountKindLabel(kind: MountView["kind"]): string {
  switch (kind) {
    case "volume":
      return "volume";
    case "bind":
      return "bind";
    case "anonymous":
      return "anonymous";
    case "tmpfs":
      return "tmpfs";
    case "npipe":
      return "pipe";
  }
}

/** The service's privilege reasons that name this mount's source (e.g. the Docker socket). The report says
 * *why* a service is privileged but does not tie a reason to a mount, so match on the path. */
export function mountPrivilege(mount: MountView, service: ServiceView): string | null {
  if (!mount.source || (mount.kind !== "bind" && mount.kind !== "npipe")) return null;
  const source = mount.source;
  return service.privileged.find((reason) => reason.includes(source)) ?? null;
}

/** Privilege reasons not explained by a mount (privileged: true, host network, added capabilities…). */
export function otherPrivileges(service: ServiceView): string[] {
  const byMount = new Set(service.mounts.map((m) => mountPrivilege(m, service)).filter((r) => r !== null));
  return service.privileged.filter((r) => !byMount.has(r));
}

const WILDCARD_OR_LOOPBACK = new Set(["", "0.0.0.0", "::", "127.0.0.1", "::1", "localhost"]);

/** The URL a browser on this machine would use for a published TCP port, or null (UDP, ephemeral). */
export function portUrl(port: PortBinding): string | null {
  if (port.hostPort === null || port.protocol.toLowerCase() !== "tcp") return null;
  const ip = port.hostIp ?? "";
  const host = WILDCARD_OR_LOOPBACK.has(ip) ? "localhost" : ip.includes(":") ? `[${ip}]` : ip;
  return `http://${host}:${port.hostPort}`;
}

export function hostPortLabel(port: PortBinding): string {
  if (port.hostPort === null) return "ephemeral";
  if (port.hostPortEnd !== null && port.hostPortEnd !== port.hostPort) return `${port.hostPort}-${port.hostPortEnd}`;
  return String(port.hostPort);
}

export function containerPortLabel(port: PortBinding): string {
  return `${port.containerPort}/${port.protocol}`;
}

export interface PortRow {
  service: string;
  port: PortBinding;
  /** Stable key and test hook suffix: `<service>-<hostPort|ephemeral>`. */
  key: string;
  url: string | null;
  /** Other services publishing the same host port and protocol on an overlapping address. */
  conflictsWith: string[];
}

function sameHostAddress(a: PortBinding, b: PortBinding): boolean {
  const wild = (ip: string | null) => ip === null || ip === "0.0.0.0" || ip === "::";
  return wild(a.hostIp) || wild(b.hostIp) || a.hostIp === b.hostIp;
}

function portsOverlap(a: PortBinding, b: PortBinding): boolean {
  if (a.hostPort === null || b.hostPort === null) return false;
  if (a.protocol.toLowerCase() !== b.protocol.toLowerCase()) return false;
  const aEnd = a.hostPortEnd ?? a.hostPort;
  const bEnd = b.hostPortEnd ?? b.hostPort;
  return a.hostPort <= bEnd && b.hostPort <= aEnd && sameHostAddress(a, b);
}

/** Every published port of the selection, in service order, with clashes marked. */
export function portRows(report: SelectionReport): PortRow[] {
  const flat = report.services.flatMap((s) => s.ports.map((port) => ({ service: s.name, port })));
  return flat.map(({ service, port }) => ({
    service,
    port,
    key: `${service}-${port.hostPort ?? "ephemeral"}`,
    url: portUrl(port),
    conflictsWith: flat.filter((o) => o.service !== service && portsOverlap(o.port, port)).map((o) => o.service),
  }));
}

export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

export function severityLabel(severity: Severity, count: number): string {
  switch (severity) {
    case "error":
      return count === 1 ? "Error" : "Errors";
    case "warning":
      return count === 1 ? "Warning" : "Warnings";
    case "info":
      return "Good to know";
  }
}

export function bySeverity(warnings: readonly Warning[]): { severity: Severity; warnings: Warning[] }[] {
  return SEVERITIES.map((severity) => ({ severity, warnings: warnings.filter((w) => w.severity === severity) })).filter(
    (g) => g.warnings.length > 0,
  );
}

/** "2 errors, 1 warning" — the text read out when the counts change. */
export function warningCountsText(warnings: readonly Warning[]): string {
  const errors = warnings.filter((w) => w.severity === "error").length;
  const warns = warnings.filter((w) => w.severity === "warning").length;
  const infos = warnings.filter((w) => w.severity === "info").length;
  if (errors + warns + infos === 0) return "No problems found";
  const parts = [];
  if (errors) parts.push(plural(errors, "error"));
  if (warns) parts.push(plural(warns, "warning"));
  if (infos) parts.push(plural(infos, "note"));
  return parts.join(", ");
}

/** Id of a service's row, for in-page links from warnings and the port map. */
export function serviceAnchor(name: string): string {
  return `service-${name}`;
}

export interface TextPart {
  text: string;
  /** Set when this part is the name of one of the given services. */
  service?: string;
}

/** Splits a message so the service names it mentions can become links. Names match whole words only
 * (`redis` does not match inside `redis-cache`, nor `gameserver` inside `./services/gameserver`); longer
 * names win. */
export function splitMentions(text: string, services: readonly string[]): TextPart[] {
  const names = [...new Set(services)].filter(Boolean).sort((a, b) => b.length - a.length);
  if (names.length === 0) return [{ text }];
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(escaped.join("|"), "g");
  const wordChar = /[\w-]/;
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    const at = m.index ?? 0;
    const end = at + m[0].length;
    const before = text[at - 1] ?? "";
    const after = text[end] ?? "";
    // Whole names only: not inside a longer name, a path (`./services/gameserver`) or a file name.
    const boundedBefore = !wordChar.test(before) && before !== "." && before !== "/";
    const boundedAfter = !wordChar.test(after) && !(after === "." && wordChar.test(text[end + 1] ?? "")) && after !== "/";
    if (!boundedBefore || !boundedAfter) continue;
    if (at > last) parts.push({ text: text.slice(last, at) });
    parts.push({ text: m[0], service: m[0] });
    last = end;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
