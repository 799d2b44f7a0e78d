#!/usr/bin/env bash
# The package test: builds the packages (or reuses them: scripts/package.sh rebuilds only what changed), installs
# the .deb with apt, checks what it installed (the CLI on the PATH with the workspace's version, the desktop entry,
# icons at every size, no path of the build tree in any file), drives the INSTALLED app under Xvfb in a private
# D-Bus session with a throwaway HOME (welcome screen → "Try the demo" → the demo's profiles, screenshots in
# tests/e2e/artifacts), checks the .rpm's contents with `rpm -qp` when rpm is installed, then removes the package
# and everything the test created. Needs root or sudo (apt), Xvfb, tauri-driver, WebKitWebDriver, the engine.
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$self")/../.."
ROOT=$PWD
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

fail() { echo "package test: FAIL: $*" >&2; exit 1; }
ok() { echo "package test: ok: $*"; }

for tool in apt-get dpkg-deb Xvfb dbus-run-session dbus-update-activation-environment tauri-driver WebKitWebDriver node desktop-file-validate; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/setup.sh"
done

if [ -z "${DOCKMASTER_PACKAGE_IN_DBUS:-}" ]; then
  exec env DOCKMASTER_PACKAGE_IN_DBUS=1 dbus-run-session -- bash "$self" "$@"
fi

# 1. The packages (the last two lines scripts/package.sh prints are their paths).
out=$(bash scripts/package.sh | tee -a /dev/stderr | tail -n 2)
deb=$(sed -n 1p <<<"$out")
rpm=$(sed -n 2p <<<"$out")
[ -f "$deb" ] && [ -f "$rpm" ] || fail "scripts/package.sh did not name two packages: $out"
version=$(dpkg-deb -f "$deb" Version)
name=$(dpkg-deb -f "$deb" Package)
[ "$name" = dockmaster ] || fail "the .deb is named $name, not dockmaster"
identifier=$(node -p 'require("./src-tauri/tauri.conf.json").identifier')
cargo_version=$(cargo metadata --no-deps --format-version 1 --locked |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).packages.find(p=>p.name==="dockmaster-cli").version))')
[ "$version" = "$cargo_version" ] || fail "the .deb's version $version is not the workspace's $cargo_version"

work=$(mktemp -d "${TMPDIR:-/tmp}/dockmaster-package.XXXXXX")
pids=()
installed=0
image_before=$(docker image inspect -f '{{.Id}}' dockmaster/demo-busybox:latest 2>/dev/null || true)
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$installed" -eq 1 ]; then
    $SUDO apt-get remove -y -q dockmaster >/dev/null || echo "package test: could not remove dockmaster" >&2
  fi
  # The demo image only if this test built it (it was not there before), and only ours (its recipe label).
  if [ -z "$image_before" ] &&
    [ -n "$(docker image inspect -f '{{ index .Config.Labels "dockmaster.demo.hash" }}' dockmaster/demo-busybox:latest 2>/dev/null)" ]; then
    docker image rm dockmaster/demo-busybox:latest >/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# 2. What the .deb declares.
depends=$(dpkg-deb -f "$deb" Depends)
recommends=$(dpkg-deb -f "$deb" Recommends)
grep -q 'libwebkit2gtk-4.1' <<<"$depends" || fail "Depends lacks the WebKitGTK runtime: $depends"
grep -q 'libayatana-appindicator3-1' <<<"$depends" || fail "Depends lacks the tray's AppIndicator runtime: $depends"
for want in docker.io docker-compose gnome-keyring busybox-static; do
  grep -q "$want" <<<"$recommends" || fail "Recommends lacks $want: $recommends"
done
ok "Depends: $depends"
ok "Recommends: $recommends"

# 3. Install it with the system's package manager (recommends are checked above, not pulled in here).
$SUDO apt-get install -y -q --no-install-recommends "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install"; }
installed=1
ok "installed $(basename "$deb")"

[ "$(command -v dockmaster)" = /usr/bin/dockmaster ] || fail "dockmaster on the PATH is $(command -v dockmaster || echo nothing)"
[ "$(dockmaster --version)" = "dockmaster $version" ] || fail "dockmaster --version says '$(dockmaster --version)'"
ok "dockmaster --version: $(dockmaster --version)"

files=$(dpkg -L dockmaster)
if grep -E "^$ROOT|/work/|/target/" <<<"$files"; then fail "dpkg -L lists paths of the build tree"; fi
for f in /usr/bin/dockmaster-app /usr/bin/dockmaster /usr/share/applications/Dockmaster.desktop; do
  grep -qx "$f" <<<"$files" || fail "$f is not in the package"
done
for size in 16 24 32 48 64 128 256 512; do
  icon=/usr/share/icons/hicolor/${size}x${size}/apps/dockmaster-app.png
  [ -f "$icon" ] || fail "no ${size}px icon at $icon"
  file "$icon" | grep -q "${size} x ${size}" || fail "$icon is not ${size}x${size}: $(file -b "$icon")"
done
ok "icons at 16…512 px"
# No file of the package holds a path into the build tree (the repository, its target/).
while read -r f; do
  [ -f "$f" ] || continue
  if grep -a -q -e "$ROOT" -e "/target/release/" "$f"; then fail "$f holds a build-tree path: $(grep -a -o "$ROOT[^[:space:]]*" "$f" | head -n 3)"; fi
