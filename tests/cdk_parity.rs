//! The CDK app (infra/cdk) defines the same stack as the SAM template (infra/template.yaml):
//! the same functions (binary, memory, timeout, environment), the same bus rules and
//! schedule, retries and failure destinations, the same table and queue, and per function
//! exactly the same IAM actions on the same resources (least privilege in both).
//!
//! tests/run.sh runs `npm run synth` in infra/cdk first (offline: no AWS account, no Rust
//! build), which writes infra/cdk/cdk.out/Renkei.template.json; cfn-lint checks it there too.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn sam() -> Value {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(include_str!("../infra/template.yaml")).unwrap();
    serde_json::to_value(yaml).unwrap()
}

fn cdk() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/infra/cdk/cdk.out/Renkei.template.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{path}: {e} — run the README's test command (bash tests/run.sh), which synthesises the CDK app first")
    });
    serde_json::from_str(&text).unwrap()
}

fn of_type<'a>(t: &'a Value, ty: &str) -> BTreeMap<&'a str, &'a Value> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .map(|(k, r)| (k.as_str(), r))
        .collect()
}

/// A resource of a policy statement, named by what it is (the two templates spell ARNs
/// differently: `!Sub` strings in SAM, `Fn::Join`/`Fn::GetAtt` in CDK).
fn resource_kind(r: &Value) -> String {
    let text = r.to_string();
    if text.contains("index/due") {
        return "table index due".into();
    }
    if text.contains("LinkedinPartnerSecretName") {
        return "secret named by LinkedinPartnerSecretName".into();
    }
    if let Some(i) = text.find(":secret:") {
        let rest = &text[i + ":secret:".len()..];
        return format!(
            "secret {}",
            &rest[..rest.find('*').map_or(rest.len(), |e| e + 1)]
        );
    }
    if text.contains(":identity/") {
        return "ses identity".into();
    }
    for name in ["StateTable", "Bus", "FailedInvocations", "WebhookDecoyKey"] {
        if text.contains(name) {
            return name.into();
        }
    }
    panic!("unknown resource {text}")
}

/// (action, resource kind) pairs of `statements` (a Deny's action as `Deny <action>`).
fn grants(statements: &[Value]) -> BTreeSet<(String, String)> {
    let list = |v: &Value| -> Vec<Value> {
        match v {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        }
    };
    let mut out = BTreeSet::new();
    for s in statements {
        let effect = match s["Effect"].as_str() {
            Some("Allow") => "",
            Some("Deny") => "Deny ",
            other => panic!("effect {other:?}"),
        };
        for a in list(&s["Action"]) {
            for r in list(&s["Resource"]) {
                out.insert((
                    format!("{effect}{}", a.as_str().unwrap()),
                    resource_kind(&r),
                ));
            }
        }
    }
    out
}

