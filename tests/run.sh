#!/usr/bin/env bash
# The test command (README, .ci/run): installs what it needs into .venv, starts moto server on
# a free loopback port, runs formatting, the console's build check, lint, every test (and in
# headless Chromium, tests/browser: C5's onboarding and the web console) and the template check,
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
# The admin crate embeds console/dist (committed, so cargo and sam build need no Node.js):
# rebuilt here from console/src and the API types regenerated from docs/openapi.yaml, and
# either differing from what is committed fails the run.
echo "== console: npm ci, types from docs/openapi.yaml, tsc, vite build (≤ 200 KB gzip), dist/ and src/api/ as committed"
(cd console && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check)
echo "== infra/cdk: npm ci, tsc, cdk synth (offline: no AWS account, no Rust build; cdk-nag AwsSolutions)"
(cd infra/cdk && npm ci --no-audit --no-fund --loglevel=error && npm run --silent typecheck && npm run --silent synth)
echo "== cfn-lint infra/template.yaml infra/cdk/cdk.out/Renkei.template.json"
.venv/bin/cfn-lint infra/template.yaml
# W3005: CDK makes each function depend on its role's policy besides the role's GetAtt, on purpose
# (the policy must exist before the function runs).
.venv/bin/cfn-lint --ignore-checks W3005 -- infra/cdk/cdk.out/Renkei.template.json
echo "== cargo clippy"; cargo clippy --workspace --all-targets -- -D warnings
# Every vendor endpoint the suite calls is noted (renkei_sandbox::Call), then checked against
# docs/contracts/ (tests/s29_contract_docs.rs).
calls="$(mktemp -d)"
echo "== cargo nextest"; RENKEI_SANDBOX_CALLS="$calls" cargo nextest run --workspace --no-fail-fast
echo "== every vendor endpoint the suite called is in its docs/contracts/ doc"
RENKEI_CHECK_CALLS="$calls" cargo nextest run --no-fail-fast -p renkei-e2e --test s29_contract_docs \
  s29_6_every_endpoint_any_test_called_is_in_its_contract_doc
rm -rf "$calls"
echo "== a new connector is its folders plus three files (issue 30): the example, added in a worktree"
bash tests/add_example_connector.sh
# The libFuzzer targets (fuzz/, its own workspace) are compiled against today's parsers, so a
# changed parser cannot leave a target behind; running them is fuzz/run.sh (docs/security.md).
# --locked: when the workspace's dependencies change, update fuzz/Cargo.lock with the same
# command without --locked and commit it.
echo "== fuzz targets: cargo check --manifest-path fuzz/Cargo.toml --bins"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/fuzz" cargo check --quiet --locked --manifest-path fuzz/Cargo.toml --bins
echo "== tests/browser: C5 onboarding as a LinkedIn admin does it, in headless Chromium (Debian's chromium, playwright-core)"
[ -x /usr/bin/chromium ] || apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
cargo build --quiet -p renkei
node tests/browser/onboarding.mjs
echo "== tests/browser: the web console against renkei sandbox (sign-in, connect, run, reports, every connector page, axe-core)"
node tests/browser/console.mjs
echo "== schemathesis: docs/openapi.yaml against renkei admin serve (bounded; no 5xx, every answer as documented, no other tenant's data)"
bash tests/schemathesis.sh
# The README's deploy builds, as their tools run them (tests/deployment.rs checks that every
# Binary of both templates is found at the workspace root the same way). One function is
# built in full through each tool — a cold arm64 release build of all eight takes ~25 min on
# 2 cores — and every function in the dev profile with the selection SAM and the CDK use.
export PATH="$PWD/.venv/bin:$PATH"
echo "== sam build -t infra/template.yaml DispatcherFunction (SAM → cargo lambda → zig → bootstrap, release, arm64)"
SAM_CLI_TELEMETRY=0 sam build -t infra/template.yaml DispatcherFunction
python3 tests/elf_arm64.py .aws-sam/build/DispatcherFunction/bootstrap
echo "== the CDK's bundling of the dispatcher (cdk deploy's cargo lambda build, same manifest and flags)"
(cd infra/cdk && npx tsx bin/bundle-check.ts dispatcher)
echo "== cargo lambda build --arm64 --bin <each Binary> at the root (how SAM and the CDK select them)"
# Every function folder is a Lambda (tests/deployment.rs checks each has its SAM and CDK
# function): the list is the folders, so a new connector needs no line here.
bins=()
for f in functions/*/Cargo.toml; do bins+=(--bin "$(basename "$(dirname "$f")")"); done
cargo lambda build --arm64 "${bins[@]}"
