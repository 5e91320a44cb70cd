#!/usr/bin/env bash
# The test command (README, .ci/run): installs what it needs into .venv, starts moto server on
# a free loopback port, runs formatting, lint, every test and the template check,
# synthesises the CDK app, cross-builds the functions for arm64 Lambda, and stops moto on
# exit. Works on a fresh machine with Rust, Python 3, Node.js and the registries.
set -euo pipefail
cd "$(dirname "$0")/.."

source tests/moto.sh
ensure_venv
command -v cargo-nextest >/dev/null 2>&1 || cargo install --locked cargo-nextest

start_moto "/tmp/renkei-moto-$$.log"
export RENKEI_MOTO_ENDPOINT="http://127.0.0.1:$moto_port"

echo "== cargo fmt --check"; cargo fmt --all -- --check
echo "== infra/cdk: npm ci, tsc, cdk synth (offline: no AWS account, no Rust build; cdk-nag AwsSolutions)"
(cd infra/cdk && npm ci --no-audit --no-fund --loglevel=error && npm run --silent typecheck && npm run --silent synth)
echo "== cfn-lint infra/template.yaml infra/cdk/cdk.out/Renkei.template.json"
.venv/bin/cfn-lint infra/template.yaml
# W3005: CDK makes each function depend on its role's policy besides the role's GetAtt, on purpose
# (the policy must exist before the function runs).
.venv/bin/cfn-lint --ignore-checks W3005 -- infra/cdk/cdk.out/Renkei.template.json
echo "== cargo clippy"; cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo nextest"; cargo nextest run --workspace --no-fail-fast
echo "== cargo lambda build --arm64 (the functions build for Lambda, as sam build does)"
PATH="$PWD/.venv/bin:$PATH" cargo lambda build --arm64 -p dispatcher -p mynavi-hrmos -p roumumate-kaonavi -p hrbrain-mikiwame -p talentwunder-personio -p recruitee-linkedin -p webhooks -p admin
