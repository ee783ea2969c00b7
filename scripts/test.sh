#!/usr/bin/env bash
# Runs every check and test, installing what is missing first.
# This is the command README.md gives and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
command -v npm >/dev/null || apt_need nodejs npm
apt_need "${CORE_PACKAGES[@]}" "${TAURI_PACKAGES[@]}"
# Standard tools the bundle tests check Testigo's output with (tests/bundle.rs
# skips a tool that is missing; here they are installed so CI really runs them).
apt_need minisign age unzip python3 python3-pip postgresql
# The packet tests read the PDFs with poppler (pdftotext, pdffonts, pdfinfo);
# they fail rather than skip without it.
apt_need poppler-utils
# The capture-limit and decoding-budget tests read a child's peak memory with GNU time.
apt_need time
# The intake server's inbox is tested in a real browser: Debian's Chromium,
# headless, through its chromedriver.
apt_need chromium chromium-driver
if ! command -v bagit.py >/dev/null; then
  python3 -m pip install --quiet bagit 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages bagit
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== UI: build (the desktop crate embeds ui/dist), type check, unit tests"
scripts/build-ui.sh
(cd ui && npm run --silent check && npm test --silent)
echo "== warcio (capture tests check WARC files with it)"
command -v python3 >/dev/null || apt_need python3 python3-pip || true
if ! python3 -c "import warcio" 2>/dev/null; then
  python3 -m pip install --quiet warcio 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages warcio \
    || echo "warning: could not install warcio; the WARC checks will be skipped" >&2
fi

echo "== tuspy (the intake server's tests upload with this tus client nobody here wrote)"
if ! python3 -c "import tusclient" 2>/dev/null; then
  python3 -m pip install --quiet tuspy 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages tuspy
fi
echo "== Garage (the intake server's S3 storage is tested against it; scripts/services.sh runs it)"
# Built once per machine (about 9 minutes on 2 cores) into $HOME/.cache/garage,
# in a target folder of its own, without the workspace's clippy wrapper.
if [ ! -x "$HOME/.cache/garage/bin/garage" ]; then
  env -u CARGO_TARGET_DIR -u RUSTC_WORKSPACE_WRAPPER \
    cargo install garage --version 2.5.0 --locked --root "$HOME/.cache/garage"
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== the core library depends on neither Tauri nor terminal crates"
# Nowhere in its tree: Tauri and its web view, clap, progress bars. Not as a
# direct dependency: rpassword (minisign pulls it in for prompts of its own,
# which the core never calls).
banned="$( (cargo tree -p testigo-core -e normal --prefix none \
            | grep -E '^(tauri|tauri-[a-z-]+|wry|tao|clap|indicatif|console) ';
          cargo tree -p testigo-core -e normal --prefix none --depth 1 \
            | grep -E '^rpassword ') | sort -u || true)"
if [ -n "$banned" ]; then
  echo "testigo-core depends on: $banned; the core must not (see ARCHITECTURE.md)" >&2
  exit 1
fi
echo "== import circles (none allowed; see ARCHITECTURE.md)"
python3 scripts/import-circles.py core/src src intake/src
echo "== cargo build with clippy's lints: every target once"
# clippy-driver stands in for rustc on the workspace's own crates only, so
# their lints (-D warnings, as `cargo clippy --all-targets`) come out of the
# one real build, and the dependencies are compiled once for everything: the
# tests and the end-to-end run (which inherits these variables) reuse this
# build. See ARCHITECTURE.md, "Build time"; `scripts/docs.sh` checks the docs.
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)"
export RUSTC_WORKSPACE_WRAPPER
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
# --timings writes $CARGO_TARGET_DIR/cargo-timings/cargo-timing.html: what
# a cold build spent its time on.
cargo build --workspace --all-targets --timings
echo "== services for the intake server's tests, on 127.0.0.1"
source scripts/services.sh
trap stop_services EXIT
echo "== cargo test (core, CLI, desktop shell, bindings up to date)"
cargo test --workspace --all-targets
echo "== end-to-end tests of the desktop app"
scripts/e2e.sh
