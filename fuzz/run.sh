#!/usr/bin/env bash
# Smoke run of the libFuzzer targets (issue 28 item 15): builds every target, then runs each
# for N seconds (default 30) from its seed corpus in fuzz/corpus/<target>/. A crash stops
# the script with the target's status and leaves the input in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address); RUSTC_BOOTSTRAP=1 lets the
# stable toolchain take them. Builds go to target/fuzz so they never invalidate the
# workspace's own. New inputs found are written to a scratch copy of the corpus, so the
# repository's seeds stay small (`cargo fuzz cmin` before adding any by hand).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
shift || true
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd .. && pwd)/target/fuzz}"
mapfile -t targets < <(if (($#)); then printf '%s\n' "$@"; else cargo fuzz list; fi)
if (($#)); then
  for t in "${targets[@]}"; do cargo fuzz build "$t"; done
else
  cargo fuzz build
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  cp -r "corpus/$t/." "$scratch/$t/" 2>/dev/null || true
  echo "== $t: ${seconds}s" >&2
  cargo fuzz run "$t" "$scratch/$t" -- -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    2> >(grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+== ERROR|SUMMARY|Test unit written|panicked|Done)" >&2)
done
