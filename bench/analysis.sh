#!/usr/bin/env bash
# Campaign-analysis benchmark: synthetic posts with planted campaigns,
# organic chatter and decoys (bench/gen_posts.py), imported and analysed by
# testigo, side by side with the QUT coordination-network-toolkit (PyPI) on
# the same CSV in the same run. Reports precision and recall on accounts and
# posts against the planted truth, time and peak memory of both tools, and
# checks that the toolkit's co-tweet edges are a subset of Testigo's co-post
# pairs at the same window. Never a wall-clock limit on Testigo; the
# toolkit's co-similar-tweet gets QUT_TIMEOUT seconds (it is quadratic).
#
# Usage: bench/analysis.sh [SIZES="100000 1000000"] [MEMORY_SIZES="5000000"] [QUT_TIMEOUT=1800]
#        (results in bench/out/analysis.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
apt_need "${CORE_PACKAGES[@]}" time python3 python3-pip
python3 -c "import coordination_network_toolkit" 2>/dev/null \
  || python3 -m pip install --quiet coordination-network-toolkit 2>/dev/null \
  || python3 -m pip install --quiet --break-system-packages coordination-network-toolkit
SIZES="${1:-100000 1000000}"
MEMORY_SIZES="${2:-5000000}"
QUT_TIMEOUT="${3:-1800}"
WINDOW=60
out="bench/out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

cargo build --release --quiet --bin testigo --example co_post_pairs
bin="$CARGO_TARGET_DIR/release/testigo"
pairs_bin="$CARGO_TARGET_DIR/release/examples/co_post_pairs"
export TESTIGO_PASSPHRASE="benchmark passphrase, not secret"
results="$work/results.jsonl"
: >"$results"

# Runs a command under GNU time; prints "seconds peak_kib exit".
measure() {
  local log="$work/time.txt"
  set +e
  /usr/bin/time -f "%e %M" -o "$log" "$@" >>"$work/commands.log" 2>&1
  local code=$?
  set -e
  echo "$(tail -1 "$log") $code"
}

run_testigo() {  # N CSV -> appends import/analyze figures
  local n="$1" csv="$2"
  export TESTIGO_VAULT="$work/vault-$n"
  rm -rf "$TESTIGO_VAULT"
  "$bin" init >/dev/null 2>&1
  "$bin" case new bench >/dev/null 2>&1
  read -r imp_s imp_kb code < <(measure sh -c "'$bin' import-posts '$csv' --case bench --format qut --platform x --json > '$work/import-$n.json'")
  read -r ana_s ana_kb code < <(measure sh -c "'$bin' analyze --case bench --window 1m --json > '$work/analysis-$n.json'")
  echo "{\"n\": $n, \"import_s\": $imp_s, \"import_kb\": $imp_kb, \"analyze_s\": $ana_s, \"analyze_kb\": $ana_kb}"
}

for n in $SIZES; do
  echo "== $n posts" >&2
  csv="$work/posts-$n.csv"
  python3 bench/gen_posts.py "$n" 7 "$csv" "$work/truth-$n.json"
  rm -rf "$work/vault-$n"
  t=$(run_testigo "$n" "$csv")
  read -r pairs_s pairs_kb _ < <(measure sh -c "'$pairs_bin' '$csv' $WINDOW > '$work/pairs-$n.csv'")
  db="$work/qut-$n.db"
  read -r pre_s pre_kb _ < <(measure compute_networks "$db" preprocess --format csv "$csv")
  read -r cot_s cot_kb _ < <(measure compute_networks "$db" compute co_tweet --time_window $WINDOW --min_edge_weight 1 --output_file "$work/cotweet-$n.graphml" --output_format graphml)
  read -r cos_s cos_kb cos_code < <(measure timeout "$QUT_TIMEOUT" compute_networks "$db" compute co_similar_tweet --time_window $WINDOW --min_edge_weight 1 --similarity_threshold 0.8 --output_file "$work/cosim-$n.graphml" --output_format graphml)
  python3 - "$n" "$work" "$t" "$pairs_s" "$pre_s" "$pre_kb" "$cot_s" "$cot_kb" "$cos_s" "$cos_kb" "$cos_code" "$QUT_TIMEOUT" >>"$results" <<'PY'
import csv, json, sys
n, work, t = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
pairs_s, pre_s, pre_kb, cot_s, cot_kb, cos_s, cos_kb, cos_code, qt = sys.argv[4:13]
truth = json.load(open(f"{work}/truth-{n}.json"))
a = json.load(open(f"{work}/analysis-{n}.json"))
ta, tp = set(truth["campaign_accounts"]), set(truth["campaign_posts"])
pa = {x["id"] for c in a["campaigns"] for x in c["accounts"]}
pp = {p for c in a["campaigns"] for p in c["posts"]}
def pr(pred, true):
    hit = len(pred & true)
    return (hit / len(pred) if pred else 1.0, hit / len(true) if true else 1.0)
def edges(path):
    """Edges of the toolkit's GraphML output (its CSV writer fails in 1.5)."""
    import xml.etree.ElementTree as ET
    out = set()
    try:
        for _, el in ET.iterparse(path):
            if el.tag.endswith("edge"):
                out.add(tuple(sorted((el.get("source"), el.get("target")))))
            el.clear()
    except (FileNotFoundError, ET.ParseError):
        pass
    return out
