// The window's views, in navigation order. Each view is one component under `src/lib/<id>/`.

import type { IconName } from "./components/Icon.svelte";

export type ViewId = "overview" | "environment" | "logs" | "regions" | "engines" | "doctor" | "settings";

export const VIEWS: readonly { id: ViewId; label: string; icon: IconName }[] = [
  { id: "overview", label: "Overview", icon: "overview" },
  { id: "environment", label: "Environment", icon: "lock" },
  { id: "logs", label: "Logs", icon: "history" },
  { id: "regions", label: "Regions", icon: "globe" },
  { id: "engines", label: "Engines", icon: "shield" },
  { id: "doctor", label: "Doctor", icon: "pulse" },
  { id: "settings", label: "Settings", icon: "settings" },
];
