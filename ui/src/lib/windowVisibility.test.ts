// The window's visibility as the page sees it: reported at once and on every change, and marked on the root.
import { afterEach, expect, test, vi } from "vitest";
import { followWindowVisibility } from "./windowVisibility";

let state: DocumentVisibilityState = "visible";

afterEach(() => {
  state = "visible";
  document.documentElement.removeAttribute("data-window-hidden");
});

function set(next: DocumentVisibilityState) {
  state = next;
  document.dispatchEvent(new Event("visibilitychange"));
}

test("reports the current visibility, then each change once, and marks the root while hidden", () => {
  const spy = vi.spyOn(document, "visibilityState", "get").mockImplementation(() => state);
  const seen: boolean[] = [];
  const stop = followWindowVisibility(document, (v) => seen.push(v));
  expect(seen).toEqual([true]);
  set("hidden");
  expect(document.documentElement.hasAttribute("data-window-hidden")).toBe(true);
  set("hidden"); // no change: not reported again
  set("visible");
  expect(document.documentElement.hasAttribute("data-window-hidden")).toBe(false);
  expect(seen).toEqual([true, false, true]);
  stop();
  set("hidden");
  expect(seen).toEqual([true, false, true]);
  expect(spy).toHaveBeenCalled();
});
