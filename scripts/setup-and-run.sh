#!/usr/bin/env bash
# Installs what is missing, builds Testigo, and runs a demonstration of the
# `testigo` CLI in a throw-away vault (the desktop app comes later).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
apt_need "${CORE_PACKAGES[@]}" imagemagick
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/testigo"
exec scripts/demo.sh "$bin"
