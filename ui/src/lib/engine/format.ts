// Short texts for live engine state: run state, health, uptime, sizes, CPU, the banner's advice, and whether a
// published port speaks HTTP. Pure functions, no Svelte.

import type { ConnectionView, ContainerStatus, Health, PublishedPort, RunState, ServiceStatus } from "../bindings";

export function runStateLabel(state: RunState): string {
  switch (state) {
    case "running":
      return "running";
    case "created":
      return "created";
    case "paused":
      return "paused";
    case "removing":
      return "removing";
    case "restarting":
      return "restarting";
    case "exited":
      return "exited";
    case "dead":
      return "dead";
    case "notCreated":
      return "not running";
  }
}

export function healthLabel(health: Health): string {
  switch (health) {
    case "none":
      return "no health check";
    case "healthy":
      return "healthy";
    case "starting":
      return "starting";
    case "unhealthy":
      return "unhealthy";
  }
}

/** The one tone a live service shows: what its colour (and icon) say, always next to a text label. */
export type Tone = "ok" | "warn" | "bad" | "idle";

type StatusFields = Pick<ServiceStatus, "state" | "health" | "exitCode"> & {
  /** When given, a container killed for running out of memory makes exit code 137 a failure. */
  containers?: readonly Pick<ContainerStatus, "oomKilled">[];
};

/** Exit codes of a container stopped on purpose: a clean exit, SIGTERM (`docker stop`), and SIGKILL (`docker
 * stop` after its timeout), unless the kernel's OOM killer sent it. */
const STOP_CODES = new Set([0, 143, 137]);

/** Exited with a code a deliberate stop leaves (0, 143, or 137 without an OOM kill): neutral, not a failure. */
export function stoppedCleanly(s: StatusFields): boolean {
  if (s.state !== "exited" || s.exitCode === null || !STOP_CODES.has(s.exitCode)) return false;
  return !(s.exitCode === 137 && (s.containers ?? []).some((c) => c.oomKilled));
}

/** The tone of something running, by its health (services and regions). */
export function runningTone(health: Health): Tone {
  return health === "unhealthy" ? "bad" : health === "starting" ? "warn" : "ok";
}

/** "running", "running · healthy" (services and regions). */
export function runningText(health: Health): string {
  return health === "none" ? "running" : `running · ${healthLabel(health)}`;
}

export function serviceTone(s: StatusFields): Tone {
  if (s.state === "running") return runningTone(s.health);
  if (s.state === "restarting" || s.state === "dead") return "bad";
  if (s.state === "exited") return stoppedCleanly(s) ? "idle" : "bad";
  if (s.state === "paused" || s.state === "created" || s.state === "removing") return "warn";
  return "idle";
}

/** The words of a live state and, apart, its exit code: "running · healthy"; "stopped" + "(code 143)" after a
 * deliberate stop (the code shown muted); "exited (code 1)" or an OOM-killed "exited (code 137)" in full. */
export function statusParts(s: StatusFields): { text: string; code: string | null } {
  if (s.state === "running") return { text: runningText(s.health), code: null };
  if (stoppedCleanly(s)) return { text: "stopped", code: `(code ${s.exitCode})` };
  if ((s.state === "exited" || s.state === "dead") && s.exitCode !== null) {
    return { text: `${runStateLabel(s.state)} (code ${s.exitCode})`, code: null };
  }
  return { text: runStateLabel(s.state), code: null };
}

/** "running · healthy", "stopped (code 143)", "exited (code 1)", "not running". */
export function statusText(s: StatusFields): string {
  const { text, code } = statusParts(s);
  return code ? `${text} ${code}` : text;
}

/** Milliseconds since the epoch of an RFC 3339 time, or null (unset, or Docker's zero time). */
export function parseTime(rfc3339: string | null | undefined): number | null {
  if (!rfc3339 || rfc3339.startsWith("0001-")) return null;
  const t = Date.parse(rfc3339);
  return Number.isNaN(t) ? null : t;
}

/** "42s", "3m", "2h 07m", "3d 4h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  // Minutes from here on: the text (and so the window) changes once a minute, not every second.
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  const d = Math.floor(h / 24);
  return `${d}d ${h % 24}h`;
}

/** When the service's oldest running container started (its uptime), in ms since the epoch. */
export function runningSince(s: ServiceStatus): number | null {
  const starts = s.containers
    .filter((c) => c.state === "running" && !c.oneOff)
    .map((c) => parseTime(c.startedAt))
    .filter((t): t is number => t !== null);
  return starts.length > 0 ? Math.min(...starts) : null;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** "512 B", "1.2 MiB", "37 MiB", "7.8 GiB". */
export function bytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 || v >= 10 ? 0 : 1;
  return `${v.toFixed(digits)} ${UNITS[u]}`;
}

/** "0.4%", "12%", "—" while unknown. */
export function percent(p: number | null): string {
  if (p === null) return "—";
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** "14:03:07" (local time) of an RFC 3339 time. */
export function clock(rfc3339: string): string {
  const t = parseTime(rfc3339);
  if (t === null) return "—";
  return new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

/** What to do about an unreachable engine: one sentence and, when there is one, the command to run. The
 * backend's reason (shown too) says what failed; this picks the fix by where the endpoint came from. */
export function engineAdvice(c: ConnectionView): { text: string; command: string | null } {
  const reason = (c.reason ?? "").toLowerCase();
  const endpoint = c.endpoint.toLowerCase();
  if (reason.includes("permission denied")) {
    return { text: "Add your user to the docker group, then log in again:", command: "sudo usermod -aG docker $USER" };
  }
  if (endpoint.includes("from docker_host") || endpoint.includes("configured docker endpoint")) {
    return {
      text: "Check DOCKER_HOST (and DOCKER_TLS_VERIFY / DOCKER_CERT_PATH for TLS), or unset it to use the local socket.",
      command: null,
    };
  }
  if (endpoint.includes("from docker context")) {
    return { text: "Start the context's engine, or switch back to the local one:", command: "docker context use default" };
  }
  return { text: "Start Docker (or Docker Desktop):", command: "sudo systemctl start docker" };
}

// Container ports of protocols that are not HTTP (databases, caches, brokers): no browser link for them.
const NOT_HTTP_PORTS = new Set([
  21, 22, 25, 53, 110, 143, 389, 1433, 1521, 2181, 3306, 4369, 5432, 5433, 5672, 6379, 6380, 7000, 7001, 9042, 9092,
  11211, 27017, 27018, 27019,
]);
const NOT_HTTP_NAME = /(^|[-_])(db|database|postgres(ql)?|mysql|mariadb|mongo(db)?|redis|memcached?|rabbitmq|kafka|zookeeper|nats|smtp|ldap)([-_]|$)/;

/** Does a published TCP port of this service look like something a browser can open? */
export function isHttpish(service: string, containerPort: number, protocol: string): boolean {
  if (protocol.toLowerCase() !== "tcp") return false;
  if (NOT_HTTP_PORTS.has(containerPort)) return false;
  return !NOT_HTTP_NAME.test(service.toLowerCase());
}

/** The http://localhost URL of a live published port (loopback or every interface), else null. */
export function liveUrl(service: string, p: PublishedPort): string | null {
  if (!isHttpish(service, p.containerPort, p.protocol)) return null;
  const ip = p.hostIp;
  if (ip === "" || ip === "0.0.0.0" || ip === "::" || ip === "127.0.0.1" || ip === "::1") {
    return `http://localhost:${p.hostPort}`;
  }
  return null;
}
