// What the desktop's notification daemon received: the harness (run.sh) runs Debian's dunst in the test's D-Bus
// session, and this reads its history back with `dunstctl` (every notification shown leaves the screen into the
// history; `close-all` moves the ones still shown there first).
import { execFileSync } from 'node:child_process';

function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The name the session's notification daemon gives (org.freedesktop.Notifications.GetServerInformation). */
export function daemonName() {
  const reply = run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.Notifications',
    '/org/freedesktop/Notifications', 'org.freedesktop.Notifications.GetServerInformation']);
  return reply.match(/string "([^"]*)"/)?.[1] ?? null;
}

/** Fails with what to do unless dunst is the session's notification daemon (the harness starts it). */
export function requireDunst() {
  let name = null;
  try {
    name = daemonName();
  } catch (e) {
    throw new Error(`no notification daemon answers on the session bus (${e.message.split('\n')[0]}): run the spec with ` +
      'tests/e2e/run.sh in its own D-Bus session (unset DBUS_SESSION_BUS_ADDRESS), which starts dunst');
  }
  if (name !== 'dunst') {
    throw new Error(`the session's notification daemon is "${name}", not dunst, so what the app sends cannot be read ` +
      'back: run tests/e2e/run.sh in its own D-Bus session (unset DBUS_SESSION_BUS_ADDRESS)');
  }
}

/** Every notification the daemon has received so far, oldest first: `{ id, app, summary, body }`. */
export function received() {
  for (let i = 0; i < 20; i++) {
    run('dunstctl', ['close-all']);
    if (run('dunstctl', ['count', 'displayed']) === '0' && run('dunstctl', ['count', 'waiting']) === '0') break;
  }
  const history = JSON.parse(run('dunstctl', ['history']));
  const field = (n, key) => n[key]?.data ?? null;
  return history.data
    .flat()
    .map((n) => ({ id: field(n, 'id'), app: field(n, 'appname'), summary: field(n, 'summary'), body: field(n, 'body') }))
    .sort((a, b) => a.id - b.id);
}
