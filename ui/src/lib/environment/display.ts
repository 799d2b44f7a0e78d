// How a catalogued variable is shown: its status badge, its source, whether it is a problem, and whether it
// matches the filter box.

import type { VariableSource, VariableView } from "../bindings";

export type BadgeKind = "set" | "missing" | "invalid" | "warning" | "default" | "empty" | "unset" | "unknown";
export type Tone = "ok" | "danger" | "warning" | "info" | "neutral";

export interface Badge {
  kind: BadgeKind;
  label: string;
  tone: Tone;
  /** A longer explanation (tooltip and accessible description). */
  detail: string;
}

/** The status badge of a variable: text first, colour only as a second cue. */
export function badgeFor(v: VariableView): Badge {
  if (v.status === "unknown") {
    return { kind: "unknown", label: "Unknown", tone: "neutral", detail: "Its value would be in the keychain, which cannot be read now." };
  }
  const errors = v.findings.filter((f) => f.level === "error");
  if (errors.some((f) => f.rule === "required")) {
    return { kind: "missing", label: "Missing", tone: "danger", detail: "Required, and not set anywhere." };
  }
  if (errors.length > 0) {
    return { kind: "invalid", label: "Invalid", tone: "danger", detail: "Set, but breaks the stack's rule for it." };
  }
  if (v.findings.length > 0) {
    return { kind: "warning", label: "Warning", tone: "warning", detail: "Set, with a warning for this selection." };
  }
  if (v.source === "composeDefault") {
    return { kind: "default", label: "Default in use", tone: "info", detail: "Not set: the Compose file's default applies." };
  }
  if (v.hasValue) return { kind: "set", label: "Set", tone: "ok", detail: `Set (${SOURCE_LABEL[v.source]}).` };
  if (v.source === "unset") return { kind: "unset", label: "Not set", tone: "neutral", detail: "Not set anywhere; optional." };
  return { kind: "empty", label: "Empty", tone: "neutral", detail: `Set to an empty value (${SOURCE_LABEL[v.source]}).` };
}

export const SOURCE_LABEL: Record<VariableSource, string> = {
  keychain: "keychain",
  process: "process env",
  envFile: ".env",
  composeDefault: "compose default",
  unset: "unset",
  unknown: "unknown",
};

export const SOURCE_DETAIL: Record<VariableSource, string> = {
  keychain: "Stored in the OS keychain; passed to Compose through its environment only.",
  process: "Set in Dockmaster's own process environment, which wins over .env.",
  envFile: "Read from the project's .env file.",
  composeDefault: "Not set: the ${VAR:-default} of the Compose file applies.",
  unset: "Not set anywhere.",
  unknown: "Cannot tell: the keychain that may hold it cannot be read now.",
};

/** Needs attention: breaks a rule, has a warning, or cannot be read. */
export function isProblem(v: VariableView): boolean {
  return v.status !== "ok";
}

/** Whether the filter text matches a variable's name, description or services (case-insensitive). */
export function matchesFilter(v: VariableView, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle === "") return true;
  return (
    v.name.toLowerCase().includes(needle) ||
    (v.description ?? "").toLowerCase().includes(needle) ||
    v.usedBy.some((s) => s.toLowerCase().includes(needle))
  );
}

/** The mask the backend puts in place of a secret inside a value (e.g. a URL's password). */
export const MASK = "••••••";

/** Anchor id of a group's section. */
export function groupAnchor(name: string): string {
  return `env-group-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
}

/** A message split at its `backticks`: the quoted parts are code (commands, literal values). */
export function codeSpans(message: string): { text: string; code: boolean }[] {
  return message
    .split("`")
    .map((text, i) => ({ text, code: i % 2 === 1 }))
    .filter((part) => part.text !== "");
}
