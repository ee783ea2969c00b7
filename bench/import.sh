#!/usr/bin/env bash
# Import benchmark: testigo importing N 1920x1080 PNG screenshots, against
# the standard tools doing the same work on the same files in the same run:
# sha256sum plus ImageMagick thumbnails (`mogrify -thumbnail 320x`, the batch
# form of `convert -thumbnail 320x`). Reports images per second, the ratio,
# peak memory and the vault's size overhead.
#
# Usage: bench/import.sh [N=1000] [RUNS=2]     (results in bench/out/import.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
apt_need "${CORE_PACKAGES[@]}" imagemagick hyperfine time
N="${1:-1000}"
RUNS="${2:-2}"
out="bench/out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

cargo build --release --quiet --bin testigo --example gen_screenshots
bin="$CARGO_TARGET_DIR/release/testigo"
echo "generating $N screenshots in $work/shots" >&2
"$CARGO_TARGET_DIR/release/examples/gen_screenshots" "$work/shots" "$N"
shots_bytes=$(du -sb "$work/shots" | cut -f1)

export TESTIGO_PASSPHRASE="benchmark passphrase, not secret"
export TESTIGO_VAULT="$work/vault"
prepare_vault="rm -rf '$work/vault' && '$bin' init >/dev/null 2>&1 && '$bin' case new bench >/dev/null 2>&1"
prepare_thumbs="rm -rf '$work/thumbs' && mkdir '$work/thumbs'"

hyperfine --runs "$RUNS" --export-json "$work/hf.json" \
  --command-name testigo --prepare "$prepare_vault" "'$bin' add '$work/shots' --case bench >/dev/null 2>&1" \
  --command-name "sha256sum + mogrify -thumbnail 320x" --prepare "$prepare_thumbs" \
  "sha256sum '$work/shots'/*.png >/dev/null && mogrify -path '$work/thumbs' -thumbnail 320x -format jpg '$work/shots'/*.png"

# Peak memory and vault size, from one more import.
bash -c "$prepare_vault"
/usr/bin/time -v "$bin" add "$work/shots" --case bench >/dev/null 2>"$work/time.txt"
peak_kb=$(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}')
vault_bytes=$(du -sb "$work/vault" | cut -f1)
bash -c "$prepare_thumbs"
/usr/bin/time -v mogrify -path "$work/thumbs" -thumbnail 320x -format jpg "$work/shots"/*.png 2>"$work/time-im.txt"
im_peak_kb=$(grep "Maximum resident set size" "$work/time-im.txt" | awk '{print $NF}')

python3 - "$work/hf.json" "$N" "$peak_kb" "$im_peak_kb" "$shots_bytes" "$vault_bytes" <<'PY' | tee "$out/import.md"
import json, sys, platform, os
hf, n, peak, im_peak, shots, vault = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
r = {x["command"]: x for x in json.load(open(hf))["results"]}
t = r["testigo"]["mean"]; s = r["sha256sum + mogrify -thumbnail 320x"]["mean"]
print(f"# Import benchmark: {n} PNG screenshots, 1920x1080 ({shots/n/1024:.0f} KiB each on average)\n")
print(f"Machine: {os.cpu_count()} cores, {platform.machine()}; mean of the hyperfine runs.\n")
print("| pipeline | time (s) | images/s | peak memory (MiB) |")
print("|---|---|---|---|")
print(f"| testigo add (decode, SHA-256, thumbnail, perceptual hash, encrypt, commit) | {t:.1f} | {n/t:.1f} | {peak/1024:.0f} |")
print(f"| sha256sum + mogrify -thumbnail 320x | {s:.1f} | {n/s:.1f} | {im_peak/1024:.0f} |")
print(f"\nRatio: testigo takes {t/s:.2f}x the time of the standard pipeline ({'faster' if t < s else 'slower'}).")
print(f"Vault size: {vault/1048576:.1f} MiB for {shots/1048576:.1f} MiB of screenshots (overhead {100*(vault-shots)/shots:.1f}%, thumbnails included).")
PY
