#!/usr/bin/env bash
# Runs every Dockmaster test: format and lint, UI type checks and component tests, Rust unit and integration
# tests (including differential tests against real Compose v1 and v2), the demo stack on a real engine with
# both Compose versions, a bounded fuzz run of every fuzz target, stale-bindings check, the real-window end-to-end
# tests under Xvfb on one release build that also makes the .deb and .rpm packages, and the package test (install, drive the
# installed app, remove).
# Installs whatever is missing first (scripts/setup.sh), so it works on a fresh Debian/Ubuntu machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's wall time, printed as a table at the end (also when a step fails): where CI's minutes go.
timings=()
step_name="" step_start=$SECONDS
end_step() { [ -z "$step_name" ] || timings+=("$(printf '%5ds  %s' $((SECONDS - step_start)) "$step_name")"); }
step() {
  end_step
  step_name=$* step_start=$SECONDS
  printf '\n==> %s\n' "$*"
}
report_timings() {
  end_step
  printf '\n==> time per step (total %dm%02ds)\n' $((SECONDS / 60)) $((SECONDS % 60))
  printf '%s\n' "${timings[@]}"
}

# Dockmaster's own log from every CLI and app the tests start goes to a throwaway folder, never the user's.
DOCKMASTER_LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dockmaster-test-logs.XXXXXX")
export DOCKMASTER_LOG_DIR
trap 'report_timings; rm -rf "$DOCKMASTER_LOG_DIR"' EXIT

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
bash scripts/rust-tests.sh
# The keychain's create/unlock buttons need a Secret Service without a default collection: a keyring of its own.
DOCKMASTER_KEYCHAIN_EMPTY=1 bash tests/keychain/run.sh cargo test --locked -p dockmaster-core --test keychain_collection

step "bounded fuzz run, 20 s per target"
bash scripts/fuzz.sh 20

step "generated TypeScript bindings are current"
if ! git diff --exit-code -- ui/src/lib/bindings.ts || [ -n "$(git ls-files --others --exclude-standard -- ui/src/lib/bindings.ts)" ]; then
  echo "ui/src/lib/bindings.ts is stale: run 'make gen' and commit it" >&2
  exit 1
fi

step "demo stack on a real engine, Compose v2 and v1"
bash demo/verify.sh v2 v1

# One release build of the app and the CLI serves the packages, the window tests and the package test.
step "release build and packages (target/release is shared with the window tests, the package test and the benchmarks)"
bash scripts/package.sh

step "real-window end-to-end tests, on the release build"
DOCKMASTER_APP="$PWD/target/release/dockmaster-app" bash tests/e2e/run.sh

step "package test: install the .deb, check it, open the demo in the installed app, remove it"
bash tests/package/run.sh

trap - EXIT
report_timings
rm -rf "$DOCKMASTER_LOG_DIR"
printf '\n==> all tests passed\n'
