#!/usr/bin/env bash
# Runs the real-window end-to-end tests: Xvfb + tauri-driver (WebKitWebDriver) + the built app, inside a
# private D-Bus session. Starts and stops only what it started itself.
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$self")"
# The app under test: target/debug's, or the one DOCKMASTER_APP names (the test command runs its release build).
app=${DOCKMASTER_APP:-../../target/debug/dockmaster-app}
[ -x "$app" ] || { echo "e2e: $app is missing: build the app first (cargo build -p dockmaster-app -p dockmaster-cli)"; exit 1; }
[ -x "$(dirname "$app")/dockmaster" ] || { echo "e2e: the CLI beside $app is missing: cargo build -p dockmaster-cli"; exit 1; }
command -v tauri-driver >/dev/null || { echo "e2e: tauri-driver missing: run scripts/setup.sh"; exit 1; }

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${DOCKMASTER_E2E_IN_DBUS:-}" ]; then
  exec env DOCKMASTER_E2E_IN_DBUS=1 dbus-run-session -- bash "$self" "$@"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dockmaster-e2e.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # The last window's WebKit processes may still be writing their shader cache here while they exit.
  for _ in $(seq 100); do rm -rf "$work" 2>/dev/null && break; sleep 0.1; done
  rm -rf "$work"
}
trap cleanup EXIT

# A display of our own: the first free :N from 90.
display=90
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=":$display"
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done

# App settings (recent projects) go to a throwaway folder, never the user's.
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache"
# Dockmaster's own log too (the diagnostics spec reads it there).
export DOCKMASTER_LOG_DIR="$work/logs"

# Docker contexts (the Engines page writes them) go to a throwaway Docker config folder too, never ~/.docker;
# the docker CLI's plugins (Compose v2) are linked from the caller's.
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
export DOCKER_CONFIG="$work/docker"
mkdir -p "$DOCKER_CONFIG"
[ -d "$plugins" ] && ln -s "$plugins" "$DOCKER_CONFIG/cli-plugins"

# In our own D-Bus session, a throwaway unlocked Secret Service (gnome-keyring) for the app's secrets, started
# race-free as in tests/keychain/run.sh: the tests start once the name has an owner AND the default collection
# is unlocked. (Under an existing session bus the tests use that session's keychain.)
if [ -n "${DOCKMASTER_E2E_IN_DBUS:-}" ]; then
  export XDG_RUNTIME_DIR="$work/runtime"
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  printf '%s' "e2e-$RANDOM-$RANDOM" \
    | gnome-keyring-daemon --foreground --unlock --components=secrets >"$work/keyring.log" 2>&1 &
  pids+=($!)
  keyring=$!
  keyring_ready() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' &&
      dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
        org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null \
        | grep -q 'boolean false'
  }
  for _ in $(seq 100); do keyring_ready && break; kill -0 "$keyring" 2>/dev/null || break; sleep 0.1; done
  keyring_ready || { echo "e2e: the throwaway keychain did not come up unlocked:"; cat "$work/keyring.log"; exit 1; }

  # A real notification daemon (Debian's dunst, on our Xvfb) for the whole run: the notify spec reads what the
  # app sent back from its history (`dunstctl history`); the other specs' notifications land there too instead of
  # D-Bus activating a daemon nobody stops. Started here, stopped by its PID.
  dunst -config "$(dirname "$self")/dunstrc" >"$work/dunst.log" 2>&1 &
  pids+=($!)
  dunst_pid=$!
  dunst_ready() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.GetNameOwner string:org.freedesktop.Notifications >/dev/null 2>&1
  }
  for _ in $(seq 100); do dunst_ready && break; kill -0 "$dunst_pid" 2>/dev/null || break; sleep 0.1; done
  dunst_ready || { echo "e2e: the notification daemon (dunst) did not come up:"; cat "$work/dunst.log"; exit 1; }
fi

# tauri-driver's port and the next (WebKitWebDriver's): a pair nothing listens on, from 4444 up (other runs of this
# harness on the machine hold theirs; a session asked of their driver would fail or drive their window). A port
# given in TAURI_DRIVER_PORT must be free.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${TAURI_DRIVER_PORT:-}" ]; then
  port=$TAURI_DRIVER_PORT
  if listening "$port" || listening $((port + 1)); then
    echo "e2e: port $port or $((port + 1)) (TAURI_DRIVER_PORT) is taken: give free ones, or unset it to pick a pair"
    exit 1
  fi
else
  port=4444
  while listening "$port" || listening $((port + 1)); do port=$((port + 2)); done
fi
export TAURI_DRIVER_PORT=$port
driver=""
# tauri-driver starts the app, which inherits its environment: `start_driver VAR=value…` sets the app's.
start_driver() {
  env "$@" tauri-driver --port "$port" --native-port $((port + 1)) >>"$work/tauri-driver.log" 2>&1 &
  driver=$!
  pids+=("$driver")
  for _ in $(seq 100); do listening "$port" && break; kill -0 "$driver" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$driver" 2>/dev/null || { echo "e2e: tauri-driver on port $port exited:"; tail -n 20 "$work/tauri-driver.log"; exit 1; }
}
stop_driver() {
  kill -TERM "$driver" 2>/dev/null || true
  wait "$driver" 2>/dev/null || true
  for _ in $(seq 100); do listening "$port" || break; sleep 0.1; done
}

status=0
start_driver
node --test --test-concurrency=1 "${@:-specs/}" || status=$?
# The lifecycle spec once more with the app driving Compose v1 (Debian's docker-compose): the same window, the
# same checks, the other Compose.
if [ "$status" -eq 0 ] && [ $# -eq 0 ]; then
  stop_driver
  echo "--- lifecycle again, with Compose v1 ---"
  start_driver DOCKMASTER_COMPOSE=v1
  DOCKMASTER_COMPOSE=v1 node --test specs/lifecycle.test.mjs || status=$?
fi
if [ "$status" -ne 0 ]; then
  echo "--- tauri-driver log ---"; tail -n 50 "$work/tauri-driver.log" || true
fi
exit "$status"
