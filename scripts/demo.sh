#!/usr/bin/env bash
# A tour of the testigo CLI, start to end, in a new folder it keeps: import
# screenshots (one of them broken), record a link and a note, search, list
# accounts, show the custody log and check the vault; then what Testigo is
# for: seal a signed report, verify it, watch verify catch a changed copy,
# print an evidence packet, and find a campaign in a file of posts.
# Every file it makes is named at the end.  Usage: scripts/demo.sh [BINARY]
set -euo pipefail
bin="${1:-testigo}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/testigo-demo.XXXXXX")"
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

step() { printf '\n\033[1;34m== %s\033[0m\n' "$1"; }

echo "Testigo demo / demostración: everything goes into $work"
step "1. Collect / Reunir"
run init
run case new "Campaña contra periodista" --description "Ola de amenazas tras el reportaje del 3 de marzo"
run add "$work/capturas" --case "Campaña contra periodista" --platform X --author @patriota_0231 \
  --category threat --category bot --threat-level high --state cdmx --hashtag "#FueraPrensa"
# --no-fetch: the demo contacts no one. Without it the page is captured (WARC).
run link "https://x.com/patriota_0231/status/1765432109876543210" --case "Campaña contra periodista" --no-fetch \
  --author @patriota_0231 --platform X --text "Ya sabemos dónde vives, cuida tu línea" --category threat
run note "Llamada anónima a la redacción; se denunció ante la Fiscalía" --case "Campaña contra periodista" \
  --reported-to "Fiscalía CDMX; CI-FIDCANNA-123; en trámite"
step "2. Keep safe / Guardar a salvo"
run list --case "Campaña contra periodista"
run search linea
run accounts
run log
run check

step "3. Seal, verify, print / Sellar, verificar, imprimir"
run seal --case "Campaña contra periodista" --out "$work/reporte.zip"
run verify "$work/reporte.zip"
# A copy of the sealed report with one word of the report changed, as someone
# might try: verify must say which file changed.
python3 - "$work/reporte.zip" "$work/reporte-alterado.zip" <<'PY'
import sys, zipfile
src, dst = sys.argv[1:3]
with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
    for info in a.infolist():
        data = a.read(info)
        if info.filename.endswith("data/report.json"):
            data = data.replace("amenazas".encode(), "bromas".encode(), 1)
        b.writestr(info, data)
PY
printf '\n(%s)\n' "reporte-alterado.zip: a copy with one word of the report changed / una copia con una palabra del reporte cambiada"
run verify "$work/reporte-alterado.zip"
run packet --case "Campaña contra periodista" --out "$work/expediente.pdf"

step "4. Find a campaign / Encontrar una campaña"
run case new "Ola de publicaciones"
run import-posts "$here/docs/examples/qut.csv" --case "Ola de publicaciones" --format qut --platform x
run analyze --case "Ola de publicaciones"

step "Files / Archivos"
cat <<EOF
  $work/vault                   the encrypted vault / la bóveda cifrada
                                (passphrase / frase: $TESTIGO_PASSPHRASE)
  $work/reporte.zip             the sealed, signed report / el reporte sellado y firmado
  $work/reporte-alterado.zip    the changed copy verify refused / la copia alterada que verify rechazó
  $work/expediente.pdf          the printable evidence packet / el expediente para imprimir
  $work/capturas                the screenshots imported / las capturas importadas

Open the report with any unzip tool; its VERIFY.txt says how to check it by hand.
Abre el reporte con cualquier programa de ZIP; su VERIFY.txt explica cómo verificarlo a mano.
Remove it all / Para borrarlo todo:  rm -r $work
Next / Siguiente: 'testigo --help', and docs/cli.md for every command.
EOF
