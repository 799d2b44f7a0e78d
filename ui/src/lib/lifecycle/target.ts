// The target of the window's lifecycle actions, from the open project and its selection.

import type { EngineStore } from "../engine/engineStore.svelte";
import type { ProjectStore } from "../project/projectStore.svelte";
import type { Target } from "./lifecycleStore.svelte";

export function targetOf(project: ProjectStore): Target | null {
  const overview = project.overview;
  if (!overview) return null;
  return {
    dir: overview.root,
    profiles: [...project.selection],
    services: project.report?.services.map((s) => s.name) ?? [],
  };
}

/** Services of the project that have a container now (what a remove removes), in name order. */
export function existingServices(engine: EngineStore | null): string[] {
  if (!engine) return [];
  return engine.live.services
    .filter((s) => s.state !== "notCreated" && s.containers.some((c) => !c.oneOff))
    .map((s) => s.name)
    .sort();
}
