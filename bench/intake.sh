#!/usr/bin/env bash
# Intake server benchmark: testigo-intake (release) receiving sealed reports
# from a plain tus client (bench/tus_client.py) on this machine, on each
# storage configuration, beside the floor of the same work done by the
# standard tools in the same run (the server must hash and write every byte):
#   uploads/s   COUNT reports of about 1 MiB, PARALLEL at a time
#               vs  sha256sum + cp of the same files
#   MiB/s       one report of about 1 GiB, in 8 MiB chunks
#               vs  sha256sum, and cp, of the same file
#   peak memory the server's VmHWM while receiving one report of about 2 GiB
#               (it streams; the goal is under 100 MB)
# Storage: `local` (SQLite and a folder, the default) and `pg-garage`
# (PostgreSQL and a Garage bucket from scripts/services.sh).
#
# Usage: bench/intake.sh [COUNT=100] [PARALLEL=8] [STORAGES="local pg-garage"]
# Results in bench/out/intake.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
apt_need "${CORE_PACKAGES[@]}" hyperfine python3
COUNT="${1:-100}"
PARALLEL="${2:-8}"
STORAGES="${3:-local pg-garage}"
out="bench/out"
work="$(mktemp -d "${BENCH_TMP:-/tmp}/testigo-intake.XXXXXX")"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  if declare -F stop_services >/dev/null; then stop_services; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

cargo build --release --quiet -p testigo -p testigo-intake
bin="$CARGO_TARGET_DIR/release/testigo"
intake="$CARGO_TARGET_DIR/release/testigo-intake"

export TESTIGO_PASSPHRASE="benchmark passphrase, not secret"
export TESTIGO_VAULT="$work/vault"
"$bin" init >/dev/null 2>&1
key_id=$("$bin" --json key show | python3 -c 'import json,sys; print(json.load(sys.stdin)["key_id"])')

# COUNT distinct reports of about 1 MiB: one case with a 1 MiB recording,
# sealed at COUNT different times.
echo "sealing $COUNT reports of 1 MiB" >&2
mkdir -p "$work/small" "$work/evidence"
head -c $((1 << 20)) /dev/urandom >"$work/evidence/grabacion.bin"
"$bin" case new small >/dev/null 2>&1
"$bin" add "$work/evidence/grabacion.bin" --case small >/dev/null 2>&1
for i in $(seq 1 "$COUNT"); do
  SOURCE_DATE_EPOCH=$((1714521600 + i)) "$bin" seal --case small --out "$work/small/r$i.zip" >/dev/null 2>&1
done
# Reports of about 1 and 2 GiB: incompressible 16 MiB files.
seal_large() { # NAME MIB
  mkdir -p "$work/ev-$1"
  for i in $(seq -w 1 $(($2 / 16))); do head -c $((16 << 20)) /dev/urandom >"$work/ev-$1/video-$i.mp4"; done
  "$bin" case new "$1" >/dev/null 2>&1
  "$bin" add "$work/ev-$1" --case "$1" >/dev/null 2>&1
  "$bin" seal --case "$1" --out "$work/$1.zip" >/dev/null 2>&1
  rm -rf "$work/ev-$1"
}
echo "sealing reports of 1 and 2 GiB" >&2
seal_large gib1 1024
seal_large gib2 2048
rm -rf "$TESTIGO_VAULT"

# The floor, measured once: the same bytes hashed and copied on this disk.
hyperfine --runs 3 --export-json "$work/floor-small.json" --prepare "rm -rf '$work/copy' && mkdir '$work/copy'" \
  --command-name "sha256sum + cp (small)" "sha256sum '$work'/small/*.zip >/dev/null && cp '$work'/small/*.zip '$work/copy/' && sync" >&2
hyperfine --runs 3 --export-json "$work/floor-large.json" --prepare "rm -f '$work/copy.zip'" \
  --command-name "sha256sum" "sha256sum '$work/gib1.zip' >/dev/null" \
  --command-name "cp" "cp '$work/gib1.zip' '$work/copy.zip' && sync" >&2
rm -rf "$work/copy" "$work/copy.zip"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

start_server() { # STORAGE
  [ -n "$server" ] && { kill "$server"; wait "$server" 2>/dev/null || true; }
  rm -rf "$work/srv"
  "$intake" init --dir "$work/srv" --name "Banco de pruebas" --url "$url" --listen "127.0.0.1:$port" >/dev/null
  python3 - "$work/srv/intake.toml" "$1" <<'PY'
import os, re, sys
path, storage = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"requests_per_second = \d+", "requests_per_second = 100000", text)
if storage == "pg-garage":
    e = os.environ
    extra = (f'postgres = "{e["TESTIGO_BENCH_POSTGRES"]}"\n\n[storage.s3]\n'
             f'endpoint = "{e["TESTIGO_TEST_S3_ENDPOINT"]}"\nbucket = "{e["TESTIGO_BENCH_BUCKET"]}"\n'
             f'region = "{e["TESTIGO_TEST_S3_REGION"]}"\naccess_key_id = "{e["TESTIGO_TEST_S3_KEY_ID"]}"\n'
             f'secret_access_key = "{e["TESTIGO_TEST_S3_SECRET"]}"\n')
    text = text.replace("[storage]\n", "[storage]\n" + extra, 1)
