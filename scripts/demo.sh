#!/usr/bin/env bash
# A short tour of the testigo CLI in a temporary vault: import screenshots
# (one of them broken), record a link and a note, search, list accounts,
# show the custody log and check the vault.  Usage: scripts/demo.sh [BINARY]
set -euo pipefail
bin="${1:-testigo}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TESTIGO_VAULT="$work/vault"
export TESTIGO_PASSPHRASE="una frase larga solo para esta demostración"

say() {
  local shown=() a
  for a in "$@"; do
    case "$a" in *[[:space:]\;\#]*) shown+=("\"$a\"") ;; *) shown+=("$a") ;; esac
  done
  printf '\n\033[1m$ testigo %s\033[0m\n' "${shown[*]}"
}
run() { say "$@"; "$bin" "$@" || true; }

mkdir -p "$work/capturas"
for i in 1 2 3; do
  convert -size 1080x1350 xc:'#f5f8fa' \
    -fill '#0f1419' -draw "rectangle 60,$((120 * i)) $((500 + 90 * i)),$((120 * i + 30))" \
    -fill '#536471' -draw "rectangle 60,600 1000,630" -draw "rectangle 60,660 $((400 + 150 * i)),690" \
    "$work/capturas/publicacion-$i.png"
done
printf '\x89PNG\r\n\x1a\nrota' > "$work/capturas/rota.png"

echo "Testigo demo: a temporary vault in $work/vault (removed at the end)."
run init
run case new "Campaña contra periodista" --description "Ola de amenazas tras el reportaje del 3 de marzo"
run add "$work/capturas" --case "Campaña contra periodista" --platform X --author @patriota_0231 \
  --category threat --category bot --threat-level high --state cdmx --hashtag "#FueraPrensa"
run link "https://x.com/patriota_0231/status/1765432109876543210" --case "Campaña contra periodista" \
  --author @patriota_0231 --platform X --text "Ya sabemos dónde vives, cuida tu línea" --category threat
run note "Llamada anónima a la redacción; se denunció ante la Fiscalía" --case "Campaña contra periodista" \
  --reported-to "Fiscalía CDMX; CI-FIDCANNA-123; en trámite"
run list --case "Campaña contra periodista"
run search linea
run accounts
run log
run check
echo
echo "Next: 'testigo --help', and docs/cli.md for every command."
