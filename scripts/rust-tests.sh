#!/usr/bin/env bash
# Runs every Rust test of the workspace (unit, CLI, Compose parity, real engine, real keychain; the app's unit
# tests export the TypeScript bindings) after ONE build, in two lanes at once: the test binaries that mostly wait
# (SSH and TLS engines of their own, Compose runs, 100 MB volumes) in one, every other test target in the other.
# Each lane has its own throwaway keychain (tests/keychain/run.sh); the tests name and label what they create, so
# two lanes meet nothing of each other's on the shared engine. The second lane's list is everything the first
# does not name, read from `cargo metadata`: a new test file always runs. Doc tests run last, through cargo.
#
#   bash scripts/rust-tests.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# The waiting lane (about as long as all the others together).
slow=(engine_ssh engine_ssh_preflight engine_regions_across volumes region)

work=$(mktemp -d "${TMPDIR:-/tmp}/dockmaster-rust-tests.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> build every test binary"
cargo test --workspace --locked --no-run --message-format=json-render-diagnostics >"$work/build.json"

# One line per test binary: lane<TAB>package folder<TAB>executable<TAB>target name.
node - "$work/build.json" "${slow[@]}" >"$work/binaries.tsv" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [file, ...slow] = process.argv.slice(2);
const seen = new Set();
const tests = new Set();
for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
  if (!line.startsWith('{')) continue;
  const m = JSON.parse(line);
  if (m.reason !== 'compiler-artifact' || !m.executable || !m.profile.test) continue;
  if (seen.has(m.executable)) continue;
  seen.add(m.executable);
  if (m.target.kind.includes('test')) tests.add(m.target.name);
  const dir = path.dirname(m.manifest_path);
  const lane = m.target.kind.includes('test') && slow.includes(m.target.name) ? 'slow' : 'rest';
  console.log([lane, dir, m.executable, m.target.name].join('\t'));
}
for (const name of slow) {
  if (!tests.has(name)) {
    console.error(`rust-tests: the slow lane names ${name}, which is no test target: fix scripts/rust-tests.sh`);
    process.exit(1);
  }
}
EOF

# A lane: its binaries one after another, each from its package's folder as cargo runs them.
lane() {
  local which=$1 failed=0 dir exe name
  while IFS=$'\t' read -r l dir exe name; do
    [ "$l" = "$which" ] || continue
    printf '\n--> %s (%s)\n' "$name" "${exe#"$ROOT"/}"
    if ! (cd "$dir" && CARGO_MANIFEST_DIR="$dir" "$exe"); then
      echo "FAILED: $name"
      failed=1
    fi
  done <"$work/binaries.tsv"
  return $failed
}
export -f lane
export ROOT work

echo "==> $(grep -c . "$work/binaries.tsv") test binaries in two lanes (slow: ${slow[*]})"
status=0
for l in slow rest; do
  bash tests/keychain/run.sh bash -c "lane $l" >"$work/$l.log" 2>&1 &
  pids+=($!)
done
for i in 0 1; do
  wait "${pids[$i]}" || status=1
done
pids=()
for l in slow rest; do
  printf '\n==> lane %s\n' "$l"
  cat "$work/$l.log"
done
grep -h '^FAILED: ' "$work/slow.log" "$work/rest.log" >&2 || true
[ "$status" -eq 0 ] || { echo "rust-tests: a lane failed (see FAILED above)" >&2; exit 1; }

echo "==> doc tests"
bash tests/keychain/run.sh cargo test --workspace --locked --doc