open(path, "w").write(text)
PY
  "$intake" serve --dir "$work/srv" 2>"$work/srv.log" &
  server=$!
  for _ in $(seq 1 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && return; sleep 0.1; done
  cat "$work/srv.log" >&2
  exit 1
}

peak_kib() { awk '/VmHWM/ {print $2}' "/proc/$server/status"; }

: >"$work/results.jsonl"
for storage in $STORAGES; do
  if [ "$storage" = pg-garage ]; then
    source scripts/services.sh
    export TESTIGO_BENCH_POSTGRES="$TESTIGO_TEST_POSTGRES"
    export TESTIGO_BENCH_BUCKET="bench-$$"
    garage() { GARAGE_CONFIG_FILE="$TESTIGO_TEST_GARAGE_CONFIG" "$TESTIGO_TEST_GARAGE" "$@" >/dev/null; }
    garage bucket create "$TESTIGO_BENCH_BUCKET"
    garage bucket allow --read --write --owner "$TESTIGO_BENCH_BUCKET" --key testigo-tests
  fi
  echo "[$storage] $COUNT reports of 1 MiB, $PARALLEL at a time" >&2
  start_server "$storage"
  many=$(python3 bench/tus_client.py many "$url" "$key_id" "$PARALLEL" "$work"/small/*.zip)
  echo "[$storage] one report of 1 GiB" >&2
  start_server "$storage"
  one=$(python3 bench/tus_client.py one "$url" "$key_id" 8 "$work/gib1.zip")
  echo "[$storage] one report of 2 GiB, peak memory" >&2
  start_server "$storage"
  base=$(peak_kib)
  two=$(python3 bench/tus_client.py one "$url" "$key_id" 8 "$work/gib2.zip")
  peak=$(peak_kib)
  echo "{\"storage\": \"$storage\", \"many\": $many, \"one\": $one, \"two\": $two, \"idle_kib\": $base, \"peak_kib\": $peak}" >>"$work/results.jsonl"
done

python3 - "$work" "$COUNT" "$PARALLEL" <<'PY' | tee "$out/intake.md"
import json, os, platform, sys
work, count, parallel = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
small = json.load(open(f"{work}/floor-small.json"))["results"][0]["mean"]
large = {r["command"]: r["mean"] for r in json.load(open(f"{work}/floor-large.json"))["results"]}
gib1 = os.path.getsize(f"{work}/gib1.zip") / 1048576
gib2 = os.path.getsize(f"{work}/gib2.zip") / 1048576
small_mib = sum(os.path.getsize(f"{work}/small/{f}") for f in os.listdir(f"{work}/small")) / 1048576 / count
print("# Intake server benchmark\n")
print(f"Machine: {os.cpu_count()} cores, {platform.machine()}; the client (bench/tus_client.py, Python) "
      "runs on the same machine; one run of each upload, the floor is the mean of 3 hyperfine runs.\n")
print(f"Reports: {count} of {small_mib:.2f} MiB, one of {gib1:.0f} MiB, one of {gib2:.0f} MiB; "
      "each is hashed per chunk (sha256 checksum), written with fsync, hashed whole, verified as "
      "`testigo verify` does, and signed for, before the server answers.\n")
print("| storage | 1 MiB reports/s | floor: sha256sum + cp files/s | 1 GiB MiB/s | floor: sha256sum MiB/s | floor: cp MiB/s | ratio to sha256sum + cp | peak memory, 2 GiB report |")
print("|---|---|---|---|---|---|---|---|")
for line in open(f"{work}/results.jsonl"):
    r = json.loads(line)
    floor_rate = count / small
    mibs = r["one"]["mib_per_second"]
    both = gib1 / (large["sha256sum"] + large["cp"])
    print(f"| {r['storage']} | {r['many']['per_second']:.1f} | {floor_rate:.0f} | {mibs:.0f} | "
          f"{gib1 / large['sha256sum']:.0f} | {gib1 / large['cp']:.0f} | {both / mibs:.2f}x | "
          f"{r['peak_kib'] / 1024:.0f} MiB (idle {r['idle_kib'] / 1024:.0f} MiB) |")
print("\nThe ratio compares the upload with sha256sum followed by cp of the same 1 GiB file "
      "(the least the server must do); the goal for peak memory is under 100 MB.")
PY
