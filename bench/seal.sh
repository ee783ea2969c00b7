#!/usr/bin/env bash
# Seal and verify benchmark: a case of SIZE_MIB MiB of evidence (random,
# incompressible files of 16 MiB, like already-compressed photos and videos).
# From the same run on the same files:
#   seal    testigo seal              vs  sha256sum + zip -0 -r
#   verify  testigo verify --pubkey   vs  unzip + sha256sum -c (both manifests)
# Goals from issue 4: seal within 1.3x, verify within 1.2x.
#
# Usage: bench/seal.sh [SIZE_MIB=1024] [RUNS=3]   (results in bench/out/seal.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
apt_need "${CORE_PACKAGES[@]}" hyperfine zip unzip
SIZE_MIB="${1:-1024}"
RUNS="${2:-3}"
out="bench/out"
work="$(mktemp -d "${BENCH_TMP:-/tmp}/testigo-seal.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/evidence"

cargo build --release --quiet --bin testigo
bin="$CARGO_TARGET_DIR/release/testigo"
n=$(( (SIZE_MIB + 15) / 16 ))
echo "generating $n files of 16 MiB in $work/evidence" >&2
for i in $(seq -w 1 "$n"); do
  head -c $((16 << 20)) /dev/urandom > "$work/evidence/video-$i.mp4"
done
bytes=$(du -sb "$work/evidence" | cut -f1)

export TESTIGO_PASSPHRASE="benchmark passphrase, not secret"
export TESTIGO_VAULT="$work/vault"
export SOURCE_DATE_EPOCH=1714521600
"$bin" init >/dev/null 2>&1
"$bin" case new bench >/dev/null 2>&1
"$bin" add "$work/evidence" --case bench >/dev/null 2>&1
pk=$("$bin" --json key show | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')

# The standard pipeline's input: the same files, in a folder to zip.
hyperfine --runs "$RUNS" --export-json "$work/seal.json" \
  --command-name "testigo seal" --prepare "rm -f '$work/t.zip'" \
  "'$bin' seal --case bench --out '$work/t.zip' >/dev/null 2>&1" \
  --command-name "sha256sum + zip -0 -r" --prepare "rm -f '$work/s.zip'" \
  "cd '$work' && sha256sum evidence/* >/dev/null && zip -0 -r -q s.zip evidence"

rm -f "$work/t.zip" && "$bin" seal --case bench --out "$work/t.zip" >/dev/null 2>&1
hyperfine --runs "$RUNS" --export-json "$work/verify.json" \
  --command-name "testigo verify" \
  "'$bin' verify '$work/t.zip' --pubkey '$pk' >/dev/null 2>&1" \
  --command-name "unzip + sha256sum -c" --prepare "rm -rf '$work/x'" \
  "mkdir '$work/x' && cd '$work/x' && unzip -q '$work/t.zip' && cd testigo-report-* && sha256sum -c --quiet tagmanifest-sha256.txt && sha256sum -c --quiet manifest-sha256.txt"
rm -rf "$work/x"

python3 - "$work/seal.json" "$work/verify.json" "$bytes" "$n" <<'PY' | tee "$out/seal.md"
import json, os, platform, sys
seal = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ver = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
size, n = int(sys.argv[3]), int(sys.argv[4])
mib = size / 1048576
ts, ss = seal["testigo seal"]["mean"], seal["sha256sum + zip -0 -r"]["mean"]
tv, sv = ver["testigo verify"]["mean"], ver["unzip + sha256sum -c"]["mean"]
print(f"# Seal and verify benchmark: {mib:.0f} MiB of evidence in {n} files\n")
print(f"Machine: {os.cpu_count()} cores, {platform.machine()}; mean of the hyperfine runs; same files, same run.\n")
print("| task | pipeline | time (s) | MiB/s |")
print("|---|---|---|---|")
print(f"| seal | testigo seal (decrypt from the vault, SHA-256 check, stored ZIP, sign) | {ts:.2f} | {mib/ts:.0f} |")
print(f"| seal | sha256sum + zip -0 -r | {ss:.2f} | {mib/ss:.0f} |")
print(f"| verify | testigo verify (streamed, no extraction) | {tv:.2f} | {mib/tv:.0f} |")
print(f"| verify | unzip + sha256sum -c | {sv:.2f} | {mib/sv:.0f} |")
print(f"\nSeal ratio: {ts/ss:.2f}x the standard pipeline (goal: 1.3x or less).")
print(f"Verify ratio: {tv/sv:.2f}x the standard pipeline (goal: 1.2x or less).")
PY
