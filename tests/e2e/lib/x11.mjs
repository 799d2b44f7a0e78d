// The harness's X display as a user's desktop would act on it: xdotool on the app's own window (the display is
// the run's private Xvfb, so every window on it is the test's).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/** Runs xdotool with `args`; its output, trimmed. */
export function xdotool(args) {
  return execFileSync('xdotool', args.map(String), { encoding: 'utf8' }).trim();
}

/** The X window of the app (its visible toplevel, titled "Dockmaster"). */
export function appWindow() {
  const ids = xdotool(['search', '--onlyvisible', '--name', '^Dockmaster$']).split('\n').filter(Boolean);
  assert.equal(ids.length, 1, `one visible Dockmaster window (found ${ids.length})`);
  return ids[0];
}
