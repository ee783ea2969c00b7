#!/usr/bin/env bash
# End-to-end tests of the desktop app: builds the UI and the app, then runs
# the tests in e2e/ under Xvfb through tauri-driver and WebKitWebDriver.
# Screenshots of every main screen land in e2e-shots/.
# Usage: scripts/e2e.sh [TEST-NAME-FILTER]   (all of them by default)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
apt_need "${CORE_PACKAGES[@]}" "${TAURI_PACKAGES[@]}" xvfb xauth webkit2gtk-driver
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version 2.1.0
scripts/build-ui.sh
# --workspace, never -p: the same features as `cargo test --workspace`, so
# this reuses the test build instead of compiling the tree a second time.
cargo build --workspace --all-targets

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TESTIGO_E2E_HOME="$work"
export TESTIGO_E2E_APP="$CARGO_TARGET_DIR/debug/testigo-desktop"
export TESTIGO_E2E_SHOTS="$PWD/e2e-shots"
rm -rf "$TESTIGO_E2E_SHOTS"
echo "screenshots of every main screen go to $TESTIGO_E2E_SHOTS"
# The app (started by tauri-driver) keeps its vault and settings in $work.
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
# WebDriver cannot reach the native GTK dialog or drag files from a file
# manager: the app (a debug build) takes its dialog answers and drops from
# these files, which the tests append to. The web view cannot write them.
export TESTIGO_E2E_DIALOG_ANSWERS="$work/dialog-answers.jsonl" TESTIGO_E2E_DROPS="$work/drops.jsonl"
: >"$TESTIGO_E2E_DIALOG_ANSWERS"
: >"$TESTIGO_E2E_DROPS"

xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  tauri-driver --port 4444 >"'"$work"'/driver.log" 2>&1 &
  driver=$!
  for _ in $(seq 1 100); do (echo >/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
  set +e
  # Only e2e/tests/ has ignored tests; the same selection as the test
  # build, so nothing is compiled again.
  cargo test --workspace --all-targets -- --ignored --test-threads=1 --nocapture '"${1:-}"'
  rc=$?
  kill $driver 2>/dev/null
  [ $rc -eq 0 ] || cat "'"$work"'/driver.log" >&2
  exit $rc
'
