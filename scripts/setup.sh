#!/usr/bin/env bash
# Installs everything Dockmaster needs to build, run and test on a fresh Debian/Ubuntu machine:
# system packages, Compose v1 and v2, npm dependencies, tauri-driver, cargo-fuzz. Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

APT_PACKAGES=(
  # build
  build-essential pkg-config libssl-dev file curl ca-certificates
  # Tauri v2 / WebKitGTK
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libsoup-3.0-dev libxdo-dev
  # real-window tests (openbox + xdotool: minimizing the window in the idle test and benchmark; dunst: the
  # notification daemon the notify test reads back, x11-utils: its xmessage window that takes the focus; xclip:
  # the terminal test reads and owns the desktop's clipboard as another application)
  xvfb xauth webkit2gtk-driver dbus-x11 at-spi2-core imagemagick chromium openbox xdotool dunst x11-utils xclip
  # engine, Compose v1, test images; python3-paramiko: Compose v1's docker-py imports it for any ssh:// engine
  # (even when it dials through the system ssh), and Debian's docker-compose does not pull it in
  docker.io docker-compose python3-paramiko busybox-static
  # keychain (Secret Service) for tests
  gnome-keyring libsecret-tools
  # misc tools used by scripts
  iproute2 procps psmisc jq
  # TLS engine test (certificates)
  openssl
  # SSH engines: the ssh client Dockmaster dials through; the SSH engine test's own sshd, agent and namespaces
  openssh-client openssh-server util-linux
  # package test: the .rpm's contents, the desktop entry
  rpm desktop-file-utils
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Toolchains: Rust (rustup) and Node.js >= 20 are expected; say how to get them when missing.
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust is missing. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1; then
  $SUDO apt-get update -q && $SUDO apt-get install -y -q nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js $(node --version) is too old; Vite needs Node 20 or newer (e.g. from NodeSource)." >&2
  exit 1
fi

# Compose v2: Debian's own docker-compose v2 package, fetched with an isolated apt configuration so the
# system's sources stay untouched (Debian 12 only ships v1). Installed as a CLI plugin for the current user.
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
if ! docker compose version >/dev/null 2>&1; then
  echo "setup: fetching Compose v2"
  work=$(mktemp -d)
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" >"$work/sources.list"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
  $SUDO apt-get "${opts[@]}" update -q
  (cd "$work" && apt-get "${opts[@]}" download docker-compose)
  dpkg-deb -x "$work"/docker-compose_*.deb "$work/x"
  mkdir -p "$PLUGIN_DIR"
  cp "$work/x/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
  chmod +x "$PLUGIN_DIR/docker-compose"
  rm -rf "$work"
fi

# tauri-driver (WebDriver bridge for real-window tests), pinned.
if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --version 2.1.0 --locked
fi

# cargo-fuzz (scripts/fuzz.sh; scripts/test.sh runs every fuzz target briefly), pinned. Needs g++ (build-essential).
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

# JavaScript dependencies (exact versions from the lockfiles).
(cd ui && npm ci --no-audit --no-fund)
(cd tests/e2e && npm ci --no-audit --no-fund)
echo "setup: done"
