// Checks the wizard's fields while they are typed, mirroring the region-manager's rules as the core enforces
// them (crates/dockmaster-core/src/region/request.rs). Only a preview: every step asks the backend
// (`region_validate`) before moving on, and its answer wins. Pure functions, no Svelte.

import type { FieldError, RegionRequest } from "../bindings";

/** Names the region-manager refuses (compared case-insensitively). */
export const RESERVED_NAMES = ["central-nexus", "admin", "api", "system", "default", "test", "staging", "production"];
export const GOVERNANCES = ["autocracy", "democracy", "council"] as const;
export const ECONOMIES = ["balanced", "commerce", "industrial", "agricultural", "technological", "military"] as const;

export const LIMITS = {
  cpuCores: { min: 1, max: 8, step: 0.5 },
  memoryGb: { min: 2, max: 16 },
  maxPlayers: { min: 10, max: 1000 },
  startingCredits: { min: 100 },
} as const;

/** What the inputs hold: numbers as typed, so "abc" can be shown as wrong instead of silently becoming 0. */
export interface RegionForm {
  name: string;
  ownerId: string;
  /** Empty: the default `region_<name>_user`. */
  dbUser: string;
  cpuCores: string;
  memoryGb: string;
  maxPlayers: string;
  governance: string;
  economy: string;
  startingCredits: string;
  startingShip: string;
}

export type FormField = keyof RegionForm;

/** The region-manager's defaults: 2 cores, 4 GB, 100 players, autocracy, balanced, 1000 credits, a scout. */
export function defaultForm(): RegionForm {
  return {
    name: "",
    ownerId: "",
    dbUser: "",
    cpuCores: "2",
    memoryGb: "4",
    maxPlayers: "100",
    governance: "autocracy",
    economy: "balanced",
    startingCredits: "1000",
    startingShip: "scout",
  };
}

const NAME_CHARS = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const DB_USER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `region_<name>_user` (`-` becomes `_`), as the core picks it when none is given. */
export function defaultDbUser(name: string): string {
  return `region_${name.replaceAll("-", "_")}_user`;
}

function number(text: string): number | null {
  const t = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
}

function wholeNumber(text: string): number | null {
  const n = number(text);
  return n !== null && Number.isInteger(n) ? n : null;
}

/** Why each field is wrong (the rule, worded as the core words it), by field; empty when the form is valid.
 * `existing` are the project's regions (compared case-insensitively). */
export function checkForm(form: RegionForm, existing: readonly string[] = []): Partial<Record<FormField, string>> {
  const errors: Partial<Record<FormField, string>> = {};
  const name = form.name;
  const chars = [...name].length;
  if (chars < 3 || chars > 50 || !NAME_CHARS.test(name)) {
    errors.name = "must be 3–50 characters of letters, digits, `_` or `-`";
  } else if (RESERVED_NAMES.some((r) => r === name.toLowerCase())) {
    errors.name = `must not be a reserved name (${RESERVED_NAMES.join(", ")})`;
  } else if (existing.some((e) => e.toLowerCase() === name.toLowerCase())) {
    errors.name = "must not be the name of an existing region of this project";
  }
  if (!UUID.test(form.ownerId)) {
    errors.ownerId = "must be a UUID (8-4-4-4-12 hexadecimal digits, e.g. 3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d)";
  }
  if (form.dbUser !== "" && (!DB_USER.test(form.dbUser) || form.dbUser.length > 63)) {
    errors.dbUser = "must be 1–63 characters of letters, digits or `_`, not starting with a digit";
  }
  const cpus = number(form.cpuCores);
  if (cpus === null || cpus < LIMITS.cpuCores.min || cpus > LIMITS.cpuCores.max) {
    errors.cpuCores = "must be between 1 and 8";
  }
  const memory = wholeNumber(form.memoryGb);
  if (memory === null || memory < LIMITS.memoryGb.min || memory > LIMITS.memoryGb.max) {
    errors.memoryGb = "must be a whole number between 2 and 16 (GB)";
  }
  const players = wholeNumber(form.maxPlayers);
  if (players === null || players < LIMITS.maxPlayers.min || players > LIMITS.maxPlayers.max) {
    errors.maxPlayers = "must be a whole number between 10 and 1000";
  }
  if (!(GOVERNANCES as readonly string[]).includes(form.governance)) {
    errors.governance = `must be one of ${GOVERNANCES.join(", ")}`;
  }
  if (!(ECONOMIES as readonly string[]).includes(form.economy)) {
    errors.economy = `must be one of ${ECONOMIES.join(", ")}`;
  }
  const credits = wholeNumber(form.startingCredits);
  // The core's field is a u32: anything above that cannot even be sent.
  if (credits === null || credits < LIMITS.startingCredits.min || credits > 4_294_967_295) {
    errors.startingCredits = "must be a whole number of at least 100";
  }
  const ship = form.startingShip;
  if ([...ship].length < 1 || [...ship].length > 50 || !NAME_CHARS.test(ship)) {
    errors.startingShip = "must be 1–50 characters of letters, digits, `_` or `-`";
  }
  return errors;
}

/** The request the backend receives. Only meaningful for a form `checkForm` accepts. */
export function toRequest(form: RegionForm): RegionRequest {
  return {
    name: form.name,
    ownerId: form.ownerId,
    cpuCores: Number(form.cpuCores),
    memoryGb: Number(form.memoryGb),
    maxPlayers: Number(form.maxPlayers),
    governance: form.governance,
    economy: form.economy,
    startingCredits: Number(form.startingCredits),
    startingShip: form.startingShip,
    dbUser: form.dbUser === "" ? null : form.dbUser,
  };
}

/** The backend's field errors by form field (the first one per field). */
export function byField(errors: readonly FieldError[]): Partial<Record<FormField, string>> {
  const out: Partial<Record<FormField, string>> = {};
  for (const e of errors) {
    const field = e.field as FormField;
    if (out[field] === undefined) out[field] = e.rule;
  }
  return out;
}

/** "Must be 3–50 characters…." from a rule fragment. */
export function sentence(rule: string): string {
  const text = rule.charAt(0).toUpperCase() + rule.slice(1);
  return text.endsWith(".") ? text : `${text}.`;
}

/** A random (version 4) UUID, from the platform's cryptographic generator. */
export function randomUuid(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
