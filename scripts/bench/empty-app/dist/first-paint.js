// The callback of the second animation frame runs once the first frame is painted: report that moment, as
// Dockmaster's window does for its first dashboard (ui/src/lib/firstPaint.ts).
requestAnimationFrame(() =>
  requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke("first_paint", { atMs: Date.now() })),
);
