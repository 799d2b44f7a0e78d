# Developer tasks. `scripts/test.sh` runs everything CI runs; these targets are the pieces.
.PHONY: setup ui fmt lint test test-rust test-ui e2e gen run cli package test-package

setup:
	bash scripts/setup.sh

ui:
	cd ui && npm run build

fmt:
	cargo fmt --all

lint: ui
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cd ui && npm run check

test-rust: ui
	bash scripts/rust-tests.sh

test-ui:
	cd ui && npm run check && npm run test

# Regenerates ui/src/lib/bindings.ts from the Rust types (commit the result).
gen: ui
	cargo test -p dockmaster-app --lib export_typescript_bindings

e2e: ui
	cargo build -p dockmaster-app -p dockmaster-cli --locked
	bash tests/e2e/run.sh

test:
	bash scripts/test.sh

run:
	bash scripts/run.sh

cli:
	cargo build -p dockmaster-cli --locked

# The .deb and .rpm (one release build; paths printed last), and their install/launch/remove test.
package:
	bash scripts/package.sh

test-package:
	bash tests/package/run.sh
