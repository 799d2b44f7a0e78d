#!/usr/bin/env bash
# Idle footprint and start-up of the whole desktop app beside an empty Tauri app of the same version (results:
# docs/BENCHMARKS.md, "Idle footprint"). A measurement, not a test: not part of CI.
#
#   bash scripts/bench/app-idle.sh [SECONDS=60] [release|debug]
#
# One run builds both apps (release by default; BENCH_NO_BUILD=1 uses them as built): Dockmaster, and the empty
# app in scripts/bench/empty-app/ (a workspace member outside default-members with the same tauri and
# tauri-build lines as src-tauri/Cargo.toml: the root Cargo.lock, the shared target/ folder, the same release
# profile). It starts a private copy of the demo stack (development profile) under a unique project name with
# free loopback ports, a private Xvfb display with a window manager (openbox, so a window can be minimized as on
# a desktop), and XDG folders in a temporary directory (fresh ones for every start). Then, for each app:
#   idle     started, 15 s to settle, then SECONDS with the window shown (Dockmaster: the dashboard), then the
#            window minimized, 5 s to settle, SECONDS again: CPU time of the app's whole process tree (the Rust
#            process and its WebKit web and network processes, /proc/PID/stat) and, at the end of the shown
#            phase, RSS and PSS (/proc/PID/smaps_rollup)
#   start    BENCH_STARTS (5) cold starts, the apps taking turns: from just before exec to the first painted
#            frame (Dockmaster: the first dashboard with the engine's state), which each page reports as the
#            callback of its second requestAnimationFrame (`first-paint <epoch ms>` on stdout); median, min, max
# The empty app is also measured painting on the CPU (WEBKIT_DISABLE_COMPOSITING_MODE=1, the mode Dockmaster's
# window runs in: src-tauri/src/rendering.rs), shown only, and in the start-up turns: the like-for-like baseline
# beside the target's (the empty app as Tauri ships it).
# It prints Markdown tables and whether each target of issue 15 is met. Stops and removes only what it started.
# The apps get a D-Bus session address where no bus listens (no session bus, as on the machine the first
# numbers were taken on), so Dockmaster's single-instance check cannot hand the run to a Dockmaster of the
# desktop session, and neither app starts one through X11 autolaunch.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SECONDS_TO_MEASURE=${1:-60}
PROFILE=${2:-release}
STARTS=${BENCH_STARTS:-5}
# BENCH_APP: another Dockmaster binary to measure (e.g. a copy of an earlier build), with BENCH_NO_BUILD=1.
APP=${BENCH_APP:-"$ROOT/target/$PROFILE/dockmaster-app"}
EMPTY_DIR="$ROOT/scripts/bench/empty-app"
EMPTY="$ROOT/target/$PROFILE/dockmaster-bench-empty-app"
export CARGO_INCREMENTAL=0

for tool in Xvfb openbox xdotool; do
  command -v "$tool" >/dev/null || { echo "app-idle: $tool is missing (bash scripts/setup.sh installs it)" >&2; exit 1; }
done

# The empty app must use exactly the Tauri of the app it is compared with.
for dep in tauri tauri-build; do
  ours=$(grep -m1 -E "^$dep = " src-tauri/Cargo.toml || true) # the first: [dependencies] / [build-dependencies]
  theirs=$(grep -m1 -E "^$dep = " "$EMPTY_DIR/Cargo.toml" || true)
  if [ -z "$ours" ] || [ "$ours" != "$theirs" ]; then
    echo "app-idle: scripts/bench/empty-app/Cargo.toml must declare $dep as src-tauri/Cargo.toml does:" >&2
    echo "  src-tauri:  ${ours:-<none>}" >&2
    echo "  empty app:  ${theirs:-<none>}" >&2
    exit 1
  fi
done

cargo_profile=()
[ "$PROFILE" = release ] && cargo_profile=(--release)
if [ -n "${BENCH_NO_BUILD:-}" ]; then
  for bin in "$APP" "$EMPTY"; do [ -x "$bin" ] || { echo "app-idle: $bin is not built" >&2; exit 1; }; done
else
  (cd ui && npm run build >/dev/null)
  # One invocation: the empty app's features are a subset of the app's, so both resolve to the same compiled
  # dependencies (those of `cargo build -p dockmaster-app`) and only the empty app itself is compiled.
  cargo build "${cargo_profile[@]}" --locked -p dockmaster-app -p dockmaster-bench-empty-app
fi
bash scripts/engine.sh start >/dev/null
bash scripts/demo-image.sh

