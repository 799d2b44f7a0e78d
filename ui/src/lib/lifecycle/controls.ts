// Which lifecycle buttons can be pressed, and why not: one pure function over what the window knows (an
// operation running, the engine's connection, the selection's services and their live state), so the
// profile bar and every service row agree, and tests can check the table.

import type { ConnectionView, ServiceStatus } from "../bindings";

export interface ControlInput {
  /** An operation is running (or its preflight is being checked) in this window. */
  busy: boolean;
  connection: ConnectionView | null;
  /** The selection's services (what Start starts). */
  services: readonly string[];
  /** Live state by service, from the engine. */
  live: ReadonlyMap<string, ServiceStatus>;
}

export interface Control {
  enabled: boolean;
  /** Tooltip: what it does, or why it cannot be used now. */
  reason: string;
}

export interface Controls {
  start: Control;
  stop: Control;
  restart: Control;
  remove: Control;
}

function hasContainer(s: ServiceStatus | undefined): boolean {
  return (s?.containers.some((c) => !c.oneOff) ?? false) && s?.state !== "notCreated";
}

function isUp(s: ServiceStatus | undefined): boolean {
  return s?.state === "running" || s?.state === "restarting" || s?.state === "paused";
}

function blocked(input: ControlInput): string | null {
  if (input.busy) return "An operation is running: wait for it to finish, or cancel it.";
  const c = input.connection;
  if (c === null) return "Waiting for the Docker engine to answer.";
  if (c.status !== "connected") return "The Docker engine is not available: see the banner above.";
  return null;
}

export function controls(input: ControlInput): Controls {
  const why = blocked(input);
  const off = (reason: string): Control => ({ enabled: false, reason });
  if (why !== null) return { start: off(why), stop: off(why), restart: off(why), remove: off(why) };
  const running = input.services.filter((n) => isUp(input.live.get(n)));
  const existing = [...input.live.values()].filter((s) => hasContainer(s));
  const noServices = input.services.length === 0;
  return {
    start: noServices
      ? off("This selection starts no service: select a profile.")
      : { enabled: true, reason: "Check the selection (ports, variables, memory, disk), then start it and wait until it is healthy." },
    stop:
      running.length === 0
        ? off("Nothing of this selection is running.")
        : { enabled: true, reason: `Stop the ${running.length === 1 ? "running service" : `${running.length} running services`} of this selection (containers are kept).` },
    restart:
      running.length === 0
        ? off("Nothing of this selection is running.")
        : { enabled: true, reason: "Restart the selection's services." },
    remove: {
      enabled: true,
      reason:
        existing.length === 0
          ? "Remove the project's networks (and, if you choose, its volumes): no container of it exists."
          : "Remove every container and network of the project (all profiles); optionally its volumes.",
    },
  };
}

export interface ServiceControls {
  start: Control;
  stop: Control;
  restart: Control;
}

/** The buttons of one service row. */
export function serviceControls(input: Omit<ControlInput, "services">, live: ServiceStatus | undefined): ServiceControls {
  const why = blocked({ ...input, services: [] });
  const off = (reason: string): Control => ({ enabled: false, reason });
  if (why !== null) return { start: off(why), stop: off(why), restart: off(why) };
  const up = isUp(live);
  return {
    start: up ? off("Already running.") : { enabled: true, reason: "Start this service (and what it depends on) and wait until it is healthy." },
    stop: up ? { enabled: true, reason: "Stop this service (its container is kept)." } : off("Not running."),
    restart: up ? { enabled: true, reason: "Restart this service's container." } : off("Not running: use Start."),
  };
}
