#!/usr/bin/env bash
# Builds the API documentation of the workspace's crates with every rustdoc
# warning an error (broken intra-doc links, say). Not part of
# scripts/test.sh: rustdoc needs the dependencies compiled in check mode, a
# second pass over the whole tree (about 20 minutes cold on 2 cores); run it
# before committing changes to doc comments.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "docs: no warnings"
