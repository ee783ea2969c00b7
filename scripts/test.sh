#!/usr/bin/env bash
# Runs every check and test, installing what is missing first.
# This is the command README.md gives and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
command -v npm >/dev/null || apt_need nodejs npm
apt_need "${CORE_PACKAGES[@]}" "${TAURI_PACKAGES[@]}"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== UI: build (the desktop crate embeds ui/dist), type check, unit tests"
scripts/build-ui.sh
(cd ui && npm run --silent check && npm test --silent)

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== the core library does not depend on Tauri"
if cargo tree -p testigo -e normal --prefix none | grep -q '^tauri '; then
  echo "the core crate depends on tauri; it must not" >&2
  exit 1
fi
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== cargo test (core, CLI, desktop shell, bindings up to date)"
cargo test --workspace --all-targets
echo "== end-to-end tests of the desktop app"
scripts/e2e.sh
