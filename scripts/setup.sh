#!/usr/bin/env bash
# Prepares this machine for the tests and the demo: Debian packages, node_modules, and an
# offline VS Code (code-server 4.99.4 from npm) in /opt. Idempotent; near-instant when done.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CS_VERSION="4.99.4"
CS_DIR="${RNN_LENS_CODE_SERVER_DIR:-/opt/code-server-${CS_VERSION}}"
MARKER="$CS_DIR/.rnn-lens-install-ok"
# libegl1 libgl1-mesa-dri libegl-dev: Mesa's software GPU (llvmpipe) that the WebGPU tests run on through
# Dawn's OpenGL ES backend; libegl-dev holds the libEGL.so name Dawn opens.
APT_PACKAGES=(chromium ripgrep libkrb5-dev g++ gcc make python3 libegl1 libgl1-mesa-dri libegl-dev)

log() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }
trap 'rc=$?; [ $rc -eq 0 ] || echo "[setup] FAILED (exit $rc) at line $LINENO: $BASH_COMMAND" >&2' EXIT

command -v node >/dev/null || die "node is not installed (Node 20 is required)"
command -v npm >/dev/null || die "npm is not installed"
NODE_VERSION="$(node -v)"
case "$NODE_VERSION" in
  v20.*) ;;
  *) log "warning: Node $NODE_VERSION; code-server $CS_VERSION is known to work with Node 20 only" ;;
esac

# --- 1. Debian packages -------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing packages ${missing[*]}; run as root or install them"
    SUDO="sudo"
  fi
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
else
  log "Debian packages present: ${APT_PACKAGES[*]}"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium not found after installing chromium"
command -v rg >/dev/null || die "rg (ripgrep) not found"

# --- 2. node_modules ------------------------------------------------------------------------
cd "$REPO"
if [ ! -d node_modules ] || [ ! -e node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci (node_modules missing or older than package-lock.json)"
  npm ci --no-audit --no-fund || die "npm ci failed"
else
  log "node_modules up to date"
fi

# --- 3. offline VS Code: code-server from npm -----------------------------------------------
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$NODE_VERSION" ]; then
  log "code-server $CS_VERSION already installed in $CS_DIR (for Node $NODE_VERSION)"
  exit 0
fi

log "installing code-server $CS_VERSION into $CS_DIR (takes 1-2 minutes; log: ${TMPDIR:-/tmp}/rnn-lens-code-server-install.log)"
PARENT="$(dirname "$CS_DIR")"
mkdir -p "$PARENT" || die "cannot create $PARENT"
TMP="$(mktemp -d "$PARENT/.code-server-${CS_VERSION}.tmp.XXXXXX")"
cleanup_tmp() { rm -rf "$TMP"; }
trap 'rc=$?; cleanup_tmp; [ $rc -eq 0 ] || echo "[setup] FAILED (exit $rc): code-server install did not complete; nothing was marked installed" >&2' EXIT
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

step() { log "  - $*"; }
# Runs a command with its (very chatty) output going to $INSTALL_LOG; shows the tail on failure.
INSTALL_LOG="${TMPDIR:-/tmp}/rnn-lens-code-server-install.log"
: > "$INSTALL_LOG"
quiet() {
  echo "+ $*" >> "$INSTALL_LOG"
  if ! "$@" >> "$INSTALL_LOG" 2>&1; then
    echo "[setup] command failed: $* -- last lines of $INSTALL_LOG:" >&2
    tail -n 30 "$INSTALL_LOG" >&2
    return 1
  fi
}

cd "$TMP"
echo '{"name":"code-server-offline","private":true}' > package.json
step "npm install --ignore-scripts code-server@$CS_VERSION"
quiet npm install --ignore-scripts --no-save "code-server@$CS_VERSION" || die "npm install code-server failed"
CS_PKG="$TMP/node_modules/code-server"
[ -f "$CS_PKG/out/node/entry.js" ] || die "code-server package is incomplete"

step "build argon2 from source"
(cd "$TMP" && npm_config_build_from_source=true quiet npm rebuild argon2) || die "building argon2 failed"

VS="$CS_PKG/lib/vscode"
step "npm install --omit=dev --ignore-scripts in lib/vscode"
(cd "$VS" && quiet npm install --omit=dev --ignore-scripts) || die "npm install in lib/vscode failed"

step "use Debian's rg for @vscode/ripgrep"
mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$VS/node_modules/@vscode/ripgrep/bin/rg"

step "drop node-pty's postinstall, rebuild native modules"
node -e '
  const fs = require("fs"); const f = process.argv[1];
  const p = JSON.parse(fs.readFileSync(f, "utf8"));
  if (p.scripts) delete p.scripts.postinstall;
  fs.writeFileSync(f, JSON.stringify(p, null, 2));
' "$VS/node_modules/node-pty/package.json" || die "patching node-pty failed"
(cd "$VS" && quiet npm rebuild @vscode/spdlog native-watchdog node-pty @vscode/deviceid) \
  || die "rebuilding native modules in lib/vscode failed"
(cd "$VS" && npm_config_build_from_source=true quiet npm rebuild kerberos) || die "building kerberos failed"

step "symlinks as code-server's postinstall.sh makes them"
ln -sfn node_modules "$VS/node_modules.asar"
[ -f "$VS/bin/remote-cli/code-linux.sh" ] && ln -sfn code-linux.sh "$VS/bin/remote-cli/code-server"
[ -f "$VS/bin/helpers/browser-linux.sh" ] && ln -sfn browser-linux.sh "$VS/bin/helpers/browser.sh"

step "npm install --omit=dev in lib/vscode/extensions"
(cd "$VS/extensions" && quiet npm install --omit=dev) || die "npm install in lib/vscode/extensions failed"

step "smoke test: native modules load, entry.js --version"
(cd "$CS_PKG" && node -e 'require("argon2")') || die "argon2 does not load"
(cd "$VS" && node -e '
  for (const m of ["@vscode/spdlog", "native-watchdog", "node-pty", "@vscode/deviceid", "kerberos"]) require(m);
') || die "a native module of lib/vscode does not load"
"$VS/node_modules/@vscode/ripgrep/bin/rg" --version >/dev/null || die "rg does not run"

# Move into place only after everything worked, then mark it done.
rm -rf "$CS_DIR"
mv "$TMP" "$CS_DIR" || die "cannot move the install to $CS_DIR"
# A throwaway HOME so that --version does not write a config file into the user's home.
VHOME="$(mktemp -d)"
version="$(HOME="$VHOME" XDG_CONFIG_HOME="$VHOME/.config" XDG_DATA_HOME="$VHOME/.local/share" \
  node "$CS_DIR/node_modules/code-server/out/node/entry.js" --version 2>&1)" \
  || { rm -rf "$VHOME"; die "code-server --version failed: $version"; }
rm -rf "$VHOME"
version="$(echo "$version" | grep -E '^[0-9]+\.[0-9]+' | head -1)"
[ -n "$version" ] || die "code-server --version printed no version"
log "  code-server --version: $version"
echo "$NODE_VERSION" > "$MARKER"
log "code-server $CS_VERSION installed in $CS_DIR"
