#!/usr/bin/env bash
# Serves the page with live rebuild at http://127.0.0.1:8080 (a debug build: fast to rebuild,
# and `?debug_panic=1` shows the panic panel). Extra arguments go to `trunk serve`, e.g.
# `scripts/serve.sh --release` for the optimised build, `--port 9000` for another port.
set -euo pipefail
cd "$(dirname "$0")/.."
LAB_NEED_BROWSER="${LAB_NEED_BROWSER:-0}" . scripts/setup.sh
echo "[serve] http://127.0.0.1:8080  (Ctrl-C to stop)"
# The dev server answers at the root, so it needs an absolute public URL.
exec trunk serve --offline --address 127.0.0.1 --port 8080 --public-url / "$@"
