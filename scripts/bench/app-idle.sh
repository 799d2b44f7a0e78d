#!/usr/bin/env bash
# Idle footprint of the whole desktop app (results: docs/BENCHMARKS.md, "Idle footprint"). Not part of CI.
#
#   bash scripts/bench/app-idle.sh [SECONDS=60] [debug|release]
#
# Starts a private copy of the demo stack (development profile) under a unique project name with free loopback
# ports, opens the built app on it under a private Xvfb display (XDG folders in a temporary directory), lets it
# settle for 15 s, then measures the app's whole process tree (the Rust process and its WebKit web and network
# processes) over SECONDS: CPU time used (from /proc/PID/stat) and, at the end, RSS and PSS (from
# /proc/PID/smaps_rollup). Stops and removes only what it started. BENCH_NO_BUILD=1 uses the app as built.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SECONDS_TO_MEASURE=${1:-60}
PROFILE=${2:-debug}
APP="$ROOT/target/$PROFILE/dockmaster-app"

if [ -n "${BENCH_NO_BUILD:-}" ]; then
  [ -x "$APP" ] || { echo "app-idle: $APP is not built" >&2; exit 1; }
elif [ "$PROFILE" = release ]; then
  (cd ui && npm run build >/dev/null) && cargo build --release -p dockmaster-app
else
  (cd ui && npm run build >/dev/null) && cargo build -p dockmaster-app
fi
bash scripts/engine.sh start >/dev/null
bash scripts/demo-image.sh

work=$(mktemp -d /tmp/dmappidle-XXXXXX)
project="dmappidle$$"
pids=()
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  docker compose --project-directory "$work/demo" -p "$project" --profile development down -v --remove-orphans \
    >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cp -r demo "$work/demo"
rm -f "$work/demo/.env"
{
  echo "COMPOSE_PROJECT_NAME=$project"
  echo "DEMO_CONTAINER_PREFIX=$project"
  echo "NEXUS_SUBNET=10.$((100 + RANDOM % 150)).$((RANDOM % 256)).0/24"
  echo "REGIONAL_SUBNET=10.$((100 + RANDOM % 150)).$((RANDOM % 256)).0/24"
  for v in DB_PORT NEXUS_DB_PORT REDIS_PORT REDIS_NEXUS_PORT GAMESERVER_PORT CENTRAL_NEXUS_PORT PLAYER_CLIENT_PORT \
    ADMIN_UI_PORT REGION_MANAGER_PORT HTTP_PORT HTTPS_PORT PROMETHEUS_PORT GRAFANA_PORT; do
    echo "$v=$(free_port)"
  done
  echo "JWT_SECRET=bench-only-jwt-secret-0123456789abcdef"
} >"$work/demo/.env"
docker compose --project-directory "$work/demo" -f "$work/demo/docker-compose.yml" \
  -f "$work/demo/docker-compose.dev.yml" -p "$project" --profile development up -d --wait >/dev/null 2>&1

display=90
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
DISPLAY=":$display" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache" \
  "$APP" --project "$work/demo" >"$work/app.log" 2>&1 &
app=$!
pids=("$app" "${pids[@]}")
sleep 15

tree() { # the app and all its descendants
  local todo=("$app") out=()
  while [ ${#todo[@]} -gt 0 ]; do
    local p=${todo[0]}; todo=("${todo[@]:1}"); out+=("$p")
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do todo+=("$c"); done
  done
  echo "${out[@]}"
}
ticks() { # utime + stime of one process, in clock ticks
  local f
  read -r -a f < <(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null || echo)
  echo $(( ${f[11]:-0} + ${f[12]:-0} ))
}
cpu_ticks() { # of the whole tree
  local sum=0 p
  for p in $(tree); do sum=$((sum + $(ticks "$p"))); done
  echo "$sum"
}
hz=$(getconf CLK_TCK)
declare -A before
for p in $(tree); do before[$p]=$(ticks "$p"); done
t0=$(cpu_ticks)
sleep "$SECONDS_TO_MEASURE"
t1=$(cpu_ticks)

echo "| process | CPU % of a core | RSS MiB | PSS MiB |"
echo "|---|---|---|---|"
rss_total=0; pss_total=0
for p in $(tree); do
  name=$(cat "/proc/$p/comm" 2>/dev/null) || continue
  rss=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")
  pss=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")
  rss_total=$((rss_total + rss)); pss_total=$((pss_total + pss))
  d=$(( $(ticks "$p") - ${before[$p]:-0} ))
  awk -v n="$name" -v p="$p" -v d="$d" -v hz="$hz" -v secs="$SECONDS_TO_MEASURE" -v r="$rss" -v s="$pss" \
    'BEGIN { printf "| %s (%s) | %.2f | %.1f | %.1f |\n", n, p, d * 100 / hz / secs, r/1024, s/1024 }'
done
awk -v r="$rss_total" -v s="$pss_total" 'BEGIN { printf "| **whole app** | | %.1f | %.1f |\n", r/1024, s/1024 }'
awk -v d="$((t1 - t0))" -v hz="$hz" -v secs="$SECONDS_TO_MEASURE" -v prof="$PROFILE" 'BEGIN {
  printf "\nCPU over %s s idle (%s build, demo development stack running, dashboard open): %.2f %% of one core\n",
    secs, prof, d * 100 / hz / secs }'
