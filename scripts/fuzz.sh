#!/usr/bin/env bash
# Runs one fuzz target (cargo fuzz, libFuzzer, nightly Rust) for a while:
#
#   scripts/fuzz.sh                  lists the targets
#   scripts/fuzz.sh TARGET [SECONDS] runs TARGET (default 600 seconds)
#
# Not part of scripts/test.sh or CI: a useful run takes minutes per target
# and the first build compiles every dependency again with sanitizers
# (10-20 minutes). Installs cargo-fuzz and the nightly toolchain if missing.
# Findings land in fuzz/artifacts/TARGET/; see fuzz/README.md for what to do
# with them. Extra libFuzzer flags: FUZZ_FLAGS="-jobs=2".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
# Its own target directory: sanitizer builds share nothing with normal ones.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/fuzz-target}"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

if [ $# -eq 0 ]; then
  cargo +nightly fuzz list
  exit 0
fi
target=$1
seconds=${2:-600}
# Memory per input: verify must stay well under its 256 MB budget. Longest
# input: the seed bundle's size for verify (libFuzzer's default), larger for
# the text targets so that slow parsing of big pages can show.
case "$target" in
  verify_zip|verify_age) rss=512; len="" ;;
  meta_extract|warc) rss=1024; len="-max_len=262144" ;;
  *) rss=1024; len="-max_len=65536" ;;
esac
[ -e fuzz/keys/seed-signer.pub ] || fuzz/seed.sh
mkdir -p "fuzz/artifacts/$target"
# The seeds are read from the committed corpus; what the run adds goes to a
# scratch corpus beside the target directory, so the repo stays small.
work="$CARGO_TARGET_DIR/corpus/$target"
mkdir -p "$work"
# shellcheck disable=SC2086
cargo +nightly fuzz run "$target" "$work" "fuzz/corpus/$target" -- \
  -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout=10 \
  -print_final_stats=1 $len ${FUZZ_FLAGS:-}
