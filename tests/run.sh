#!/usr/bin/env bash
# The test command (README, .ci/run): installs what it needs into .venv, starts moto server on
# a free loopback port, runs formatting, lint, every test and the template check,
# cross-builds the functions for arm64 Lambda, and stops moto on exit. Works on a fresh
# machine with Rust, Python 3 and network access to the registries.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/moto_server ] || [ ! -x .venv/bin/cfn-lint ] || [ ! -x .venv/bin/cargo-lambda ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]' cfn-lint cargo-lambda ziglang
fi
command -v cargo-nextest >/dev/null 2>&1 || cargo install --locked cargo-nextest

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
.venv/bin/moto_server -H 127.0.0.1 -p "$port" >/tmp/renkei-moto-$port.log 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
  sleep 0.2
done
export RENKEI_MOTO_ENDPOINT="http://127.0.0.1:$port"

echo "== cargo fmt --check"; cargo fmt --all -- --check
echo "== cfn-lint infra/template.yaml"; .venv/bin/cfn-lint infra/template.yaml
echo "== cargo clippy"; cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo nextest"; cargo nextest run --workspace --no-fail-fast
echo "== cargo lambda build --arm64 (the functions build for Lambda, as sam build does)"
PATH="$PWD/.venv/bin:$PATH" cargo lambda build --arm64 -p dispatcher -p mynavi-hrmos -p roumumate-kaonavi -p hrbrain-mikiwame -p talentwunder-personio -p recruitee-linkedin -p webhooks -p admin
