#!/usr/bin/env bash
# Sets up the machine if needed, builds Dockmaster, and opens it on the demo project (or on DIR if given:
# scripts/run.sh /path/to/Sectorwars2102).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh
(cd ui && npm run build)
cargo build -p dockmaster-app -p dockmaster-cli --locked
project=$(cd "${1:-$ROOT/demo}" && pwd)

# The demo's containers need a local engine and the demo image (no registry is needed).
if bash scripts/engine.sh start; then
  bash scripts/demo-image.sh || echo "run: demo image not built; the stack view still works without it"
else
  echo "run: no Docker engine; Dockmaster still shows the project's topology"
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  display=90
  while [ -e "/tmp/.X11-unix/X$display" ]; do display=$((display + 1)); done
  echo "run: no display; starting Xvfb on :$display (view it with a VNC server, or take screenshots)"
  Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill -TERM $xvfb 2>/dev/null || true' EXIT
  export DISPLAY=":$display"
  sleep 0.5
fi
app=("$ROOT/target/debug/dockmaster-app" --project "$project")
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  dbus-run-session -- "${app[@]}"
else
  "${app[@]}"
fi
