// Whether the window can be seen. WebKitGTK reports a hidden window (and, with a window manager, a minimized one)
// to the page as `document.visibilityState === "hidden"` with a `visibilitychange` event; the engine store
// pauses its stats stream and timers on it, and the root element is marked so CSS animations pause too.

/** Calls `onchange(visible)` now and whenever the window is hidden, minimized or shown again; returns the
 * function that stops following. */
export function followWindowVisibility(doc: Document, onchange: (visible: boolean) => void): () => void {
  let last: boolean | null = null;
  const report = () => {
    const visible = doc.visibilityState !== "hidden";
    if (visible === last) return;
    last = visible;
    doc.documentElement.toggleAttribute("data-window-hidden", !visible);
    onchange(visible);
  };
  doc.addEventListener("visibilitychange", report);
  report();
  return () => doc.removeEventListener("visibilitychange", report);
}

/** Runs `then` once the next frame has been painted: the callback of the second animation frame runs after the
 * first one reached the screen (the same rule the benchmark's empty app uses). */
export function afterNextPaint(then: () => void): void {
  if (typeof requestAnimationFrame !== "function") {
    setTimeout(then, 0);
    return;
  }
  requestAnimationFrame(() => requestAnimationFrame(() => then()));
}