fn sam_grants(f: &Value) -> BTreeSet<(String, String)> {
    let statements: Vec<Value> = f["Properties"]["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["Statement"].as_array().unwrap().clone())
        .collect();
    grants(&statements)
}

fn cdk_grants(t: &Value, f: &Value) -> BTreeSet<(String, String)> {
    let role = f["Properties"]["Role"]["Fn::GetAtt"][0].as_str().unwrap();
    let statements: Vec<Value> = of_type(t, "AWS::IAM::Policy")
        .values()
        .filter(|p| {
            p["Properties"]["Roles"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["Ref"] == role)
        })
        .flat_map(|p| {
            p["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect();
    grants(&statements)
}

#[test]
fn the_cdk_app_defines_the_same_functions_with_the_same_settings_and_least_privilege() {
    let (sam, cdk) = (sam(), cdk());
    let globals = &sam["Globals"]["Function"];
    let sam_fns = of_type(&sam, "AWS::Serverless::Function");
    let cdk_fns = of_type(&cdk, "AWS::Lambda::Function");
    assert_eq!(
        sam_fns.keys().collect::<Vec<_>>(),
        cdk_fns.keys().collect::<Vec<_>>(),
        "the same functions"
    );
    for (name, s) in &sam_fns {
        let c = &cdk_fns[name]["Properties"];
        let p = &s["Properties"];
        let setting = |k: &str| p.get(k).unwrap_or(&globals[k]).clone();
        assert_eq!(c["MemorySize"], setting("MemorySize"), "{name} memory");
        assert_eq!(c["Timeout"], setting("Timeout"), "{name} timeout");
        assert_eq!(c["Runtime"], globals["Runtime"], "{name} runtime");
        assert_eq!(
            c["Architectures"], globals["Architectures"],
            "{name} architecture"
        );
        let mut env: BTreeSet<&str> = globals["Environment"]["Variables"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        if let Some(own) = p["Environment"]["Variables"].as_object() {
            env.extend(own.keys().map(String::as_str));
        }
        let cdk_env: BTreeSet<&str> = c["Environment"]["Variables"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(env, cdk_env, "{name} environment");
        assert_eq!(
            sam_grants(s),
            cdk_grants(&cdk, cdk_fns[name]),
            "{name}: the same actions on the same resources"
        );
        // The webhooks function's reserved concurrency (issue 28): the same parameter.
        let reserved = |v: &Value| v.to_string().replace(['!', '"', ' '], "");
        assert_eq!(
            reserved(&c["ReservedConcurrentExecutions"]).contains("WebhooksConcurrency"),
            reserved(&p["ReservedConcurrentExecutions"]).contains("WebhooksConcurrency"),
            "{name} reserved concurrency"
        );
    }
}

#[test]
fn the_cdk_app_routes_events_and_failures_as_the_sam_template_does() {
    let (sam, cdk) = (sam(), cdk());
    let rules = of_type(&cdk, "AWS::Events::Rule");
    let target_of = |function: &str| {
        rules
            .values()
            .find(|r| r["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0] == function)
            .unwrap_or_else(|| panic!("a CDK rule targets {function}"))
    };
    let invoke_configs = of_type(&cdk, "AWS::Lambda::EventInvokeConfig");
    for (name, s) in of_type(&sam, "AWS::Serverless::Function") {
        let p = &s["Properties"];
        if let Some(event) = p["Events"].get("SyncRequested") {
            let rule = &target_of(name)["Properties"];
            let e = &event["Properties"];
            assert_eq!(rule["EventPattern"], e["Pattern"], "{name} pattern");
            let target = &rule["Targets"][0];
            assert_eq!(target["RetryPolicy"], e["RetryPolicy"], "{name} retries");
            assert!(
                target["DeadLetterConfig"]["Arn"]
                    .to_string()
                    .contains("FailedInvocations"),
                "{name} dead letters"
            );
        }
        if let Some(schedule) = p["Events"].get("EveryMinute") {
            assert_eq!(
                target_of(name)["Properties"]["ScheduleExpression"],
                schedule["Properties"]["Schedule"],
                "{name} schedule"
            );
        }
        if let Some(config) = p.get("EventInvokeConfig") {
            let c = invoke_configs
                .values()
                .find(|c| c["Properties"]["FunctionName"]["Ref"] == name)
                .unwrap_or_else(|| panic!("{name} has an EventInvokeConfig in CDK"));
            assert_eq!(
                c["Properties"]["MaximumRetryAttempts"], config["MaximumRetryAttempts"],
                "{name} invoke retries"
            );
            assert!(
                c["Properties"]["DestinationConfig"]
                    .to_string()
                    .contains("FailedInvocations")
            );
        }
    }
}

#[test]
fn the_cdk_app_has_the_same_table_queue_alarm_dashboard_api_and_outputs() {
    let (sam, cdk) = (sam(), cdk());
    let table = |t: &Value| t["Resources"]["StateTable"]["Properties"].clone();
    let (s, c) = (table(&sam), table(&cdk));
    let set = |v: &Value| -> BTreeSet<String> {
        v.as_array().unwrap().iter().map(Value::to_string).collect()
    };
    assert_eq!(set(&s["KeySchema"]), set(&c["KeySchema"]));
    assert_eq!(
        set(&s["AttributeDefinitions"]),
        set(&c["AttributeDefinitions"])
    );
    assert_eq!(s["GlobalSecondaryIndexes"], c["GlobalSecondaryIndexes"]);
    assert_eq!(s["TimeToLiveSpecification"], c["TimeToLiveSpecification"]);
    assert_eq!(s["BillingMode"], c["BillingMode"]);
    assert_eq!(
        s["PointInTimeRecoverySpecification"],
        c["PointInTimeRecoverySpecification"]
    );
    assert_eq!(s["SSESpecification"], c["SSESpecification"]);
    let queue = |t: &Value| {
        t["Resources"]["FailedInvocations"]["Properties"]["MessageRetentionPeriod"].clone()
    };
    assert_eq!(queue(&sam), queue(&cdk));
    for name in [
        "FailedInvocationsAlarm",
        "PausedConnectionsAlarm",
        "ConnectorsDashboard",
        "AdminApi",
        "AdminRoute",
        "AdminJwtAuthorizer",
        "WebhookDecoyKey",
        "AdminOnboardingRoute",
        "AdminOnboardingNotifyRoute",
        "AdminOnboardingInvokePermission",
        "AdminConsoleRoute",
        "AdminConsoleIndexRoute",
        "AdminConsoleInvokePermission",
        "ConsoleUserPool",
        "ConsoleUserPoolDomain",
        "ConsoleUserPoolClient",
        "ConsoleOperatorsGroup",
    ] {
        assert_eq!(
            sam["Resources"][name]["Type"], cdk["Resources"][name]["Type"],
            "{name}"
        );
    }
    for name in [
        "AdminRoute",
        "AdminOnboardingRoute",
        "AdminOnboardingNotifyRoute",
        "AdminConsoleRoute",
        "AdminConsoleIndexRoute",
    ] {
        let route = |t: &Value| t["Resources"][name]["Properties"]["RouteKey"].clone();
        assert_eq!(route(&sam), route(&cdk), "{name}");
    }
    let outputs = |t: &Value| -> BTreeSet<String> {
        t["Outputs"].as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(outputs(&sam), outputs(&cdk));
    let params = |t: &Value| -> BTreeSet<String> {
        t["Parameters"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "BootstrapVersion")
            .cloned()
            .collect()
    };
    assert_eq!(params(&sam), params(&cdk));
}
