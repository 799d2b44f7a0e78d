#!/usr/bin/env bash
# Smoke test of the demo project against a real engine with Compose v2 (`docker compose`) and/or v1
# (`docker-compose`):
#   usage: demo/verify.sh [v2] [v1]        (default: both)
# For each version: `config` (base and base + dev override), the development profile up to healthy (7 services),
# + monitoring (9), ports on 127.0.0.1 only, no build or pull, `down -v` leaves nothing; the dev override pins
# VITE_* to empty and logs the "[dev-tier]" line; the regional-template services get generated names; the
# production profile fails on the dangling `depends_on: gameserver` with the version's own message.
# Every run uses its own project name, container-name prefix, free host ports and unused subnets, and removes
# everything it created (by the project label) even on failure. Needs: an engine (scripts/engine.sh start),
# the image (scripts/demo-image.sh), curl, ss.
set -euo pipefail
cd "$(dirname "$0")"
DEMO=$PWD
IMAGE=dockmaster/demo-busybox:latest
DEV_SERVICES="admin-ui database gameserver nginx-gateway player-client redis-cache region-manager"
MON_SERVICES="grafana prometheus"
TEMPLATE_SERVICES="regional-db-template regional-server-template"
ALL_PROFILES=(--profile development --profile monitoring --profile multi-regional --profile regional-template)

VERSIONS=("$@")
[ "${#VERSIONS[@]}" -gt 0 ] || VERSIONS=(v2 v1)

fail() { echo "FAIL: $*" >&2; exit 1; }
# Compose's output without the "variable is not set" warnings (the demo leaves the secrets unset on purpose).
quiet() { grep -v 'variable is not set' || true; }
ok() { echo "  ok: $*"; }

timeout 10 docker version >/dev/null 2>&1 || fail "no engine (scripts/engine.sh start)"
docker image inspect "$IMAGE" >/dev/null 2>&1 || fail "no $IMAGE (scripts/demo-image.sh)"
IMAGE_ID=$(docker image inspect -f '{{.Id}}' "$IMAGE")

PROJECTS=()
cleanup_project() {
  local p=$1 ids
  ids=$(docker ps -aq --filter "label=com.docker.compose.project=$p")
  [ -z "$ids" ] || docker rm -f -v $ids >/dev/null
  ids=$(docker network ls -q --filter "label=com.docker.compose.project=$p")
  [ -z "$ids" ] || docker network rm $ids >/dev/null
  ids=$(docker volume ls -q --filter "label=com.docker.compose.project=$p")
  [ -z "$ids" ] || docker volume rm $ids >/dev/null
}
cleanup() {
  local p
  for p in ${PROJECTS[@]+"${PROJECTS[@]}"}; do cleanup_project "$p" || true; done
}
trap cleanup EXIT

# Free host ports: none listening now and none handed out before in this run.
USED_PORTS=" "
free_port() {
  local port listening
  listening=$(ss -Hltn | awk '{print $4}' | sed 's/.*://' | tr '\n' ' ')
  while :; do
    port=$((20000 + RANDOM % 40000))
    case " $listening $USED_PORTS " in *" $port "*) continue ;; esac
    USED_PORTS="${USED_PORTS}$port "
    echo "$port"
    return
  done
}

# A 10.x.y.0/24 in a 10.x block no Docker network uses yet.
USED_SUBNETS=" "
free_subnet() {
  local existing x
  existing=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' $(docker network ls -q) 2>/dev/null | tr '\n' ' ')
  while :; do
    x=$((100 + RANDOM % 150))
    case " $existing $USED_SUBNETS " in *" 10.$x."* | *" 10.0.0.0/8 "*) continue ;; esac
    USED_SUBNETS="${USED_SUBNETS}10.$x. "
    echo "10.$x.$((RANDOM % 256)).0/24"
    return
  done
}

