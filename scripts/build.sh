#!/usr/bin/env bash
# Release static build into dist/: index.html, the wasm, its JS glue, CSS and embed.html, all with
# relative URLs, so the folder can be hosted under any path. Extra arguments go to `trunk build`.
set -euo pipefail
cd "$(dirname "$0")/.."
LAB_NEED_BROWSER="${LAB_NEED_BROWSER:-0}" . scripts/setup.sh
start=$SECONDS
trunk build --release --offline "$@"
echo "[build] dist/ ready in $((SECONDS - start)) s:"
ls -l dist/
