#!/usr/bin/env bash
# Builds the local image every service of the demo Compose project (demo/) runs: dockmaster/demo-busybox:latest,
# a root file system holding only Debian's static busybox, imported through the engine (no registry needed).
# A thin wrapper: the recipe lives in the core (crates/dockmaster-core/src/demo/), behind `dockmaster demo image`,
# which the app's "Try the demo" uses too. Idempotent: the image carries a hash of its recipe and is rebuilt only
# when it changes. Needs a running engine (scripts/engine.sh start).
#   DOCKMASTER_BIN=/usr/bin/dockmaster scripts/demo-image.sh   # use that binary instead of building the CLI
set -euo pipefail
cd "$(dirname "$0")/.."

# The image has no C library: it needs Debian's statically linked busybox (the core refuses a dynamic one).
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed"; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q busybox-static >/dev/null 2>&1 ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q busybox-static >/dev/null; } ||
    { echo "demo-image: could not install busybox-static" >&2; exit 1; }
fi

if [ -n "${DOCKMASTER_BIN:-}" ]; then
  exec "$DOCKMASTER_BIN" demo image
fi
exec cargo run --quiet --locked -p dockmaster-cli -- demo image
