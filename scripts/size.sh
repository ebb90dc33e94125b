#!/usr/bin/env bash
# Size report: the gzipped download of dist/ (wasm + js + css) against the floor, a minimal Yew
# page built the same way (tools/floor). The floor's build is cached under target/floor/, keyed
# by its sources and the tool versions, so it is rebuilt only when one of them changes.
#
#   scripts/size.sh          report (expects dist/ from scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
LAB_NEED_BROWSER="${LAB_NEED_BROWSER:-0}" . scripts/setup.sh >/dev/null

[ -f dist/index.html ] || { echo "[size] dist/ is missing: run scripts/build.sh first" >&2; exit 1; }

gz() { gzip -9 -c "$1" | wc -c; }
# sum_gz DIR EXT...: gzipped and raw bytes of every DIR/*.EXT, as "gz raw".
sum_gz() {
  local dir="$1" g=0 r=0 f; shift
  for ext in "$@"; do
    for f in "$dir"/*."$ext"; do
      [ -f "$f" ] || continue
      g=$((g + $(gz "$f"))); r=$((r + $(wc -c < "$f")))
    done
  done
  echo "$g $r"
}

# The floor: rebuild only when its inputs or the tools change.
floor_dir=target/floor
floor_key="$( (cat tools/floor/Cargo.toml tools/floor/Cargo.lock tools/floor/index.html tools/floor/Trunk.toml tools/floor/src/*.rs; \
  trunk --version; wasm-bindgen --version; wasm-opt --version; rustc --version) | sha256sum | cut -c1-16)"
if [ "$(cat "$floor_dir/key" 2>/dev/null || true)" != "$floor_key" ] || [ ! -d "$floor_dir/dist" ]; then
  echo "[size] building the floor page (tools/floor); cached afterwards"
  start=$SECONDS
  rm -rf "$floor_dir/dist"
  mkdir -p "$floor_dir"
  (cd tools/floor && CARGO_TARGET_DIR="$PWD/../../$floor_dir/target" \
    trunk build --release --offline --dist "../../$floor_dir/dist" >"../../$floor_dir/build.log" 2>&1) \
    || { tail -30 "$floor_dir/build.log"; exit 1; }
  echo "$floor_key" > "$floor_dir/key"
  echo "[size] floor built in $((SECONDS - start)) s"
fi

row() { # row LABEL "gz raw"
  local gzb rawb; read -r gzb rawb <<<"$2"
  awk -v l="$1" -v g="$gzb" -v r="$rawb" 'BEGIN { printf "  %-22s %8.1f KB gz  %8.1f KB raw\n", l, g / 1024, r / 1024 }'
}

app_wasm=$(sum_gz dist wasm); app_js=$(sum_gz dist js); app_css=$(sum_gz dist css)
app_all=$(sum_gz dist wasm js css)
floor_all=$(sum_gz "$floor_dir/dist" wasm js css)
app_total=${app_all%% *}; floor_total=${floor_all%% *}

echo "[size] download, gzip -9:"
row "app wasm" "$app_wasm"
row "app js" "$app_js"
row "app css" "$app_css"
row "app total" "$app_all"
row "floor (minimal Yew)" "$floor_all"
awk -v a="$app_total" -v f="$floor_total" 'BEGIN { printf "[size] app / floor = %.2fx (app %d B gz, floor %d B gz)\n", a / f, a, f }'
