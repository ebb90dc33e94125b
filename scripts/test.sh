#!/usr/bin/env bash
# THE test command (CI runs exactly this through .ci/run). Levels, in order:
#   lint     cargo fmt --check, cargo clippy -D warnings (native and wasm32)
#   native   cargo test                                  (the simulation, the CLI, the i18n table)
#   browser  cargo test --target wasm32-unknown-unknown  (tests/web/, headless Chromium)
#   e2e      release build into dist/, then node --test tests/e2e/ (Playwright + Chromium)
#   size     gzipped download of dist/ against a minimal Yew page
#   bench    lab bench (engine vs bare queue loop), and the in-browser figure from the browser level
# A level fails the run if its runner fails or if it ran zero tests. Logs: target/test-logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
run_start=$SECONDS

. scripts/setup.sh

logs=target/test-logs
mkdir -p "$logs"
summary=()

fail() { echo "[test] FAILED: $*" >&2; printf '%s\n' "${summary[@]}" >&2; exit 1; }

# run LEVEL CMD...: runs CMD with its output shown and kept in $logs/LEVEL.log.
run() {
  local level="$1"; shift
  echo; echo "[test] ===== $level: $* ====="
  level_start=$SECONDS
  if ! "$@" 2>&1 | tee "$logs/$level.log"; then
    fail "$level: '$*' exited non-zero (log: $logs/$level.log)"
  fi
}

# Sums "test result: ... N passed; M failed" lines (libtest and wasm-bindgen-test-runner).
libtest_counts() {
  grep -E '^test result: ' "$1" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/' \
    | awk '{ p += $1; f += $2 } END { printf "%d %d\n", p, f }'
}

check() { # check LEVEL PASSED FAILED
  local level="$1" passed="$2" failed="$3"
  local line
  line=$(printf '%-8s %4d passed %3d failed  %4d s' "$level" "$passed" "$failed" "$((SECONDS - level_start))")
  summary+=("$line")
  echo "[test] $line"
  [ "$failed" -eq 0 ] || fail "$level: $failed failed"
  [ "$passed" -gt 0 ] || fail "$level: ran zero tests"
}

# Formatting first: it is the cheapest check (rustfmt.toml holds the settings).
echo "[test] cargo fmt --check"
cargo fmt --check || fail "format: run \`cargo fmt\`"

# Lints, natively and for the page's target (src/ui compiles only for wasm32): warnings fail.
run clippy cargo clippy --color never --all-targets -- -D warnings
run clippy-wasm cargo clippy --color never --all-targets --target wasm32-unknown-unknown -- -D warnings

# (a) native
run native cargo test --color never
read -r p f < <(libtest_counts "$logs/native.log")
check native "$p" "$f"

# (b) browser: every #[wasm_bindgen_test] of the crate (tests/web/*.rs are [[test]] targets in
# Cargo.toml); binaries without one print "no tests to run!".
# --nocapture shows what tests print: the in-browser engine benchmark (tests/web/bench.rs).
run browser cargo test --color never --target wasm32-unknown-unknown -- --nocapture
read -r p f < <(libtest_counts "$logs/browser.log")
check browser "$p" "$f"

# (c) end to end over the release build
run build scripts/build.sh
# The e2e tests compare the page with the CLI: build the current `lab` first (never a stale one).
cargo build --release --quiet --bin lab
export LAB_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/lab"
summary+=("$(printf '%-8s %-26s  %4d s' build 'release build into dist/ + lab' "$((SECONDS - level_start))")")
run e2e node --test tests/e2e/
p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$logs/e2e.log" | tail -1)
f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$logs/e2e.log" | tail -1)
check e2e "${p:-0}" "${f:-0}"

# (d) size
run size scripts/size.sh
ratio=$(sed -nE 's/^\[size\] app \/ floor = (.*)$/\1/p' "$logs/size.log")
ratio=${ratio%% *}
[ -n "$ratio" ] || fail "size: no report"
summary+=("$(printf '%-8s %-26s  %4d s' size "app/floor $ratio" "$((SECONDS - level_start))")")

# (e) engine benchmark figures (printed, never asserted: speed is measured, not tested)
run bench "$LAB_BIN" bench
summary+=("$(printf '%-8s %-26s  %4d s' bench "$(sed -nE 's/^ratio +engine \/ bare = (.*)$/engine\/bare \1/p' "$logs/bench.log")" "$((SECONDS - level_start))")")
grep -h 'bench wasm' "$logs/browser.log" || true

echo
echo "[test] all levels passed in $((SECONDS - run_start)) s:"
printf '  %s\n' "${summary[@]}"
