#!/usr/bin/env bash
# Builds the Debian package (a release build of the desktop app, which also
# answers as `testigo`), then tries it as a person would: installs it with
# dpkg -i, runs `testigo --help` and a short CLI session, starts
# `testigo-desktop` under Xvfb and takes a screenshot, removes it with
# dpkg -r and checks nothing is left in /usr/bin. Needs root or sudo.
# Usage: scripts/deb.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cargo
command -v npm >/dev/null || apt_need nodejs npm
apt_need "${CORE_PACKAGES[@]}" "${TAURI_PACKAGES[@]}" xvfb xauth imagemagick
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"

deb_dir="$CARGO_TARGET_DIR/release/bundle/deb"
if [ "${1:-}" != "--no-build" ]; then
  scripts/build-ui.sh
  (cd src-tauri && ../ui/node_modules/.bin/tauri build --bundles deb)
fi
deb="$(ls -t "$deb_dir"/*.deb | head -1)"
echo "== $deb: $(du -h "$deb" | cut -f1)"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
echo "== what it installs"
dpkg-deb --contents "$deb" | awk '{print $3, $6}'

echo "== dpkg -i"
$sudo dpkg -i "$deb" || { $sudo apt-get install -f -y -qq; $sudo dpkg -i "$deb"; }
test -x /usr/bin/testigo && test -x /usr/bin/testigo-desktop

echo "== testigo --help"
testigo --help | head -5
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TESTIGO_VAULT="$work/vault" TESTIGO_PASSPHRASE="una frase larga solo para probar el paquete"
testigo init
testigo case new "Prueba del paquete"
testigo note "Nota de prueba" --case "Prueba del paquete"
testigo list --json | grep -q '"kind": *"note"'
testigo check

echo "== testigo-desktop under Xvfb"
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  testigo-desktop & app=$!
  sleep 8
  kill -0 $app || { echo "testigo-desktop did not stay up" >&2; exit 1; }
  import -window root "'"$work"'/desktop.png"
  kill $app
'
cp "$work/desktop.png" "${DEB_SHOT:-$CARGO_TARGET_DIR/deb-desktop.png}"
echo "screenshot: ${DEB_SHOT:-$CARGO_TARGET_DIR/deb-desktop.png}"

echo "== dpkg -r"
$sudo dpkg -r testigo
for f in /usr/bin/testigo /usr/bin/testigo-desktop; do
  if [ -e "$f" ]; then echo "$f is still there after dpkg -r" >&2; exit 1; fi
done
echo "the package installs, runs as testigo and testigo-desktop, and removes cleanly"
