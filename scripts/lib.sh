# Shared by the scripts: install what is missing on Debian/Ubuntu, and find
# the one warm target directory. Sourced, not run.

# The target directory lives outside the clone so CI and later runs reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/testigo-target}"

# apt_need PKG... : installs the Debian packages that are not installed yet.
apt_need() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "missing system packages: ${missing[*]}; install them with your package manager" >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The packages the core needs to build: a C compiler, pkg-config, and
# Debian's OpenSSL headers, which SQLCipher links against (building OpenSSL
# from source was the longest step of a cold build).
CORE_PACKAGES=(build-essential pkg-config perl make libssl-dev)
# The packages the Tauri desktop app needs to build (Debian bookworm names).
TAURI_PACKAGES=(file libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev)

need_cargo() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust (https://rustup.rs) version 1.89 or later, then run this again" >&2
    exit 1
  fi
}