work=$(mktemp -d /tmp/dmappidle-XXXXXX)
project="dmappidle$$"
pids=()
running=""
stop_app() { # the app started last, by its PID
  [ -n "$running" ] || return 0
  kill -TERM "$running" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$running" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$running" 2>/dev/null || true
  wait "$running" 2>/dev/null || true
  running=""
}
cleanup() {
  set +e
  stop_app
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
echo "app-idle: bringing up the demo's development profile as $project" >&2
if ! docker compose --project-directory "$work/demo" -f "$work/demo/docker-compose.yml" \
  -f "$work/demo/docker-compose.dev.yml" -p "$project" --profile development up -d --wait >"$work/up.log" 2>&1; then
  echo "app-idle: the demo stack did not come up healthy:" >&2
  cat "$work/up.log" >&2
  exit 1
fi

display=90
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
export DISPLAY=":$display"
openbox --config-file /dev/null >"$work/openbox.log" 2>&1 &
pids+=($!)
sleep 0.5

# Starts one app (`dockmaster`, `empty`, or `empty-cpu`: the empty app painting on the CPU as Dockmaster's window
# does, src-tauri/src/rendering.rs) in the background with fresh private XDG folders (nothing remembered from an
# earlier start: window state, WebKit caches) and no session bus; its stdout and stderr go to $work/NAME.log.
launches=0
launch() {
  local name=$1 log="$work/$1.log" xdg
  local cmd=("$EMPTY")
  [ "$name" = dockmaster ] && cmd=("$APP" --project "$work/demo")
  [ "$name" = empty-cpu ] && cmd=(env WEBKIT_DISABLE_COMPOSITING_MODE=1 "$EMPTY")
  launches=$((launches + 1))
  xdg="$work/xdg-$launches"
  mkdir -p "$xdg"
  : >"$log"
  env DBUS_SESSION_BUS_ADDRESS="unix:path=$work/no-bus" XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" \
    XDG_CACHE_HOME="$xdg/cache" "${cmd[@]}" >"$log" 2>&1 &
  running=$!
}
# Waits for the page's `first-paint <ms>` line; prints the ms.
first_paint() {
  local log="$work/$1.log" line
  for _ in $(seq 600); do
    line=$(grep -o -m1 'first-paint [0-9]*' "$log" 2>/dev/null || true)
    [ -n "$line" ] && { echo "${line#first-paint }"; return 0; }
    kill -0 "$running" 2>/dev/null || break
    sleep 0.05
  done
  echo "app-idle: $1 reported no first paint; its log:" >&2
  cat "$log" >&2
  return 1
}
tree() { # the app and all its descendants
  local todo=("$running") out=()
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
hz=$(getconf CLK_TCK)
declare -A RESULT
# Measures the running app's tree over SECONDS_TO_MEASURE: per-process CPU (and memory when $2 = memory) into
# $work/KEY.md, the tree's CPU % into RESULT[KEY].
measure() {
  local key=$1 with_memory=${2:-} p
  declare -A before=()
  local procs
  procs=$(tree)
  for p in $procs; do before[$p]=$(ticks "$p"); done
  sleep "$SECONDS_TO_MEASURE"
  local total=0 rss_total=0 pss_total=0 out="$work/$key.md"
  : >"$out"
  for p in $(tree); do
    local name d rss=0 pss=0
    name=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    d=$(( $(ticks "$p") - ${before[$p]:-0} ))
    total=$((total + d))
    if [ -n "$with_memory" ]; then
      rss=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")
      pss=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")
      rss_total=$((rss_total + rss)); pss_total=$((pss_total + pss))
    fi
    # Memory is read in the shown phase only: "—" elsewhere.
    awk -v n="$name" -v d="$d" -v hz="$hz" -v secs="$SECONDS_TO_MEASURE" -v r="$rss" -v s="$pss" -v m="$with_memory" \
      'BEGIN { if (m == "") printf "| %s | %.2f | — | — |\n", n, d * 100 / hz / secs
               else printf "| %s | %.2f | %.1f | %.1f |\n", n, d * 100 / hz / secs, r/1024, s/1024 }' >>"$out"
  done
  RESULT[$key]=$(awk -v d="$total" -v hz="$hz" -v secs="$SECONDS_TO_MEASURE" 'BEGIN { printf "%.2f", d * 100 / hz / secs }')
  if [ -n "$with_memory" ]; then
    RESULT[$key-pss]=$(awk -v s="$pss_total" 'BEGIN { printf "%.1f", s/1024 }')
    RESULT[$key-rss]=$(awk -v r="$rss_total" 'BEGIN { printf "%.1f", r/1024 }')
  fi
}
# The app's top-level window (the one xdotool can minimize), by its process.
window_of() {
  local w
  for _ in $(seq 100); do
    w=$(xdotool search --onlyvisible --pid "$running" 2>/dev/null | head -n1 || true)
    [ -n "$w" ] && { echo "$w"; return 0; }
    sleep 0.1
  done
  echo "app-idle: no window of $1" >&2
  return 1
}
idle() {
  local name=$1 shown_only=${2:-} win
  launch "$name"
  first_paint "$name" >/dev/null
  win=$(window_of "$name")
  sleep 15
  measure "$name-shown" memory
  [ -n "$shown_only" ] && { stop_app; return 0; }
  xdotool windowminimize --sync "$win"
  sleep 5
  measure "$name-hidden"
  stop_app
}

echo "measuring: empty app idle (shown, then minimized; ${SECONDS_TO_MEASURE} s each)" >&2
idle empty
echo "measuring: the empty app painting on the CPU, shown (${SECONDS_TO_MEASURE} s)" >&2
idle empty-cpu shown-only
echo "measuring: Dockmaster idle on the demo's development stack (dashboard shown, then minimized)" >&2
idle dockmaster

echo "measuring: $STARTS cold starts of each, taking turns" >&2
declare -A STARTS_MS=([empty]="" [empty-cpu]="" [dockmaster]="")
for _ in $(seq "$STARTS"); do
  for name in empty empty-cpu dockmaster; do
    t0=$(date +%s%3N)
    launch "$name"
    t1=$(first_paint "$name")
    STARTS_MS[$name]+="$((t1 - t0)) "
    stop_app
  done
done
stats() { # median min max of the numbers given
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%d %d %d\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
read -r empty_med empty_min empty_max < <(stats ${STARTS_MS[empty]})
read -r cpu_med cpu_min cpu_max < <(stats ${STARTS_MS[empty-cpu]})
read -r dm_med dm_min dm_max < <(stats ${STARTS_MS[dockmaster]})

echo
echo "### Per process"
for key in empty-shown empty-hidden empty-cpu-shown dockmaster-shown dockmaster-hidden; do
  echo
  echo "$key:"
  echo
  echo "| process | CPU % of a core | RSS MiB | PSS MiB |"
  echo "|---|---|---|---|"
  cat "$work/$key.md"
done
echo
echo "### Side by side (${SECONDS_TO_MEASURE} s each, $PROFILE builds, demo development stack up)"
echo
echo "| | empty Tauri app | Dockmaster | target | met | empty app painting on the CPU (as Dockmaster) |"
echo "|---|---|---|---|---|---|"
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "yes" : "no" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pss_ratio=$(ratio "${RESULT[dockmaster-shown-pss]}" "${RESULT[empty-shown-pss]}")
start_ratio=$(ratio "$dm_med" "$empty_med")
cpu_pss_ratio=$(ratio "${RESULT[dockmaster-shown-pss]}" "${RESULT[empty-cpu-shown-pss]}")
cpu_start_ratio=$(ratio "$dm_med" "$cpu_med")
echo "| CPU, window shown (% of a core) | ${RESULT[empty-shown]} | ${RESULT[dockmaster-shown]} | ≤ 2 | $(verdict "${RESULT[dockmaster-shown]}" 2) | ${RESULT[empty-cpu-shown]} |"
echo "| CPU, window minimized (% of a core) | ${RESULT[empty-hidden]} | ${RESULT[dockmaster-hidden]} | ≤ 0.2 | $(verdict "${RESULT[dockmaster-hidden]}" 0.2) | |"
echo "| whole-app PSS, shown (MiB) | ${RESULT[empty-shown-pss]} | ${RESULT[dockmaster-shown-pss]} (${pss_ratio}×) | ≤ 1.25× | $(verdict "$pss_ratio" 1.25) | ${RESULT[empty-cpu-shown-pss]} (Dockmaster ${cpu_pss_ratio}×) |"
echo "| whole-app RSS, shown (MiB) | ${RESULT[empty-shown-rss]} | ${RESULT[dockmaster-shown-rss]} | | | ${RESULT[empty-cpu-shown-rss]} |"
echo "| cold start to first paint, median of $STARTS (ms) | $empty_med ($empty_min–$empty_max) | $dm_med ($dm_min–$dm_max) (${start_ratio}×) | ≤ 1.5× | $(verdict "$start_ratio" 1.5) | $cpu_med ($cpu_min–$cpu_max) (Dockmaster ${cpu_start_ratio}×) |"
