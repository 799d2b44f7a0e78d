#!/usr/bin/env bash
# Runs a command against a real, throwaway, unlocked Secret Service (gnome-keyring), race-free:
# inside `dbus-run-session`, with a throwaway XDG_DATA_HOME, gnome-keyring-daemon is started in the foreground
# with the password on stdin; the command runs once `org.freedesktop.secrets` has an owner AND the default
# collection is unlocked; the daemon is killed by its PID at the end.
#
#   tests/keychain/run.sh                      # the real-keychain tests (core + CLI)
#   tests/keychain/run.sh cargo test --workspace --locked   # everything, keychain tests included
#   DOCKMASTER_KEYCHAIN_EMPTY=1 tests/keychain/run.sh CMD   # a Secret Service with NO default collection (no
#                                              # keyring at all, as outside a GNOME login session)
#
# Needs: dbus dbus-x11 gnome-keyring libsecret-tools (scripts/setup.sh installs them).
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$self")/../.."

if [ -z "${DOCKMASTER_KEYCHAIN_SESSION:-}" ]; then
  for tool in dbus-run-session dbus-send gnome-keyring-daemon secret-tool; do
    command -v "$tool" >/dev/null || { echo "tests/keychain/run.sh: $tool is missing: run scripts/setup.sh" >&2; exit 1; }
  done
  exec env DOCKMASTER_KEYCHAIN_SESSION=1 dbus-run-session -- bash "$self" "$@"
fi

empty="${DOCKMASTER_KEYCHAIN_EMPTY:-}"
if [ "$#" -eq 0 ] && [ -n "$empty" ]; then
  set -- cargo test -p dockmaster-core --test keychain_collection
elif [ "$#" -eq 0 ]; then
  set -- bash -c 'cargo test -p dockmaster-core --test keychain && cargo test -p dockmaster-cli --test secrets'
fi

tmp="$(mktemp -d)"
export XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_RUNTIME_DIR="$tmp/runtime"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# A throwaway keyring's password (the tests use it to unlock the keyring again after locking it).
DOCKMASTER_TEST_KEYRING_PASSWORD="throwaway-$RANDOM-$RANDOM"
export DOCKMASTER_TEST_KEYRING_PASSWORD

if [ -n "$empty" ]; then
  # No --unlock: no login keyring is made, so there is no default collection until someone creates one.
  gnome-keyring-daemon --foreground --components=secrets </dev/null >"$tmp/daemon.log" 2>&1 &
else
  printf '%s' "$DOCKMASTER_TEST_KEYRING_PASSWORD" \
    | gnome-keyring-daemon --foreground --unlock --components=secrets >"$tmp/daemon.log" 2>&1 &
fi
daemon=$!
cleanup() {
  kill "$daemon" 2>/dev/null || true
  wait "$daemon" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

has_owner() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}
unlocked() {
  # The empty keychain has nothing to unlock: up means the service answers.
  [ -n "$empty" ] && return 0
  dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
    org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null \
    | grep -q 'boolean false'
}
for _ in $(seq 1 100); do
  if has_owner && unlocked; then break; fi
  if ! kill -0 "$daemon" 2>/dev/null; then
    echo "tests/keychain/run.sh: gnome-keyring-daemon exited:" >&2; cat "$tmp/daemon.log" >&2; exit 1
  fi
  sleep 0.1
done
if ! (has_owner && unlocked); then
  echo "tests/keychain/run.sh: the Secret Service did not come up ($([ -n "$empty" ] && echo empty || echo unlocked)) within 10 s" >&2
  cat "$tmp/daemon.log" >&2
  exit 1
fi
export DOCKMASTER_KEYCHAIN_DAEMON_PID="$daemon"

status=0
"$@" || status=$?
exit "$status"
