// Pure helpers for profile selections: kept apart from the store so they are easy to test and reuse.

import type { ProfileInfo, ProjectOverview } from "../bindings";

/** The profile a name means: itself, or the profile it is an alias of. */
export function canonicalProfile(overview: ProjectOverview, name: string): string {
  const owner = overview.profiles.find((p) => p.name === name || p.aliases.includes(name));
  return owner ? owner.name : name;
}

export function findProfile(overview: ProjectOverview, name: string): ProfileInfo | undefined {
  return overview.profiles.find((p) => p.name === name);
}

/** A selection in a stable order: the overview's profile order, then names it does not know (kept, so the
 * backend can warn about them and the user can deselect them). Aliases collapse onto their profile. */
export function normalizeSelection(overview: ProjectOverview, names: readonly string[]): string[] {
  const wanted = new Set(names.map((n) => canonicalProfile(overview, n)));
  const known = overview.profiles.filter((p) => wanted.has(p.name)).map((p) => p.name);
  const unknown = [...wanted].filter((n) => !overview.profiles.some((p) => p.name === n));
  return [...known, ...unknown];
}

/** Templates are never started directly, so they cannot be added; one that is somehow selected (e.g. via
 * COMPOSE_PROFILES) can still be removed. */
export function canToggle(overview: ProjectOverview, selection: readonly string[], name: string): boolean {
  const profile = findProfile(overview, name);
  if (selection.includes(name)) return true;
  return profile !== undefined && !profile.template;
}

export function toggled(overview: ProjectOverview, selection: readonly string[], name: string): string[] {
  const next = selection.includes(name) ? selection.filter((n) => n !== name) : [...selection, name];
  return normalizeSelection(overview, next);
}

export function sameSelection(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n) => b.includes(n));
}
