// What "Fix and start" did, in words (names only: the backend never sends a value).

import type { FixReport } from "../bindings";

function andList(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

export function fixedText(fixed: FixReport): string {
  const parts: string[] = [];
  if (fixed.generated.length > 0) parts.push(`generated ${andList(fixed.generated)} into the OS keychain`);
  if (fixed.written.length > 0) parts.push(`wrote ${andList(fixed.written)} to .env`);
  if (parts.length === 0) return "Nothing needed fixing.";
  const text = parts.join("; ");
  return `Fixed before starting: ${text}.`;
}
