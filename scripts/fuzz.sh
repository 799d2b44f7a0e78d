#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 30) from its committed corpus, after one build of
# all targets (no sanitizer: 3-5x more executions per second). Exits non-zero on any crash; the crashing
# input is in fuzz/artifacts/<target>/ (reproduce: bash scripts/fuzz.sh --repro <target> <file>).
# Longer developer run: bash scripts/fuzz.sh 600. New inputs found go to fuzz/target-none/corpus/<target>
# (not the committed corpus); minimise one worth keeping with `cargo fuzz tmin` and commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1 # cargo-fuzz needs nightly flags; the stable toolchain accepts them with this.
TARGET_DIR=fuzz/target-none
BUILD=(--sanitizer none --target-dir "$TARGET_DIR")

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
# cargo fuzz has no --locked: check the fuzz workspace's lock file is current first.
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null

if [ "${1:-}" = "--repro" ]; then
  cargo fuzz run "${BUILD[@]}" "$2" "$3"
  exit
fi
SECONDS_EACH=${1:-30}
targets=$(cargo fuzz list)
cargo fuzz build "${BUILD[@]}"
failed=()
for t in $targets; do
  echo "==> fuzz $t for ${SECONDS_EACH}s"
  # Fresh inputs go to a scratch corpus (first folder); the committed seeds are read only.
  mkdir -p "$TARGET_DIR/corpus/$t"
  if ! cargo fuzz run "${BUILD[@]}" "$t" "$TARGET_DIR/corpus/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -report_slow_units=5 -print_final_stats=1; then
    failed+=("$t")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}: see fuzz/artifacts/" >&2
  exit 1
fi
echo "fuzz: every target ran ${SECONDS_EACH}s without a crash"
