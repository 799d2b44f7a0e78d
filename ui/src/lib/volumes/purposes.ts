// Volumes by purpose in the window, pure: each volume's size (the engine's measure, or why unknown) by its engine
// name, and the selection's volume rows split into the descriptor's groups in the backend's order (a row the
// answer does not place — an answer for an older selection — goes under "other").
import type { PurposeGroup, VolumeView, VolumesByPurpose } from "../bindings";

export interface VolumeSize {
  bytes: number | null;
  unknown: string | null;
}

export interface GroupRows {
  group: PurposeGroup;
  volumes: VolumeView[];
}

/** Each volume's size by its engine name. */
export function sizesByEngineName(purposes: VolumesByPurpose): Map<string, VolumeSize> {
  return new Map(
    purposes.groups.flatMap((g) => g.volumes.map((v) => [v.engineName, { bytes: v.sizeBytes, unknown: v.sizeUnknown }] as const)),
  );
}

/** The rows of `volumes` under the groups of `purposes`, groups without a row left out. */
export function groupRows(purposes: VolumesByPurpose, volumes: VolumeView[]): GroupRows[] {
  const placed = new Set<string>();
  const rows: GroupRows[] = purposes.groups.map((group) => {
    const keys = new Set(group.volumes.map((v) => v.name));
    const mine = volumes.filter((v) => keys.has(v.name) && !placed.has(v.name));
    mine.forEach((v) => placed.add(v.name));
    return { group, volumes: mine };
  });
  const rest = volumes.filter((v) => !placed.has(v.name));
  if (rest.length > 0) {
    const other = rows.find((r) => r.group.name === "other");
    if (other) other.volumes.push(...rest);
    else rows.push({ group: { name: "other", description: null, volumes: [], totalBytes: null }, volumes: rest });
  }
  return rows.filter((r) => r.volumes.length > 0);
}
