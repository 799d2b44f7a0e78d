#!/usr/bin/env bash
# Builds the local image every service of the demo Compose project (demo/) runs: dockmaster/demo-busybox:latest,
# a root file system holding only Debian's static busybox, made with `docker import` (no registry needed).
# Idempotent: the image carries a hash of its inputs and is rebuilt only when they change.
# Needs a running engine (scripts/engine.sh start).
set -euo pipefail

IMAGE="dockmaster/demo-busybox:latest"
BUSYBOX=/bin/busybox
# Applets the demo's commands and healthchecks use (plus a few for poking around with `docker exec`).
APPLETS=(sh ash httpd wget nc sleep cat echo printf mkdir ls env kill true false test "[" rm hostname id ps
  uname date head tail grep)
RECIPE_VERSION=1

die() { echo "demo-image: $*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker CLI not found (install docker.io, see scripts/setup.sh)"
timeout 10 docker version >/dev/null 2>&1 ||
  die "Docker engine not reachable (start one with scripts/engine.sh start)"

if [ ! -x "$BUSYBOX" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q busybox-static >/dev/null 2>&1 ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q busybox-static >/dev/null; } ||
    die "could not install busybox-static"
fi
# The image has no C library: a dynamically linked busybox (Debian's `busybox` package) would not run in it.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  die "$BUSYBOX is dynamically linked; install busybox-static instead of busybox"
fi

hash=$( { sha256sum <"$BUSYBOX"; printf '%s\n' "$RECIPE_VERSION" "${APPLETS[@]}"; } | sha256sum | cut -c1-16)
current=$(docker image inspect -f '{{ index .Config.Labels "dockmaster.demo.hash" }}' "$IMAGE" 2>/dev/null || true)
# `docker compose build` of the demo's build sections retags the image with Compose labels, which every container
# would then inherit (and be mistaken for that project's): rebuild it then too.
built_by=$(docker image inspect -f '{{ index .Config.Labels "com.docker.compose.project" }}' "$IMAGE" 2>/dev/null || true)
if [ "$current" = "$hash" ] && [ -z "$built_by" ]; then
  exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc"
chmod 1777 "$root/tmp"
cp "$BUSYBOX" "$root/bin/busybox"
for a in "${APPLETS[@]}"; do
  ln -s busybox "$root/bin/$a"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

tar -C "$root" --numeric-owner --owner=0 --group=0 -c . |
  docker import \
    --change 'LABEL dockmaster.test=1' \
    --change "LABEL dockmaster.demo.hash=$hash" \
    --change 'ENV PATH=/bin' \
    --change 'WORKDIR /' \
    --change 'CMD ["sh"]' \
    - "$IMAGE" >/dev/null
echo "demo-image: built $IMAGE"
