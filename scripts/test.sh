#!/usr/bin/env bash
# Runs every Dockmaster test: format and lint, UI type checks and component tests, Rust unit and integration
# tests (including differential tests against real Compose v1 and v2), the demo stack on a real engine with
# both Compose versions, a bounded fuzz run of every fuzz target, stale-bindings check, the real-window end-to-end
# tests under Xvfb, one release build with the .deb and .rpm packages, and the package test (install, drive the
# installed app, remove).
# Installs whatever is missing first (scripts/setup.sh), so it works on a fresh Debian/Ubuntu machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# Dockmaster's own log from every CLI and app the tests start goes to a throwaway folder, never the user's.
DOCKMASTER_LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dockmaster-test-logs.XXXXXX")
export DOCKMASTER_LOG_DIR
trap 'rm -rf "$DOCKMASTER_LOG_DIR"' EXIT

step "setup"
bash scripts/setup.sh

step "UI build (the app crate embeds ui/dist)"
(cd ui && npm run build)

step "format and lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "UI type check and component tests"
(cd ui && npm run check && npm run test)

step "Docker engine and demo image (engine and lifecycle tests use them)"
bash scripts/engine.sh start
bash scripts/demo-image.sh

step "Rust tests (unit, CLI, Compose parity, real engine, real keychain; exports the TypeScript bindings)"
bash tests/keychain/run.sh cargo test --workspace --locked
# The keychain's create/unlock buttons need a Secret Service without a default collection: a keyring of its own.
DOCKMASTER_KEYCHAIN_EMPTY=1 bash tests/keychain/run.sh cargo test --locked -p dockmaster-core --test keychain_collection

step "bounded fuzz run, 30 s per target"
bash scripts/fuzz.sh 30

step "generated TypeScript bindings are current"
if ! git diff --exit-code -- ui/src/lib/bindings.ts || [ -n "$(git ls-files --others --exclude-standard -- ui/src/lib/bindings.ts)" ]; then
  echo "ui/src/lib/bindings.ts is stale: run 'make gen' and commit it" >&2
  exit 1
fi

step "demo stack on a real engine, Compose v2 and v1"
bash demo/verify.sh v2 v1

step "real-window end-to-end tests"
cargo build -p dockmaster-app --locked
bash tests/e2e/run.sh

step "release build and packages (target/release is shared with the package test and the benchmarks)"
bash scripts/package.sh

step "package test: install the .deb, check it, open the demo in the installed app, remove it"
bash tests/package/run.sh

step "all tests passed"
