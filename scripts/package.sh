#!/usr/bin/env bash
# Builds Dockmaster's Linux packages: a .deb and an .rpm, each holding the desktop app (/usr/bin/dockmaster-app),
# the `dockmaster` CLI (/usr/bin/dockmaster), a desktop entry and icons at every size.
#
#   bash scripts/package.sh            # prints the paths of the two packages on its last two lines
#
# Steps: the UI (ui/dist, embedded in the app), ONE release build of the app and the CLI (target/release, shared
# with the package test and the benchmarks), then Tauri's bundler on those binaries (no second compile).
# Offline-safe: the bundler makes deb and rpm by itself. An AppImage is not built: Tauri's bundler downloads
# AppRun and linuxdeploy from GitHub for it, which is not possible offline.
# Name, version and identifier come from src-tauri/tauri.conf.json (productName, identifier) and the workspace
# Cargo.toml (version); nothing here repeats them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

tauri="$ROOT/ui/node_modules/.bin/tauri"
[ -x "$tauri" ] || { echo "package: the Tauri CLI is missing: run scripts/setup.sh (npm ci in ui/)" >&2; exit 1; }

# Rebuilding the UI rewrites ui/dist, which makes cargo recompile the app crate: only when the UI changed.
if [ ! -f ui/dist/index.html ] ||
  [ -n "$(find ui/src ui/index.html ui/vite.config.ts ui/package-lock.json -newer ui/dist/index.html -print -quit)" ]; then
  echo "==> UI build"
  (cd ui && npm run build --silent)
else
  echo "==> UI build: ui/dist is current"
fi

echo "==> release build of the app and the CLI"
cargo build --release --locked -p dockmaster-app -p dockmaster-cli

echo "==> bundling deb and rpm"
product=$(node -p 'require("./src-tauri/tauri.conf.json").productName')
version=$(cargo metadata --no-deps --format-version 1 --locked |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s).packages.find(p=>p.name==="dockmaster-app");console.log(p.version)})')
bundle="$ROOT/target/release/bundle"
deb="$bundle/deb/${product}_${version}_$(dpkg --print-architecture 2>/dev/null || echo amd64).deb"
rpm="$bundle/rpm/${product}-${version}-1.$(uname -m).rpm"
rm -f "$deb" "$rpm"
(cd src-tauri && "$tauri" bundle --bundles deb,rpm)

for f in "$deb" "$rpm"; do
  [ -s "$f" ] || { echo "package: the bundler did not produce $f" >&2; exit 1; }
done
echo "==> packages"
echo "$deb"
echo "$rpm"
