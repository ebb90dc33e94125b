#!/usr/bin/env bash
# Installs what the build and the tests need, skipping whatever is already there at the right
# version. Idempotent; safe to run on a fresh CI machine or a warm laptop.
#
#   scripts/setup.sh            install what is missing
#   . scripts/setup.sh          the same, and keep the PATH it sets (node_modules/.bin first)
#   LAB_NEED_BROWSER=0 ...      skip Chromium + chromedriver (building and serving do not need them)
#
# Pinned: trunk 0.21.14 (0.22 needs a newer rustc), wasm-bindgen-cli = the wasm-bindgen in
# Cargo.lock (0.2.130), binaryen 132 (wasm-opt) and playwright-core from package-lock.json,
# Chromium + chromedriver from Debian (never a downloaded browser).

_lab_setup() {
  set -euo pipefail
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root"

  local TRUNK_VERSION="0.21.14"
  local WASM_BINDGEN_VERSION="0.2.130"

  local sudo=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi

  step() { printf '[setup] %s\n' "$*"; }
  timed() { # timed LABEL CMD...: runs CMD and prints how long it took
    local label="$1" start=$SECONDS; shift
    "$@"
    step "$label took $((SECONDS - start)) s"
  }

  [ -d "$HOME/.cargo/bin" ] && case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac

  # Debian packages: Chromium + its driver for the browser tests, node/npm if absent.
  local apt_pkgs=()
  if [ "${LAB_NEED_BROWSER:-1}" != "0" ]; then
    [ -x /usr/bin/chromium ] || apt_pkgs+=(chromium)
    [ -x /usr/bin/chromedriver ] || apt_pkgs+=(chromium-driver)
    # A Korean font, or the screenshots show Korean text as empty boxes.
    [ -n "$(fc-list :lang=ko 2>/dev/null || true)" ] || apt_pkgs+=(fonts-nanum)
  fi
  command -v node >/dev/null 2>&1 || apt_pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || apt_pkgs+=(npm)
  if [ "${#apt_pkgs[@]}" -gt 0 ]; then
    step "apt-get install ${apt_pkgs[*]}"
    timed "apt-get" bash -c "$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq ${apt_pkgs[*]} >/dev/null"
  fi

  if ! command -v cargo >/dev/null 2>&1; then
    step "cargo is missing: install Rust with rustup (https://rustup.rs) first"; return 1
  fi
  if ! cargo fmt --version >/dev/null 2>&1; then
    timed "rustup component add rustfmt" rustup component add rustfmt
  fi
  if ! cargo clippy --version >/dev/null 2>&1; then
    timed "rustup component add clippy" rustup component add clippy
  fi
  if ! grep -qx wasm32-unknown-unknown <<<"$(rustup target list --installed 2>/dev/null || true)"; then
    timed "rustup target add wasm32-unknown-unknown" rustup target add wasm32-unknown-unknown
  fi

  # The CLI must equal the wasm-bindgen crate the build resolves, or the generated glue mismatches.
  if ! grep -A1 -x 'name = "wasm-bindgen"' Cargo.lock | grep -qx "version = \"$WASM_BINDGEN_VERSION\""; then
    step "Cargo.lock's wasm-bindgen is not $WASM_BINDGEN_VERSION: update scripts/setup.sh and Trunk.toml together"; return 1
  fi

  if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
    step "installing trunk $TRUNK_VERSION (about 10 min on 2 cores)"
    timed "cargo install trunk" cargo install trunk --version "$TRUNK_VERSION" --locked --force
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ] \
    || ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 min)"
    # Not --locked: its lockfile names a crate version the registry does not have.
    timed "cargo install wasm-bindgen-cli" cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi

  # npm ci only when package-lock.json changed since the last install (it wipes node_modules).
  local stamp="node_modules/.package-lock.sha256" want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x node_modules/.bin/wasm-opt ]; then
    timed "npm ci" npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi

  case ":$PATH:" in *":$root/node_modules/.bin:"*) ;; *) PATH="$root/node_modules/.bin:$PATH" ;; esac
  export PATH
  # Trunk's own update check needs the internet; the build itself is offline (Trunk.toml).
  export TRUNK_SKIP_VERSION_CHECK=true
  export CHROMEDRIVER=/usr/bin/chromedriver

  step "ok: $(trunk --version), $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}'), node $(node --version), $(/usr/bin/chromium --version 2>/dev/null | head -1 || echo 'no chromium')"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _lab_setup
else
  # Sourced: run in a subshell-free way so PATH sticks, but restore the caller's cwd.
  _lab_setup_cwd="$PWD"
  _lab_setup
  cd "$_lab_setup_cwd"
  unset _lab_setup_cwd
fi
