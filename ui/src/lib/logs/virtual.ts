// Windowing arithmetic of the virtualized log list: which rows to render for a scroll position, and whether
// the list is scrolled to the bottom (following new lines).

export interface RowWindow {
  /** First rendered row. */
  start: number;
  /** One past the last rendered row. */
  end: number;
}

/** Rows visible in a `viewport`-high window at `scrollTop`, plus `overscan` rows above and below. */
export function windowRange(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  count: number,
  overscan: number,
): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewport) / rowHeight) + 1;
  const start = Math.max(0, Math.min(count - 1, first) - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end: Math.max(end, start) };
}

/** Scrolled to the end, give or take `tolerance` pixels (sub-pixel scrolling never lands exactly). */
export function atBottom(scrollTop: number, viewport: number, contentHeight: number, tolerance: number): boolean {
  return scrollTop + viewport >= contentHeight - tolerance;
}

/** The scrollTop that shows row `index` in the middle of the viewport (clamped to the content). */
export function centerOn(index: number, viewport: number, rowHeight: number, count: number): number {
  const max = Math.max(0, count * rowHeight - viewport);
  return Math.min(max, Math.max(0, index * rowHeight - (viewport - rowHeight) / 2));
}
