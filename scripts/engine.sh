#!/usr/bin/env bash
# Makes sure a Docker engine answers at the default socket, for tests and the demo project.
#
#   scripts/engine.sh start    if `docker version` already works, do nothing; otherwise start dockerd in the
#                              background (log under ${TMPDIR:-/tmp}), record its PID, wait up to 30 s for it.
#   scripts/engine.sh stop     stop ONLY a dockerd this script started (by the recorded PID); never any other.
#   scripts/engine.sh status   say whether an engine answers and whether this script started it.
#
# Works without a TTY (CI): dockerd runs in its own session with stdin from /dev/null.
# Starting dockerd needs root (or passwordless sudo).
set -euo pipefail

STATE_DIR="${TMPDIR:-/tmp}"
PIDFILE="$STATE_DIR/dockmaster-dockerd.pid"
LOGFILE="$STATE_DIR/dockmaster-dockerd.log"
DEFAULT_SOCK="unix:///var/run/docker.sock"
WAIT_SECONDS=30

say() { echo "engine: $*"; }
die() { echo "engine: $*" >&2; exit 1; }

# Any engine the client is configured for (DOCKER_HOST, context) answers.
engine_answers() { timeout 10 docker version >/dev/null 2>&1; }
# The engine at the default socket answers (what `start` waits for).
default_answers() { DOCKER_HOST="$DEFAULT_SOCK" timeout 10 docker version >/dev/null 2>&1; }

# Prints the recorded PID if it still names a running dockerd, else nothing. The name check guards against a
# recycled PID: a stale pidfile never makes this script signal an unrelated process.
recorded_pid() {
  [ -f "$PIDFILE" ] || return 0
  local pid comm
  pid=$(tr -dc '0-9' <"$PIDFILE" 2>/dev/null || true)
  if [ -n "$pid" ] && comm=$(cat "/proc/$pid/comm" 2>/dev/null) && [ "$comm" = dockerd ]; then
    echo "$pid"
  fi
}

start() {
  command -v docker >/dev/null 2>&1 || die "docker CLI not found (install docker.io, see scripts/setup.sh)"
  if engine_answers; then
    return 0
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd not found (install docker.io, see scripts/setup.sh)"
  local pid
  pid=$(recorded_pid)
  if [ -z "$pid" ]; then
    local -a run=()
    if [ "$(id -u)" -ne 0 ]; then
      sudo -n true 2>/dev/null || die "starting dockerd needs root or passwordless sudo"
      run=(sudo -n)
    fi
    mkdir -p "$STATE_DIR"
    rm -f "$PIDFILE"
    # setsid: own session, so no controlling terminal is needed and the caller's job control cannot stop it.
    # The inner shell records its own PID and then execs dockerd, so the pidfile holds dockerd's PID even if
    # setsid or sudo had to fork.
    # shellcheck disable=SC2016
    setsid ${run[@]+"${run[@]}"} sh -c 'echo $$ >"$1"; exec dockerd' sh "$PIDFILE" </dev/null >>"$LOGFILE" 2>&1 &
    local i
    for ((i = 0; i < 50; i++)); do
      pid=$(recorded_pid)
      [ -n "$pid" ] && break
      sleep 0.1
    done
    [ -n "$pid" ] || die "dockerd did not start (log: $LOGFILE)"
    say "started dockerd (pid $pid, log $LOGFILE)"
  fi
  local i
  for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
    if default_answers; then
      return 0
    fi
    if ! [ -d "/proc/$pid" ]; then
      rm -f "$PIDFILE"
      tail -n 20 "$LOGFILE" >&2 || true
      die "dockerd exited during start-up (log: $LOGFILE)"
    fi
    sleep 0.5
  done
  die "dockerd (pid $pid) did not answer at $DEFAULT_SOCK within ${WAIT_SECONDS}s (log: $LOGFILE)"
}

stop() {
  local pid
  pid=$(recorded_pid)
  if [ -z "$pid" ]; then
    rm -f "$PIDFILE"
    say "no dockerd started by this script is running; nothing to stop"
    return 0
  fi
  local -a run=()
  [ "$(id -u)" -eq 0 ] || run=(sudo -n)
  ${run[@]+"${run[@]}"} kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 40; i++)); do
    [ -d "/proc/$pid" ] || break
    sleep 0.5
  done
  if [ -d "/proc/$pid" ]; then
    say "dockerd (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL"
    ${run[@]+"${run[@]}"} kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  say "stopped dockerd (pid $pid)"
}

status() {
  local pid
  pid=$(recorded_pid)
  if engine_answers; then
    say "engine answers${pid:+ (dockerd pid $pid, started by this script)}"
  else
    say "no engine answers${pid:+ (dockerd pid $pid started by this script is still starting or hung)}"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
