// Which view the window shows, and the small hand-offs between views: "fix this variable" (the Environment view
// shows and focuses it), "logs of this service" (the Logs view follows just that service) and "this region" (the
// Regions page highlights its row and brings it into view). One instance per
// window, handed to components through context; views that find none simply ignore hand-offs.

import { getContext, setContext } from "svelte";
import type { ViewId } from "./views";

export interface Focus<T> {
  value: T;
  /** Distinguishes a repeated request for the same thing (each one scrolls and focuses again). */
  seq: number;
}

export class Navigator {
  view = $state<ViewId>("overview");
  /** A variable the Environment view should bring into view and focus. */
  envFocus = $state<Focus<string> | null>(null);
  /** The services the Logs view should follow (instead of all). */
  logsFocus = $state<Focus<string[]> | null>(null);
  /** A region of the project's engine the Regions page should highlight and bring into view. */
  regionFocus = $state<Focus<string> | null>(null);

  #seq = 0;

  /** Plain navigation (the left rail): no hand-off. */
  go(view: ViewId): void {
    this.envFocus = null;
    this.logsFocus = null;
    this.regionFocus = null;
    this.view = view;
  }

  /** Opens the Environment view on `name`. */
  focusVariable(name: string): void {
    this.envFocus = { value: name, seq: ++this.#seq };
    this.view = "environment";
  }

  /** Opens the Logs view following `services`. */
  showLogs(services: string[]): void {
    this.logsFocus = { value: [...services], seq: ++this.#seq };
    this.view = "logs";
  }

  /** Opens the Regions page on the region `name` (of the project's engine). */
  showRegion(name: string): void {
    this.regionFocus = { value: name, seq: ++this.#seq };
    this.view = "regions";
  }
}

const KEY = Symbol("dockmaster.navigation");

export function setNavigator(nav: Navigator): Navigator {
  return setContext(KEY, nav);
}

/** The window's navigator; null where none was provided (a view rendered alone in a test). */
export function getNavigator(): Navigator | null {
  return getContext<Navigator | undefined>(KEY) ?? null;
}
