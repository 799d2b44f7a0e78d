// When the window's start-up reached each step (ms since the page's navigation began), reported once with the
// first painted dashboard: the app's log (debug level) then says where a slow start spent its time.

const marks: [string, number][] = [["script", now()]];

function now(): number {
  return typeof performance === "undefined" ? 0 : Math.round(performance.now());
}

/** Notes the first time `step` is reached (later calls for the same step are ignored). */
export function markStartup(step: string): void {
  if (!marks.some(([name]) => name === step)) marks.push([step, now()]);
}

/** The steps reached so far, in order, as `name=ms` pairs, after `origin=` the navigation's start (ms since
 * the epoch, to line the steps up with the log's times). */
export function startupMarks(): string {
  const origin = typeof performance === "undefined" ? 0 : Math.round(performance.timeOrigin);
  return [`origin=${origin}`, ...marks.map(([name, ms]) => `${name}=${ms}`)].join(" ");
}