new_project() { # $1 = version tag; sets P and exports every variable the project reads for ports/names/subnets
  P="dmdemo-check-$$-$1-$RANDOM"
  PROJECTS+=("$P")
  export DEMO_CONTAINER_PREFIX="$P"
  export NEXUS_SUBNET REGIONAL_SUBNET
  NEXUS_SUBNET=$(free_subnet)
  REGIONAL_SUBNET=$(free_subnet)
  local v
  for v in DB_PORT NEXUS_DB_PORT REDIS_PORT REDIS_NEXUS_PORT GAMESERVER_PORT CENTRAL_NEXUS_PORT PLAYER_CLIENT_PORT \
    ADMIN_UI_PORT REGION_MANAGER_PORT HTTP_PORT HTTPS_PORT PROMETHEUS_PORT GRAFANA_PORT; do
    export "$v=$(free_port)"
  done
}

compose() { # compose <v1|v2> args...
  local v=$1
  shift
  if [ "$v" = v2 ]; then docker compose "$@"; else docker-compose "$@"; fi
}

services_of() { # sorted service names of project $1's containers
  docker ps -a --filter "label=com.docker.compose.project=$1" --format '{{.Label "com.docker.compose.service"}}' |
    sort | tr '\n' ' ' | sed 's/ $//'
}

# Waits until project $1 has exactly the services $2 (space-separated, sorted) and all are healthy.
wait_healthy() {
  local p=$1 want=$2 deadline=$((SECONDS + 90)) have states
  while :; do
    have=$(services_of "$p")
    states=$(docker ps -a --filter "label=com.docker.compose.project=$p" -q |
      xargs -r docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' |
      sort -u | tr '\n' ' ')
    if [ "$have" = "$want" ] && [ "$states" = "running/healthy " ]; then
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "$p: want [$want] all running/healthy, have [$have] states [$states]"
    sleep 1
  done
}

assert_clean() {
  local p=$1 n
  n=$(($(docker ps -aq --filter "label=com.docker.compose.project=$p" | wc -l) +
    $(docker network ls -q --filter "label=com.docker.compose.project=$p" | wc -l) +
    $(docker volume ls -q --filter "label=com.docker.compose.project=$p" | wc -l)))
  [ "$n" -eq 0 ] || fail "$p: $n containers/networks/volumes left after down -v"
}

assert_offline_start() { # $1 project, $2 up output: every container runs the imported image; nothing built/pulled
  local p=$1 out=$2 images
  if grep -qiE 'build|pull' <<<"$out"; then fail "$p: up built or pulled: $(grep -iE 'build|pull' <<<"$out")"; fi
  images=$(docker ps -aq --filter "label=com.docker.compose.project=$p" | xargs -r docker inspect -f '{{.Image}}' | sort -u)
  [ "$images" = "$IMAGE_ID" ] || fail "$p: containers run [$images], want $IMAGE_ID"
}

up() { # up <v> <project> <expected services> compose-args... ; runs `up -d` (v2: --wait) and waits for health
  local v=$1 p=$2 want=$3 out
  shift 3
  local -a wait=()
  [ "$v" = v1 ] || wait=(--wait)
  out=$(compose "$v" -p "$p" "$@" up -d ${wait[@]+"${wait[@]}"} 2>&1) || fail "$p: up failed: $(quiet <<<"$out")"
  out=$(quiet <<<"$out")
  wait_healthy "$p" "$want"
  assert_offline_start "$p" "$out"
}

