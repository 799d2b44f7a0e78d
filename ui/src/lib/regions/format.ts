// Short texts for regions: their state and health as words and a tone, the server's URL as the browser
// opens it, resources and game settings in one line. Pure functions, no Svelte.

import type { Health, RegionRequest, RunState } from "../bindings";
import { runningText, runningTone, type Tone } from "../engine/format";

export interface RegionState {
  state: RunState;
  health: Health;
  /** The region has no containers left, only kept volumes (or a network). */
  empty: boolean;
  /** Its creation was interrupted (Dockmaster was killed while applying it): only Remove helps. */
  interrupted?: boolean;
  /** Its engine could not be reached now: this is what was last seen of it there. */
  unknown?: boolean;
}

/** The colour a region's state shows in, always next to `regionStatusText`. */
export function regionTone(r: RegionState): Tone {
  if (r.unknown) return "warn";
  if (r.interrupted) return "bad";
  if (r.empty) return "idle";
  switch (r.state) {
    case "running":
      return runningTone(r.health);
    case "restarting":
    case "dead":
      return "bad";
    case "paused":
    case "removing":
      return "warn";
    default:
      return "idle";
  }
}

/** "running · healthy", "stopped", "removed (volumes kept)", "interrupted", "unknown (engine unreachable)". */
export function regionStatusText(r: RegionState): string {
  if (r.unknown) return "unknown (engine unreachable)";
  if (r.interrupted) return "interrupted";
  if (r.empty) return "removed (volumes kept)";
  switch (r.state) {
    case "running":
      return runningText(r.health);
    case "exited":
    case "created":
    case "notCreated":
      return "stopped";
    default:
      return r.state;
  }
}

/** The server's URL as opened in the browser: loopback as `localhost` (`http://127.0.0.1:8217` →
 * `http://localhost:8217`); any other address unchanged. */
export function browserUrl(url: string): string {
  return url.replace(/^http:\/\/(127\.0\.0\.1|\[::1\]|0\.0\.0\.0)(?=:\d+)/, "http://localhost");
}

/** "2 CPU cores · 4 GB". */
export function resourcesText(r: Pick<RegionRequest, "cpuCores" | "memoryGb">): string {
  return `${r.cpuCores} CPU ${r.cpuCores === 1 ? "core" : "cores"} · ${r.memoryGb} GB`;
}

/** "250 players · council · balanced economy". */
export function gameText(r: Pick<RegionRequest, "maxPlayers" | "governance" | "economy">): string {
  return `${r.maxPlayers} players · ${r.governance} · ${r.economy} economy`;
}

/** "1228 MB" → "1.2 GB" for a megabyte count. */
export function memoryText(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(mb % 1024 === 0 ? 0 : 1)} GB` : `${mb} MB`;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
