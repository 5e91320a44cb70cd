#!/usr/bin/env bash
# Issue 30 item 2, proved: adds the example connector (tests/support/example/mod.rs) to a
# scratch worktree of HEAD (the last commit, not uncommitted edits) as a connector of the product — its own two folders plus three
# touched files — prints `git diff --stat`, and runs the checks that hold every registered
# connector to being complete and deployable: the consistency test, both templates' parity
# and least privilege, the settings schemas, the CDK synth and cfn-lint.
#
#   bash tests/add_example_connector.sh        (tests/run.sh runs it; ~5 min warm)
#
# Fails if a fourth file outside the connector's folders is needed, or if any check fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
work="$scratch/renkei"
cleanup() {
  git -C "$root" worktree remove --force "$work" 2>/dev/null || true
  git -C "$root" worktree prune
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
git -C "$root" worktree add --detach -q "$work" HEAD
cd "$work"
name=example-webhooks
module=example_webhooks

# Its own folders: the connector's module and its function.
mkdir -p "shared/connectors/src/$module" "functions/$name/src"
cp tests/support/example/mod.rs "shared/connectors/src/$module/mod.rs"
cat > "functions/$name/Cargo.toml" <<TOML
[package]
name = "$name"
version.workspace = true
edition.workspace = true
license.workspace = true
publish.workspace = true

[dependencies]
renkei-aws.workspace = true
renkei-connectors.workspace = true
lambda_runtime.workspace = true
tokio.workspace = true

[package.metadata.renkei]
connector-timeout = 900

[lints]
workspace = true
TOML
cat > "functions/$name/src/main.rs" <<RUST
//! $name Lambda: runs the sync engine once per SyncRequested event for its connector.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let factory = renkei_connectors::$module::Factory::default();
    renkei_aws::lambda::serve_connector(&factory).await
}
RUST

# The three touches outside them.
python3 - "$name" "$module" <<'PY'
import re, sys
name, module = sys.argv[1], sys.argv[2]
def edit(path, old, new):
    s = open(path).read()
    assert old in s, f"{path}: {old!r} not found"
    open(path, "w").write(s.replace(old, new, 1))
# 1. The registry.
edit("shared/connectors/src/lib.rs", "pub mod roumumate_kaonavi;",
     f"pub mod roumumate_kaonavi;\npub mod {module};")
edit("shared/connectors/src/lib.rs", "        .with(Arc::new(recruitee_linkedin::Factory))",
     f"        .with(Arc::new(recruitee_linkedin::Factory))\n        .with(Arc::new({module}::Factory::default()))")
# 2. No tenant may be named like it.
edit("shared/core/src/ids.rs", '        "recruitee-linkedin",\n    ];',
     f'        "recruitee-linkedin",\n        "{name}",\n    ];')
# 3. Its function in the SAM template: C2's, renamed (rule, secret scope, DLQ, grants).
t = open("infra/template.yaml").read()
block = re.search(r"^  RoumumateKaonaviFunction:\n(?:(?:    .*)?\n)+", t, re.M).group(0)
logical = "".join(w.capitalize() for w in name.split("-")) + "Function"
ours = block.replace("RoumumateKaonaviFunction", logical).replace("roumumate-kaonavi", name)
open("infra/template.yaml", "w").write(t.replace(block, block + ours, 1))
PY

git add -N .
echo "== the example connector added: its folders and three files outside them"
git diff --stat
git diff --name-only > "$scratch/changed"
grep -v -e "^shared/connectors/src/$module/" -e "^functions/$name/" "$scratch/changed" > "$scratch/outside" || true
count=$(wc -l < "$scratch/outside")
echo "files outside its folders: $count"
if [ "$count" -gt 3 ]; then
  echo "more than three files outside the connector's folders:" >&2
  cat "$scratch/outside" >&2
  exit 1
fi

echo "== every check that holds a registered connector to being complete"
# The CDK app first: tests/cdk_parity.rs compares its synthesised template with SAM's.
(cd infra/cdk && ln -s "$root/infra/cdk/node_modules" node_modules && npm run --silent synth)
"$root/.venv/bin/cfn-lint" infra/template.yaml
"$root/.venv/bin/cfn-lint" --ignore-checks W3005 -- infra/cdk/cdk.out/Renkei.template.json
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
# (Not the two consistency tests about the example as it is in the repository — code only,
# every piece missing — which it no longer is here.)
cargo nextest run --no-fail-fast \
  -p renkei-e2e --test consistency --test cdk_parity --test deployment \
  -p renkei-connectors --test config \
  -p renkei-admin --test catalog \
  -E 'not test(/^(a_connector_with_nothing_but_its_code|s30_2_a_new_connector)/)'
echo "== after building it (cargo adds the new package to Cargo.lock itself)"
git diff --stat
git diff --name-only > "$scratch/built"
if ! diff <( (cat "$scratch/changed"; echo Cargo.lock) | sort -u) <(sort -u "$scratch/built") > /dev/null; then
  echo "building changed more than Cargo.lock:" >&2
  diff "$scratch/changed" "$scratch/built" >&2 || true
  exit 1
fi
echo "the example connector is complete with $count files touched outside its folders"
