#!/usr/bin/env bash
# Installs what is missing (Debian/Ubuntu packages, the UI's npm packages),
# builds Testigo and opens the desktop app. Without a display it says so and
# runs a demonstration of the `testigo` CLI instead, from collecting to a
# sealed, verified report and a printed packet, in a folder it names.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the CLI demo instead of the desktop app." >&2
  apt_need "${CORE_PACKAGES[@]}" imagemagick python3
  cargo build --release --quiet --bin testigo
  exec scripts/demo.sh "$CARGO_TARGET_DIR/release/testigo"
fi
command -v npm >/dev/null || apt_need nodejs npm
apt_need "${CORE_PACKAGES[@]}" "${TAURI_PACKAGES[@]}"
scripts/build-ui.sh
cargo build --release --quiet -p testigo-desktop
exec "$CARGO_TARGET_DIR/release/testigo-desktop"
