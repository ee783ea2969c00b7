#!/usr/bin/env bash
# Runs every check and test, installing what is missing first.
# This is the command README.md gives and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
apt_need "${CORE_PACKAGES[@]}"
# Standard tools the bundle tests check Testigo's output with (tests/bundle.rs
# skips a tool that is missing; here they are installed so CI really runs them).
apt_need minisign age unzip python3 python3-pip
if ! command -v bagit.py >/dev/null; then
  python3 -m pip install --quiet bagit 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages bagit
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

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
echo "== cargo test"
cargo test --workspace --all-targets