ours = set()
with open(f"{work}/pairs-{n}.csv") as f:
    for line in f:
        x, y, _ = line.rstrip("\n").split(",")
        ours.add(tuple(sorted((x, y))))
cot = edges(f"{work}/cotweet-{n}.graphml")
cos = edges(f"{work}/cosim-{n}.graphml")
cos_done = cos_code == "0"
qut_acc = {u for e in (cos if cos_done else cot) for u in e}
t.update({
    "accounts_pr": pr(pa, ta), "posts_pr": pr(pp, tp), "campaigns": len(a["campaigns"]), "planted": truth["campaigns"],
    "pairs_s": float(pairs_s), "ours_pairs": len(ours), "cotweet_edges": len(cot),
    "cotweet_missing": len(cot - ours), "qut_pre_s": float(pre_s), "qut_pre_kb": int(pre_kb),
    "qut_cotweet_s": float(cot_s), "qut_cotweet_kb": int(cot_kb),
    "qut_cosim_s": float(cos_s), "qut_cosim_kb": int(cos_kb), "qut_cosim_done": cos_done, "qut_timeout": int(qt),
    "qut_recall_accounts": len(qut_acc & ta) / len(ta) if ta else 1.0,
    "qut_precision_accounts": len(qut_acc & ta) / len(qut_acc) if qut_acc else 1.0,
    "qut_network": "co_similar_tweet" if cos_done else "co_tweet",
})
print(json.dumps(t))
PY
  rm -f "$db" "$csv"
  rm -rf "$work/vault-$n"
done

for n in $MEMORY_SIZES; do
  echo "== $n posts (memory)" >&2
  csv="$work/posts-$n.csv"
  # Five weeks of the 1M-post week's shape: made in a minute, not half an hour.
  python3 bench/gen_posts.py "$n" 7 "$csv" "$work/truth-$n.json" 5
  t=$(run_testigo "$n" "$csv")
  echo "$t" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["memory_only"]=True; print(json.dumps(d))' >>"$results"
  rm -f "$csv"; rm -rf "$work/vault-$n"
done

python3 - "$results" <<'PY' | tee "$out/analysis.md"
import json, os, platform, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("# Campaign-analysis benchmark\n")
print(f"Machine: {os.cpu_count()} cores, {platform.machine()}. Synthetic posts (bench/gen_posts.py, seed 7): planted campaigns among organic chatter, replies and reposts over a week, morning greetings and popular quotes repeated over days (the decoys). Window 1 minute.\n")
print("## Quality against the planted truth\n")
print("| posts | campaigns found / planted | accounts precision | accounts recall | posts precision | posts recall | QUT toolkit accounts precision | QUT toolkit accounts recall (network) |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    if r.get("memory_only"): continue
    print(f"| {r['n']:,} | {r['campaigns']} / {r['planted']} | {r['accounts_pr'][0]:.3f} | {r['accounts_pr'][1]:.3f} | {r['posts_pr'][0]:.3f} | {r['posts_pr'][1]:.3f} | {r['qut_precision_accounts']:.3f} | {r['qut_recall_accounts']:.3f} ({r['qut_network']}) |")
print("\n## Time and memory, same CSV, same run\n")
print("| posts | testigo import-posts | testigo analyze | QUT preprocess | QUT co_tweet | QUT co_similar_tweet | analyze vs co_similar_tweet |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    if r.get("memory_only"): continue
    cos = f"{r['qut_cosim_s']:.1f} s, {r['qut_cosim_kb']/1024:.0f} MiB" if r["qut_cosim_done"] else f"not done after {r['qut_timeout']} s"
    ratio = (f"{r['qut_cosim_s']/r['analyze_s']:.0f}x faster" if r["qut_cosim_done"] else f"more than {r['qut_timeout']/r['analyze_s']:.0f}x faster")
    print(f"| {r['n']:,} | {r['import_s']:.1f} s, {r['import_kb']/1024:.0f} MiB | {r['analyze_s']:.1f} s, {r['analyze_kb']/1024:.0f} MiB | {r['qut_pre_s']:.1f} s, {r['qut_pre_kb']/1024:.0f} MiB | {r['qut_cotweet_s']:.1f} s, {r['qut_cotweet_kb']/1024:.0f} MiB | {cos} | {ratio} |")
print("\n## The toolkit's co-tweet edges within Testigo's co-post pairs (window 60 s)\n")
for r in rows:
    if r.get("memory_only"): continue
    print(f"- {r['n']:,} posts: {r['cotweet_edges']:,} co-tweet edges, {r['ours_pairs']:,} Testigo co-post pairs; co-tweet edges missing from Testigo's: {r['cotweet_missing']}")
print("\n## Peak memory as the input grows\n")
print("| posts | import-posts peak | analyze peak |")
print("|---|---|---|")
for r in rows:
    print(f"| {r['n']:,} | {r['import_kb']/1024:.0f} MiB | {r['analyze_kb']/1024:.0f} MiB |")
PY