done <<<"$files"
ok "no file holds a path of the build tree ($ROOT)"

desktop=/usr/share/applications/Dockmaster.desktop
desktop-file-validate "$desktop" || fail "$desktop does not validate"
exec_cmd=$(sed -n 's/^Exec=//p' "$desktop")
[ "$(command -v "${exec_cmd%% *}")" = /usr/bin/dockmaster-app ] || fail "Exec=$exec_cmd does not start /usr/bin/dockmaster-app"
grep -qx 'Name=Dockmaster' "$desktop" && grep -qx 'Icon=dockmaster-app' "$desktop" &&
  grep -q '^Categories=Development;' "$desktop" && grep -q '^Comment=.' "$desktop" ||
  fail "$desktop lacks Name/Icon/Categories/Comment: $(cat "$desktop")"
ok "desktop entry: $(tr '\n' ' ' <"$desktop")"

# 4. A throwaway home for everything the installed programs write.
export HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache"
export XDG_RUNTIME_DIR="$work/runtime"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# Services this private bus starts on demand (the Secret Service the app asks for, accessibility) get the
# throwaway home too, never the real one.
dbus-update-activation-environment HOME XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_RUNTIME_DIR ||
  fail "cannot set the private D-Bus session's activation environment"

# The installed CLI: the demo from the binary alone (run from /, far from the source tree), and its image.
(cd / && dockmaster demo init "$work/cli-demo" >/dev/null) || fail "dockmaster demo init"
profiles=$(cd / && dockmaster --project "$work/cli-demo" profiles --json) || fail "dockmaster profiles on the CLI's demo copy"
grep -q '"development"' <<<"$profiles" || fail "the CLI's demo copy does not read as the demo"
(cd / && dockmaster demo image) || fail "dockmaster demo image"
ok "installed CLI: demo init, profiles, demo image"

# 5. The installed app under Xvfb, driven through tauri-driver, in this private D-Bus session.
display=90
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=":$display"
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
tauri-driver --port "$port" --native-port $((port + 1)) >"$work/tauri-driver.log" 2>&1 &
driver=$!
pids+=("$driver")
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

demo_dir="$XDG_DATA_HOME/$identifier/demo"
status=0
(cd tests/e2e && TAURI_DRIVER_PORT=$port DOCKMASTER_APP=/usr/bin/dockmaster-app DOCKMASTER_PACKAGE_DEMO_DIR="$demo_dir" \
  node --test --test-concurrency=1 ../package/installed-app.test.mjs) || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- tauri-driver log ---"; tail -n 50 "$work/tauri-driver.log" || true
  fail "the installed app's window test"
fi
ok "the installed app opened the demo from the welcome screen (screenshots in tests/e2e/artifacts/package-*.png)"

# 6. The .rpm's contents (rpm cannot be installed on Debian; its file list and dependencies are checked).
if command -v rpm >/dev/null; then
  rpm_files=$(rpm -qlp "$rpm" 2>/dev/null)
  for f in /usr/bin/dockmaster-app /usr/bin/dockmaster /usr/share/applications/Dockmaster.desktop \
    /usr/share/icons/hicolor/512x512/apps/dockmaster-app.png; do
    grep -qx "$f" <<<"$rpm_files" || fail "$f is not in the .rpm"
  done
  if grep -E "^$ROOT|/work/|/target/" <<<"$rpm_files"; then fail "the .rpm lists paths of the build tree"; fi
  [ "$(rpm -qp --qf '%{VERSION}' "$rpm" 2>/dev/null)" = "$version" ] || fail "the .rpm's version is not $version"
  rpm -qp --requires "$rpm" 2>/dev/null | grep -q 'libwebkit2gtk-4.1' || fail "the .rpm does not require WebKitGTK"
  rpm -qp --requires "$rpm" 2>/dev/null | grep -q 'libayatana-appindicator-gtk3' || fail "the .rpm does not require the AppIndicator runtime"
  rpm -qp --recommends "$rpm" 2>/dev/null | grep -q 'docker-ce' || fail "the .rpm recommends no Docker engine"
  ok ".rpm: files, version $version, requires WebKitGTK, recommends $(rpm -qp --recommends "$rpm" 2>/dev/null | tr '\n' ' ')"
else
  echo "package test: NOTE: rpm is not installed (apt-get install rpm): the .rpm's contents were not checked"
fi

# 7. Remove the package; nothing of it stays.
kill -TERM "$driver" 2>/dev/null || true
$SUDO apt-get remove -y -q dockmaster >"$work/apt-remove.log" 2>&1 || { cat "$work/apt-remove.log"; fail "apt-get remove"; }
installed=0
for f in /usr/bin/dockmaster /usr/bin/dockmaster-app /usr/share/applications/Dockmaster.desktop; do
  [ ! -e "$f" ] || fail "$f is still there after apt-get remove"
done
dpkg-query -W -f='${Status}' dockmaster 2>/dev/null | grep -q "install ok installed" && fail "dockmaster is still installed"
ok "removed; $work (the app's and the CLI's demo copies) is deleted on exit"
echo "package test: all checks passed"
