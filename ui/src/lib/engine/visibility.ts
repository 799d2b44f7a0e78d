// A Svelte action that reports whether an element is on screen (IntersectionObserver), so that only the
// services in view are sampled for CPU and memory. Where there is no IntersectionObserver (tests, very old
// web views) the element counts as visible.

import type { ActionReturn } from "svelte/action";

export type VisibilityCallback = (visible: boolean) => void;

export function visibility(node: Element, onchange: VisibilityCallback): ActionReturn<VisibilityCallback> {
  let callback = onchange;
  let visible = false;
  const report = (v: boolean) => {
    if (v === visible) return;
    visible = v;
    callback(v);
  };
  if (typeof IntersectionObserver === "undefined") {
    report(true);
    return {
      update: (next) => (callback = next),
      destroy: () => report(false),
    };
  }
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) report(e.isIntersecting);
  });
  observer.observe(node);
  return {
    update: (next) => (callback = next),
    destroy() {
      observer.disconnect();
      report(false);
    },
  };
}