check_version() {
  local v=$1 f=(-f "$DEMO/docker-compose.yml") fd=(-f "$DEMO/docker-compose.yml" -f "$DEMO/docker-compose.dev.yml")
  echo "== Compose $v: $(compose "$v" version --short 2>/dev/null || compose "$v" version | head -1)"

  compose "$v" "${f[@]}" config -q 2>/dev/null || fail "$v: config of docker-compose.yml"
  compose "$v" "${fd[@]}" config -q 2>/dev/null || fail "$v: config with docker-compose.dev.yml"
  ok "config (base, base + dev override)"

  new_project "$v"
  up "$v" "$P" "$DEV_SERVICES" "${f[@]}" --profile development
  ok "development: 7 services healthy, no build, no pull"
  local body mapping
  body=$(curl -fsS "http://127.0.0.1:$GAMESERVER_PORT/") || fail "$P: gameserver not reachable on 127.0.0.1:$GAMESERVER_PORT"
  [ "$body" = "dockmaster demo / gameserver" ] || fail "$P: gameserver answered [$body]"
  mapping=$(docker ps -aq --filter "label=com.docker.compose.project=$P" | xargs -n1 docker port | awk '{print $3}' | sed 's/:[0-9]*$//' | sort -u)
  [ "$mapping" = "127.0.0.1" ] || fail "$P: ports published on [$mapping], want 127.0.0.1 only"
  ok "published ports answer and bind 127.0.0.1 only"
  [ "$(docker inspect -f '{{.Name}}' "$P-database")" = "/$P-database" ] || fail "$P: container_name not applied"
  ok "container_name uses the prefix ($P-database)"

  up "$v" "$P" "$(echo "$DEV_SERVICES $MON_SERVICES" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
    "${f[@]}" --profile development --profile monitoring
  ok "development + monitoring: 9 services healthy"

  compose "$v" -p "$P" "${f[@]}" --profile development --profile monitoring down -v >/dev/null 2>&1 ||
    fail "$P: down -v"
  assert_clean "$P"
  ok "down -v removed every container, network and volume"

  # Dev override.
  new_project "$v"
  up "$v" "$P" "$DEV_SERVICES" "${fd[@]}" --profile development
  local env
  for s in player-client admin-ui; do
    env=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$P-$s" | grep -E '^VITE_(API|WS)_URL=' | sort | tr '\n' ' ')
    [ "$env" = "VITE_API_URL= VITE_WS_URL= " ] || fail "$P: $s has [$env], want both VITE_* empty"
  done
  docker logs "$P-player-client" 2>&1 | grep -qF '[dev-tier] VITE_API_URL="" VITE_WS_URL=""' ||
    fail "$P: player-client log lacks the [dev-tier] line: $(docker logs "$P-player-client" 2>&1 | head -3)"
  ok "dev override: VITE_* pinned empty, [dev-tier] line in player-client's log"
  compose "$v" -p "$P" "${fd[@]}" --profile development down -v >/dev/null 2>&1 || fail "$P: down -v (dev override)"
  assert_clean "$P"
  ok "down -v (dev override) left nothing"

  # Templates: no container_name, so Compose's generated names (v2 P-svc-1, v1 P_svc_1).
  new_project "$v"
  up "$v" "$P" "$TEMPLATE_SERVICES" "${f[@]}" --profile regional-template
  local sep=- want_name
  [ "$v" = v2 ] || sep=_
  want_name="/$P${sep}regional-db-template${sep}1"
  [ "$(docker inspect -f '{{.Name}}' "${want_name#/}")" = "$want_name" ] || fail "$P: no container ${want_name#/}"
  ok "regional-template: 2 services healthy, generated name ${want_name#/}"
  compose "$v" -p "$P" "${f[@]}" --profile regional-template down -v >/dev/null 2>&1 || fail "$P: down -v (templates)"
  assert_clean "$P"

  # Production: gameserver is not active, player-client/admin-ui/nginx-gateway still depend on it.
  new_project "$v"
  local out rc=0
  out=$(compose "$v" -p "$P" "${f[@]}" --profile production up -d 2>&1) || rc=$?
  out=$(quiet <<<"$out")
  [ "$rc" -ne 0 ] || fail "$P: production up succeeded: $out"
  [ -n "$(docker ps -aq --filter "label=com.docker.compose.project=$P")" ] && fail "$P: production started containers"
  if [ "$v" = v2 ]; then
    grep -qE '^service "(player-client|admin-ui|nginx-gateway)" depends on undefined service "gameserver": invalid compose project$' <<<"$out" ||
      fail "$P: unexpected v2 production output: $out"
  else
    grep -qxF 'Service "database" was pulled in as a dependency of service "gameserver" but is not enabled by the active profiles. You may fix this by adding a common profile to "database" and "gameserver".' <<<"$(tail -n 1 <<<"$out")" ||
      fail "$P: unexpected v1 production output: $out"
  fi
  ok "production refused (dangling depends_on): $(tail -n 1 <<<"$out")"
  cleanup_project "$P"
  assert_clean "$P"
}

for v in "${VERSIONS[@]}"; do
  case "$v" in v1 | v2) check_version "$v" ;; *) fail "unknown version $v (v1 or v2)" ;; esac
done
echo "demo/verify.sh: all checks passed (${VERSIONS[*]})"
