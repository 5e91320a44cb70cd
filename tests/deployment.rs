//! The SAM template as deployed: failures reach the watched queue, each function reaches its
//! own connector's secrets only, and every DynamoDB call the code makes is allowed.

const TEMPLATE: &str = include_str!("../infra/template.yaml");

/// The text of one resource: its line and the more deeply indented lines below it.
fn resource(name: &str) -> String {
    let head = format!("  {name}:");
    let mut lines = TEMPLATE.lines().skip_while(|l| *l != head);
    assert!(lines.next().is_some(), "resource {name}");
    lines
        .take_while(|l| l.is_empty() || l.starts_with("   "))
        .collect::<Vec<_>>()
        .join("\n")
}

const CONNECTORS: [(&str, &str); 2] = [
    ("MynaviHrmosFunction", "mynavi-hrmos"),
    ("RoumumateKaonaviFunction", "roumumate-kaonavi"),
];

#[test]
fn p6_rule_failures_reach_the_failed_invocations_queue_by_arn() {
    for (function, _) in CONNECTORS {
        let text = resource(function);
        let dlq = &text[text.find("DeadLetterConfig:").expect("a DLQ")..];
        let next_line = dlq.lines().nth(1).unwrap_or("").trim();
        assert_eq!(
            next_line, "Arn: !GetAtt FailedInvocations.Arn",
            "{function}: SAM ignores Destination and makes a queue of its own"
        );
    }
    assert!(resource("FailedInvocationsPolicy").contains("events.amazonaws.com"));
    let alarm = resource("FailedInvocationsAlarm");
    assert!(
        alarm.contains("ApproximateNumberOfMessagesVisible") && alarm.contains("FailedInvocations")
    );
}

#[test]
fn p1_each_function_reads_only_its_own_connectors_secrets() {
    for (function, connector) in CONNECTORS {
        let text = resource(function);
        assert!(
            text.contains(&format!(":secret:renkei/{connector}/*\"")),
            "{function} is scoped to renkei/{connector}/*"
        );
        assert!(
            !text.contains(":secret:renkei/*\""),
            "{function}: no tenant-wide secret access"
        );
    }
}

#[test]
fn p3_functions_may_make_the_fenced_transactions_the_engine_makes() {
    // IAM authorises TransactWriteItems per item (there is no action of that name): the
    // fenced commit's Puts need PutItem and its lease check ConditionCheckItem.
    for (function, _) in CONNECTORS {
        let text = resource(function);
        assert!(
            !text.contains("dynamodb:TransactWriteItems"),
            "{function}: not an IAM action"
        );
        assert!(text.contains("dynamodb:PutItem"), "{function}");
        assert!(text.contains("dynamodb:ConditionCheckItem"), "{function}");
    }
    assert!(
        resource("DispatcherFunction").contains("dynamodb:PutItem"),
        "the dispatcher's claim is a conditional write"
    );
}

#[test]
fn p9_the_webhooks_function_has_a_url_and_least_privilege() {
    let text = resource("WebhooksFunction");
    assert!(text.contains("Binary: webhooks") && text.contains("FunctionUrlConfig:"));
    for denied in [
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
        "ses:SendEmail",
        ":secret:renkei/*\"",
        ":secret:renkei/roumumate-kaonavi/*",
        ":secret:renkei/mynavi-hrmos/*",
    ] {
        assert!(!text.contains(denied), "the ingress needs no {denied}");
    }
    assert!(text.contains("events:PutEvents") && text.contains("dynamodb:PutItem"));
    assert!(TEMPLATE.contains("!GetAtt WebhooksFunctionUrl.FunctionUrl"));
}

/// The bin targets cargo builds for a plain `cargo lambda build --release --bin <name>` at the
/// workspace root (no -p): those of the workspace's default members.
fn binaries_at_the_root() -> std::collections::BTreeSet<String> {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let defaults = meta["workspace_default_members"].as_array().unwrap();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| defaults.contains(&p["id"]))
        .flat_map(|p| p["targets"].as_array().unwrap())
        .filter(|t| t["kind"].as_array().unwrap().iter().any(|k| k == "bin"))
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// `sam build` (BuildMethod rust-cargolambda at CodeUri ..) and `cdk deploy` (RustFunction
/// at the root manifest) both run `cargo lambda build --release --bin <Binary>` at the
/// workspace root: every Binary of both templates must be found there, not only with -p
/// (tests/run.sh builds one in full through sam build and the CDK's bundling, and the
/// others the same way in the dev profile).
#[test]
fn p15_every_function_of_both_templates_is_a_binary_cargo_finds_at_the_workspace_root() {
    let bins = binaries_at_the_root();
    let sam: serde_yaml::Value = serde_yaml::from_str(TEMPLATE).unwrap();
    let mut sam_binaries = Vec::new();
    for (id, r) in sam["Resources"].as_mapping().unwrap() {
        if r["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        assert_eq!(r["Metadata"]["BuildMethod"], "rust-cargolambda", "{id:?}");
        assert_eq!(
            r["Properties"]["CodeUri"], "..",
            "{id:?}: SAM builds at the workspace root"
        );
        let binary = r["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap();
        assert!(
            bins.contains(binary),
            "SAM's {id:?}: no binary {binary} at the root ({bins:?})"
        );
        sam_binaries.push(binary.to_string());
    }
    assert_eq!(sam_binaries.len(), 8, "{sam_binaries:?}");

    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/infra/cdk/cdk.out/Renkei.template.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{path}: {e} — run bash tests/run.sh, which synthesises the CDK app first")
    });
    let cdk: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut cdk_binaries: Vec<String> = cdk["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::Lambda::Function")
        .filter_map(|r| r["Metadata"]["renkei:Binary"].as_str())
        .map(str::to_string)
        .collect();
    for b in &cdk_binaries {
        assert!(
            bins.contains(b),
            "CDK: no binary {b} at the root ({bins:?})"
        );
    }
    cdk_binaries.sort();
    sam_binaries.sort();
    assert_eq!(
        cdk_binaries, sam_binaries,
        "both templates build the same functions"
    );
}
