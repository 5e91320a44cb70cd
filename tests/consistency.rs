//! Every connector in the registry is complete: a function folder in the workspace declaring
//! its timeout for the stacks, a SAM function with its rule and secret scope, its name kept
//! from tenants, a valid events/ sample where it has one, and a sandbox simulator and a
//! contract doc for each of its vendors. The CDK stack, the arm64 builds of tests/run.sh and
//! benches/run-all.sh, the workspace members and the demo find connectors themselves.
//! Adding a connector and forgetting a piece fails here, naming the piece and the file
//! (docs/adding-a-connector.md).

use renkei_core::engine::ConnectorFactory;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(Path::new(ROOT).join(path)).ok()
}

/// What is missing for one connector, as a list of sentences (empty: complete).
fn missing(factory: &dyn ConnectorFactory) -> Vec<String> {
    let name = factory.name();
    let mut gaps = Vec::new();
    let main = format!("functions/{name}/src/main.rs");
    match read(&main) {
        Some(text) if text.contains("serve_connector") => {}
        Some(_) => gaps.push(format!(
            "{main} does not call renkei_aws::lambda::serve_connector"
        )),
        None => gaps.push(format!("no function folder: {main}")),
    }
    if renkei_connectors::factory(name).is_none() {
        gaps.push(format!(
            "{name} is not in renkei_connectors::registry() (shared/connectors/src/lib.rs)"
        ));
    }
    let cargo = read("Cargo.toml").unwrap_or_default();
    if !cargo.contains("\"functions/*\"") && !cargo.contains(&format!("\"functions/{name}\"")) {
        gaps.push(format!(
            "functions/{name} is not a workspace member (Cargo.toml)"
        ));
    }
    if !renkei_core::TenantId::RESERVED.contains(&name) {
        // Issue 28 item 14: no tenant may be named like a connector.
        gaps.push(format!(
            "{name} is not in TenantId::RESERVED (shared/core/src/ids.rs)"
        ));
    }
    let template = read("infra/template.yaml").unwrap_or_default();
    if !template.contains(&format!("Binary: {name}\n")) {
        gaps.push(format!(
            "no SAM function with `Binary: {name}` in infra/template.yaml"
        ));
    }
    if !template.contains(&format!("connector: [{name}]")) {
        gaps.push(format!(
            "no EventBridge rule on `connector: [{name}]` in infra/template.yaml"
        ));
    }
    if !template.contains(&format!(":secret:renkei/{name}/*\"")) {
        gaps.push(format!(
            "no secret scope renkei/{name}/* in infra/template.yaml"
        ));
    }
    if !factory.webhooks().is_empty() {
        let hooks = template
            .split("  WebhooksFunction:")
            .nth(1)
            .unwrap_or_default()
            .lines()
            .skip(1)
            .take_while(|l| l.is_empty() || l.starts_with("   "))
            .collect::<Vec<_>>()
            .join("\n");
        // It reads each endpoint's own signing secret (issue 28), never the connector's
        // connection secrets, which hold the vendor API credentials.
        if !hooks.contains(":secret:renkei-webhook/*\"") {
            gaps.push(format!(
                "{name} takes webhooks but WebhooksFunction may not read the endpoint secrets renkei-webhook/*"
            ));
        }
        if hooks.contains(&format!(":secret:renkei/{name}/")) {
            gaps.push(format!(
                "WebhooksFunction may read renkei/{name}/* (API credentials): it needs renkei-webhook/* only"
            ));
        }
    }
    // The CDK stack, the test command's arm64 build and the benches' package build find the
    // function folders themselves (issue 30 item 2); the CDK reads the connector's timeout
    // from its function's Cargo.toml, and tests/cdk_parity.rs checks it against the SAM
    // template.
    let manifest = format!("functions/{name}/Cargo.toml");
    if !read(&manifest).is_some_and(|m| {
        m.split("[package.metadata.renkei]")
            .nth(1)
            .is_some_and(|section| section.contains("connector-timeout = "))
    }) {
        gaps.push(format!(
            "no connector function in {manifest}: `[package.metadata.renkei] connector-timeout = <seconds>` (the CDK stack reads it)"
        ));
    }
    let cdk = read("infra/cdk/lib/renkei-stack.ts").unwrap_or_default();
    if !cdk.contains("connectorFunctions(") && !cdk.contains(&format!("'{name}',")) {
        gaps.push(format!(
            "no connector function '{name}' in infra/cdk/lib/renkei-stack.ts"
        ));
    }
    let run = read("tests/run.sh").unwrap_or_default();
    if !run.contains("for f in functions/*/Cargo.toml; do bins+=(--bin")
        && !run.contains(&format!("--bin {name} "))
    {
        gaps.push(format!(
            "tests/run.sh does not build `--bin {name}` for arm64 (cargo lambda build)"
        ));
    }
    let benches = read("benches/run-all.sh").unwrap_or_default();
    if !benches.contains("for f in functions/*/Cargo.toml; do pkgs+=(-p")
        && !benches.contains(&format!("-p {name} "))
    {
        gaps.push(format!(
            "benches/run-all.sh does not package `-p {name}` (cargo lambda build)"
        ));
    }
    let sample = format!("events/{name}-sync-requested.json");
    match read(&sample).map(|s| serde_json::from_str(&s)) {
        Some(Ok(payload)) => match renkei_aws::lambda::sync_request(payload) {
            // A hand-made request runs only as a person's (manual) or with a current claim;
            // the samples are for `cargo lambda invoke` on a fresh connection, so manual.
            Ok(req)
                if req.connector == name && req.trigger != renkei_core::engine::Trigger::Person =>
            {
                gaps.push(format!(
                    "{sample} is not manual: on a fresh connection (not due, no claim) it would do nothing"
                ));
            }
            Ok(req) if req.connector == name => {}
            Ok(req) => gaps.push(format!("{sample} names connector {}", req.connector)),
            Err(e) => gaps.push(format!("{sample} is no SyncRequested event: {e}")),
        },
        Some(Err(e)) => gaps.push(format!("{sample} is not JSON: {e}")),
        // A sample is documentation for `sam local invoke`; every SyncRequested has the
        // same shape, so a connector may go without one.
        None => {}
    }
    let simulated: Vec<&str> = renkei_sandbox::simulators()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let module = format!("shared/connectors/src/{}/", name.replace('-', "_"));
    if factory.vendors().is_empty() {
        gaps.push(format!(
            "{name} names no vendors (vendors() in {module}: the sandbox simulators it talks to)"
        ));
    }
    for source in factory.webhooks() {
        let vendor = source.vendor().as_str();
        if !factory.vendors().contains(&vendor) {
            gaps.push(format!(
                "{name} takes {vendor}'s webhooks but does not name {vendor} in vendors() ({module})"
            ));
        }
    }
    if factory.schema().is_none() {
        gaps.push(format!(
            "{name} has no schema() ({module}): its Settings and Secret types check what people change and tell the deployment's outbound policy where it calls"
        ));
    }
    if factory.actions().is_some() && !renkei_admin::SECRETS_READ.contains(&name) {
        gaps.push(format!(
            "{name} declares actions, which the admin function runs with the connection's secret: add it to renkei_admin::SECRETS_READ (shared/admin/src/lib.rs), which both templates' grants follow (tests/deployment.rs)"
        ));
    }
    for vendor in factory.vendors() {
        if !simulated.contains(vendor) {
            gaps.push(format!("no sandbox simulator for vendor {vendor}"));
        }
        let doc = format!("docs/contracts/{vendor}.md");
        if read(&doc).is_none() {
            gaps.push(format!("no contract doc {doc}"));
        }
    }
    gaps
}

