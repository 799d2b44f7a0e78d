// Which services of a selection are its monitoring (Prometheus and Grafana by their image or name, Grafana by
// its `GF_` settings, or anything in a profile named `monitoring`), where a browser reaches each, and how to sign in to Grafana: the admin user from
// its environment (Grafana's own default when unset) and the project variable that holds its password (revealed
// from the keychain only on an explicit action).
import type { SelectionReport, ServiceView } from "../bindings";
import { isHttpish } from "../engine/format";
import { portRows } from "../project/format";

export type MonitoringKind = "prometheus" | "grafana" | "other";

export interface MonitoringEntry {
  service: string;
  kind: MonitoringKind;
  /** The first HTTP-ish published port's URL, before the engine says which port it published. */
  url: string | null;
  containerPort: number | null;
  /** Grafana: who signs in. */
  user: string | null;
  /** Grafana: the variable its admin password comes from (`GRAFANA_PASSWORD`), when the files name one. */
  passwordVariable: string | null;
  /** Grafana: no password is configured, so Grafana's own default (`admin`) applies. */
  defaultPassword: boolean;
}

const GRAFANA_DEFAULT_USER = "admin";

/** `prom/prometheus:v2.53.0` → `prometheus`; `registry:5000/grafana/grafana` → `grafana`. */
export function imageName(image: string | null): string | null {
  if (!image) return null;
  const path = image.split("@")[0];
  const last = path.split("/").at(-1) ?? path;
  return last.split(":")[0].toLowerCase();
}

/** By its image, else by its name (a stand-in image, a custom build), else Grafana by its `GF_` settings. */
function kindOf(s: ServiceView): MonitoringKind | null {
  for (const name of [imageName(s.image), s.name.toLowerCase()]) {
    if (name === "prometheus") return "prometheus";
    if (name === "grafana" || name === "grafana-oss" || name === "grafana-enterprise") return "grafana";
  }
  if (s.environment.some((v) => v.name.startsWith("GF_"))) return "grafana";
  return s.profiles.includes("monitoring") ? "other" : null;
}

export function monitoringEntries(report: SelectionReport): MonitoringEntry[] {
  const rows = portRows(report);
  const entries: MonitoringEntry[] = [];
  for (const s of report.services) {
    const kind = kindOf(s);
    if (kind === null) continue;
    const row = rows.find((r) => r.service === s.name && r.url !== null && isHttpish(s.name, r.port.containerPort, r.port.protocol));
    const env = (name: string) => s.environment.find((v) => v.name === name);
    const user = env("GF_SECURITY_ADMIN_USER");
    const password = env("GF_SECURITY_ADMIN_PASSWORD") ?? env("GF_SECURITY_ADMIN_PASSWORD__FILE");
    const grafana = kind === "grafana";
    entries.push({
      service: s.name,
      kind,
      url: row?.url ?? null,
      containerPort: row?.port.containerPort ?? null,
      user: grafana ? (user && !user.masked && user.value ? user.value : GRAFANA_DEFAULT_USER) : null,
      passwordVariable: grafana ? (password?.variables[0] ?? null) : null,
      defaultPassword: grafana && password === undefined,
    });
  }
  return entries;
}
