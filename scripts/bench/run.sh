#!/usr/bin/env bash
# Dockmaster's benchmarks (results and how to read them: docs/BENCHMARKS.md). Not part of CI.
#
#   bash scripts/bench/run.sh [--smoke] [latency] [snapshot] [idle] [engine-cpu]    (default: all four)
#
# Builds the release binaries (dockmaster + the bench driver crates/dockmaster-cli/examples/bench.rs), starts a
# PRIVATE dockerd of its own (own data-root, exec-root, pidfile and socket, its own bridge interface, --iptables=false) so
# other users of the shared engine neither disturb the numbers nor are disturbed, copies the demo image into it,
# runs the driver against it, then stops that dockerd by its PID and removes its folder. Numbers go to stdout
# (Markdown tables) and target/bench/results.json.
#
#   --smoke                 a tiny run of each benchmark with a debug build (checks the driver, ≈ 30 s; the
#                           numbers mean nothing)
#   BENCH_SHARED_ENGINE=1   use the engine DOCKER_HOST (or the default socket) points at instead of a private one;
#                           the engine-CPU benchmark then needs BENCH_DOCKERD_PID if /var/run/docker.pid is wrong
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
IMAGE=dockmaster/demo-busybox:latest

profile=release
for a in "$@"; do [ "$a" = --smoke ] && profile=debug; done
if [ "$profile" = release ]; then
  cargo build --release -p dockmaster-cli --bin dockmaster --example bench
else
  cargo build -p dockmaster-cli --bin dockmaster --example bench
fi
BENCH="$ROOT/target/$profile/examples/bench"
export DOCKMASTER_BIN="$ROOT/target/$profile/dockmaster"

docker image inspect "$IMAGE" >/dev/null 2>&1 || bash scripts/demo-image.sh

if [ "${BENCH_SHARED_ENGINE:-}" = 1 ]; then
  exec "$BENCH" "$@"
fi

command -v dockerd >/dev/null || { echo "bench: dockerd is missing (scripts/setup.sh installs docker.io)" >&2; exit 1; }
# Short path: Unix socket paths are limited to ~108 bytes.
DIR=$(mktemp -d /tmp/dmbench-XXXXXX)
DOCKERD_PID=""
# Its default bridge is an interface of its own: never --bridge=none, with which a dockerd deletes the host's
# docker0 when it starts (Moby's removeDefaultBridgeInterface) and breaks the shared engine's default network.
BRIDGE="dmb-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
stop_engine() {
  set +e
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    # Every container of this engine is the benchmark's: remove them, then stop the engine (SIGTERM, SIGKILL
    # after 30 s).
    ids=$(docker -H "unix://$DIR/sock" ps -aq 2>/dev/null)
    [ -z "$ids" ] || docker -H "unix://$DIR/sock" rm -f -v $ids >/dev/null 2>&1
    kill -TERM "$DOCKERD_PID"
    for _ in $(seq 300); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DOCKERD_PID" 2>/dev/null
    wait "$DOCKERD_PID" 2>/dev/null
  fi
  # Mounts it left under its folder (overlay layers, netns, shm), deepest first; then the folder.
  grep -o " $DIR[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  [ ! -e "/sys/class/net/$BRIDGE" ] || ip link delete "$BRIDGE"
  rm -rf "$DIR"
}
trap stop_engine EXIT

ip link add "$BRIDGE" type bridge && ip link set "$BRIDGE" up
dockerd --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$DIR/pid" -H "unix://$DIR/sock" \
  --bridge="$BRIDGE" --iptables=false </dev/null >"$DIR/dockerd.log" 2>&1 &
DOCKERD_PID=$!
export DOCKER_HOST="unix://$DIR/sock" DOCKER_CONTEXT= DOCKER_TLS_VERIFY=
for _ in $(seq 600); do
  docker version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -20 "$DIR/dockerd.log" >&2; exit 1; }
  sleep 0.1
done
docker version >/dev/null || { echo "bench: the private dockerd did not answer" >&2; tail -20 "$DIR/dockerd.log" >&2; exit 1; }
DOCKER_HOST= docker save "$IMAGE" | docker load >/dev/null
export BENCH_DOCKERD_PID=$DOCKERD_PID
BENCH_CONTAINERD_PID=$(cat "$DIR/exec/containerd/containerd.pid" 2>/dev/null || true)
export BENCH_CONTAINERD_PID
"$BENCH" "$@"