#[test]
fn every_registered_connector_has_every_piece() {
    let registry = renkei_connectors::registry();
    assert!(!registry.names().is_empty());
    let gaps: Vec<String> = registry.iter().flat_map(|f| missing(f.as_ref())).collect();
    assert!(
        gaps.is_empty(),
        "incomplete connectors:\n{}",
        gaps.join("\n")
    );
}

#[test]
fn a_connector_with_nothing_but_its_code_is_reported_piece_by_piece() {
    // The example fixture has its code only: the check must name each missing piece.
    let gaps = missing(&renkei_e2e::example::Factory::default());
    for piece in [
        "not in renkei_connectors::registry()",
        "no function folder",
        "not in TenantId::RESERVED",
        "no SAM function",
        "no EventBridge rule",
        "no secret scope",
        "no connector function in functions/example-webhooks/Cargo.toml",
    ] {
        assert!(
            gaps.iter().any(|g| g.contains(piece)),
            "{piece} not reported: {gaps:#?}"
        );
    }
}

/// Issue 30 item 2: a new connector is its own folders (shared/connectors/src/<name>/ and
/// functions/<name>/) plus at most three files outside them. Every gap the check reports for
/// a connector that has nothing but its code names a file; outside its folders there are
/// three. (A hand-typed list of functions anywhere else would show up here as a fourth.)
#[test]
fn s30_2_a_new_connector_touches_three_files_outside_its_folders() {
    let gaps = missing(&renkei_e2e::example::Factory::default());
    let own = ["functions/example-webhooks/"];
    let outside = [
        "shared/connectors/src/lib.rs",
        "infra/template.yaml",
        "shared/core/src/ids.rs",
    ];
    for gap in &gaps {
        assert!(
            own.iter().chain(&outside).any(|file| gap.contains(file)),
            "a piece outside the three touches: {gap}"
        );
    }
    for file in outside {
        assert!(
            gaps.iter().any(|g| g.contains(file)),
            "{file} is not needed: {gaps:#?}"
        );
    }
}

/// The ingress finds a calling vendor's contract through the connectors that take its
/// webhooks: every one of them must name the same contract, or which applies would depend
/// on the registry's order.
#[test]
fn s30_1_each_calling_vendor_has_one_webhook_contract_across_connectors() {
    let registry = renkei_connectors::registry();
    let sources: Vec<_> = registry.iter().flat_map(|f| f.webhooks()).collect();
    for a in &sources {
        for b in sources.iter().filter(|b| b.vendor() == a.vendor()) {
            assert_eq!(
                (
                    a.contract.signature_header(),
                    a.contract.redelivery_window()
                ),
                (
                    b.contract.signature_header(),
                    b.contract.redelivery_window()
                ),
                "two contracts for {:?}",
                a.vendor()
            );
        }
    }
}

/// Issue 28 item 14: every registered connector's name is one no tenant may take.
#[test]
fn s28_14_every_connector_name_is_reserved_from_tenants() {
    for name in renkei_connectors::registry().names() {
        assert!(
            renkei_core::TenantId::RESERVED.contains(&name),
            "add {name} to TenantId::RESERVED (shared/core/src/ids.rs)"
        );
    }
}
