#!/usr/bin/env bash
# Desktop app benchmark (issue 3): with a vault of 5,000 items, the time
# from launch to the first case list drawn (unlock included), the time to
# show a case grid of 1,000 screenshots, scrolling smoothness (frames per
# second while the grid scrolls), and the app's idle memory. Drives the
# release build through tauri-driver under Xvfb. Results: bench/out/app.md.
#
# Usage: bench/app.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
apt_need "${CORE_PACKAGES[@]}" "${TAURI_PACKAGES[@]}" xvfb xauth webkit2gtk-driver
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version 2.1.0
scripts/build-ui.sh
cargo build --release --quiet -p testigo-desktop --bin testigo-desktop
cargo build --release --quiet --bin testigo --example gen_screenshots
mkdir -p bench/out
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
export TESTIGO_VAULT="$XDG_DATA_HOME/testigo" TESTIGO_PASSPHRASE="benchmark passphrase, not secret"
cli="$CARGO_TARGET_DIR/release/testigo"

echo "making a vault of 5,000 items: 1,000 screenshots in one case, 4,000 small files in another" >&2
"$CARGO_TARGET_DIR/release/examples/gen_screenshots" "$work/shots" 1000 960 540
mkdir -p "$work/files"
for i in $(seq 1 4000); do printf 'nota %05d: mensaje de prueba\n' "$i" > "$work/files/n$i.txt"; done
"$cli" init >/dev/null 2>&1
"$cli" case new "Capturas" >/dev/null 2>&1
"$cli" case new "Archivos" >/dev/null 2>&1
"$cli" add "$work/shots" --case Capturas >/dev/null 2>&1
"$cli" add "$work/files" --case Archivos >/dev/null 2>&1

# BENCH_APP may name another build of the app, to compare two builds on one vault recipe.
export BENCH_APP="${BENCH_APP:-$CARGO_TARGET_DIR/release/testigo-desktop}" BENCH_OUT="${BENCH_OUT:-$PWD/bench/out/app.md}"
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  tauri-driver --port 4444 >/dev/null 2>&1 &
  driver=$!
  for _ in $(seq 1 100); do (echo >/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
  python3 bench/app_driver.py
  rc=$?
  kill $driver 2>/dev/null
  exit $rc
'
cat bench/out/app.md
