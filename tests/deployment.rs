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
