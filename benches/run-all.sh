#!/usr/bin/env bash
# Every figure of docs/benchmarks.md in one command:
#   bash benches/run-all.sh [--no-packages] [OUT_DIR]    (default OUT_DIR: target/bench-results)
# --no-packages skips the arm64 package build (25 min from cold): cold-start then reports
# the start times and whatever packages target/lambda already holds.
# Builds what the benches run (renkei-bench and every function in release, the arm64 packages),
# installs .venv as tests/run.sh does, starts moto server on a free loopback port for the
# DynamoDB/EventBridge figures and stops it on exit, then runs each bench in turn. Each
# bench's output goes to OUT_DIR/<name>.txt; a bench that misses its bound exits non-zero
# and is listed at the end; the script exits non-zero if any did. About an hour on the
# 2-core build host (half of it the arm64 packages, from a cold target directory).
set -uo pipefail
cd "$(dirname "$0")/.."
packages=yes
if [ "${1:-}" = "--no-packages" ]; then
  packages=no
  shift
fi
out=${1:-target/bench-results}
mkdir -p "$out"

set -e
source tests/moto.sh
ensure_venv
cargo build --release --workspace --bins
if [ "$packages" = yes ]; then
  # Every function folder is a Lambda package (a new connector's needs no line here).
  pkgs=()
  for f in functions/*/Cargo.toml; do pkgs+=(-p "$(basename "$(dirname "$f")")"); done
  PATH="$PWD/.venv/bin:$PATH" cargo lambda build --release --arm64 --output-format zip \
    "${pkgs[@]}"
fi
set +e

# A fresh moto per run: its tables live in its memory, and the dispatch figure is its
# request time.
start_moto "$out/moto.log"
aws_env=(env AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_REGION=ap-northeast-1
  AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench)

# `renkei bench …` until 2026-12-07; the same benches, arguments and bounds.
bench=./target/release/renkei-bench
failed=()
run() {
  local name=$1
  shift
  echo "== $name: $*"
  if "$@" >"$out/$name.txt" 2>&1; then
    tail -n 25 "$out/$name.txt"
  else
    tail -n 25 "$out/$name.txt"
    echo "!! $name missed a bound or failed (see $out/$name.txt)"
    failed+=("$name")
  fi
}

# Goal 1: the C1 pipeline against the decode+parse floor and the Python baseline.
run mynavi-hrmos $bench mynavi-hrmos --rows 100000
run mynavi-hrmos-1m $bench mynavi-hrmos --rows 1000000 --repeat 1
# Goal 2: each connector's Lambda process alone (C2, C1, C3, C4), and C5's invocations.
run lambda-memory $bench lambda-memory --employees 10000 --rows 100000 --profiles 1000
# Goal 3: a no-change run's state-store cost, embedded and on DynamoDB (moto).
run roumumate-kaonavi "${aws_env[@]}" $bench roumumate-kaonavi --employees 10000 --limited-employees 400 --time-scale 60
# Goal 4: cold start of every function, and the packages' sizes.
run cold-start $bench cold-start --runs 20
# Goal 5: 10,000 connections due at one quarter hour, against DynamoDB/EventBridge (moto).
run dispatch "${aws_env[@]}" $bench dispatch --connections 10000
# The connectors' own figures.
run hrbrain-mikiwame $bench hrbrain-mikiwame
run talentwunder-personio $bench talentwunder-personio --time-scale 20
run recruitee-linkedin $bench recruitee-linkedin

if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmarks that missed a bound: ${failed[*]}"
  exit 1
fi
echo "every benchmark met its bounds; outputs in $out"
