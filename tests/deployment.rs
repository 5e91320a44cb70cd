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

/// Every registered connector's SAM function (its logical id from its name, as the CDK stack
/// derives it) and its name: a new connector is held to these checks without a line here.
fn connectors() -> Vec<(String, &'static str)> {
    renkei_connectors::registry()
        .names()
        .into_iter()
        .map(|name| {
            let id: String = name
                .split('-')
                .map(|w| w[..1].to_uppercase() + &w[1..])
                .collect();
            (format!("{id}Function"), name)
        })
        .collect()
}

#[test]
fn p6_rule_failures_reach_the_failed_invocations_queue_by_arn() {
    for (function, _) in connectors() {
        let text = resource(&function);
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
    for (function, connector) in connectors() {
        let text = resource(&function);
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
    for (function, _) in connectors() {
        let text = resource(&function);
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

/// Issue 28, item 1: the public function reads the endpoints' own signing secrets and the
/// decoy key, never a connection's secret (`renkei/…`, which holds the vendor API
/// credentials); the admin function writes both kinds; the environment the function reads is
/// set.
#[test]
fn s28_1_the_webhooks_function_may_read_no_connection_secret() {
    let sam: serde_yaml::Value = serde_yaml::from_str(TEMPLATE).unwrap();
    let f = &sam["Resources"]["WebhooksFunction"]["Properties"];
    let reads: Vec<String> = f["Policies"][0]["Statement"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|s| {
            serde_yaml::to_string(&s["Action"])
                .unwrap()
                .contains("secretsmanager:")
        })
        .flat_map(|s| {
            s["Resource"]
                .as_sequence()
                .cloned()
                .unwrap_or_else(|| vec![s["Resource"].clone()])
        })
        .map(|r| serde_yaml::to_string(&r).unwrap())
        .collect();
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert!(reads[0].contains(":secret:renkei-webhook/*"), "{reads:?}");
    assert!(reads[1].contains("WebhookDecoyKey"), "{reads:?}");
    assert!(!resource("WebhooksFunction").contains(":secret:renkei/"));
    assert_eq!(
        sam["Resources"]["WebhookDecoyKey"]["Type"],
        "AWS::SecretsManager::Secret"
    );
    assert!(resource("AdminFunction").contains(":secret:renkei-webhook/*"));
    let globals = sam["Globals"]["Function"]["Environment"]["Variables"]
        .as_mapping()
        .unwrap();
    let own = f["Environment"]["Variables"].as_mapping().unwrap();
    let env: Vec<String> = globals
        .keys()
        .chain(own.keys())
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    for k in renkei_aws::lambda::WEBHOOKS_ENV {
        assert!(
            env.iter().any(|e| e == k),
            "{k} is not set for the webhooks function: {env:?}"
        );
    }
}

/// Issue 28, item 2: a flood of webhooks cannot take the connector functions' concurrency —
/// the webhooks function's concurrency is reserved (and capped) by a stack parameter, 10 by
/// default.
#[test]
fn s28_2_the_webhooks_function_has_reserved_concurrency_from_a_parameter() {
    let sam: serde_yaml::Value = serde_yaml::from_str(TEMPLATE).unwrap();
    let p = &sam["Parameters"]["WebhooksConcurrency"];
    assert_eq!(
        (p["Type"].as_str(), p["Default"].as_u64()),
        (Some("Number"), Some(10))
    );
    let text = resource("WebhooksFunction");
    assert!(
        text.contains("ReservedConcurrentExecutions: !If [WebhooksConcurrencyGiven, !Ref WebhooksConcurrency, !Ref AWS::NoValue]"),
        "{text}"
    );
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
    // Every function folder is deployed (a new connector's too; issue 30 item 2).
    let folders = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/functions"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("Cargo.toml").is_file())
        .count();
    assert_eq!(sam_binaries.len(), folders, "{sam_binaries:?}");

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

/// The secret prefixes (`<connector>/`) a policy grants GetSecretValue on, from its
/// statements (SAM's `!Sub` strings and CDK's `Fn::Join` alike carry `:secret:renkei/…*`),
/// and `LinkedinPartnerSecretName` for the secret that stack parameter names.
fn secret_reads(statements: &[serde_json::Value]) -> std::collections::BTreeSet<String> {
    let list = |v: &serde_json::Value| match v {
        serde_json::Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut out = std::collections::BTreeSet::new();
    for s in statements {
        if !list(&s["Action"])
            .iter()
            .any(|a| a == "secretsmanager:GetSecretValue")
        {
            continue;
        }
        for r in list(&s["Resource"]) {
            let text = r.to_string();
            if text.contains("LinkedinPartnerSecretName") {
                out.insert("LinkedinPartnerSecretName".to_string());
                continue;
            }
            let at = text.find(":secret:renkei/").expect("a renkei secret ARN") + 15;
            let rest = &text[at..];
            out.insert(rest[..rest.find('*').expect("a prefix")].to_string());
        }
    }
    out
}

fn sam_secret_reads(sam: &serde_json::Value, function: &str) -> std::collections::BTreeSet<String> {
    let statements: Vec<serde_json::Value> = sam["Resources"][function]["Properties"]["Policies"]
        .as_array()
        .unwrap_or_else(|| panic!("SAM {function}"))
        .iter()
        .flat_map(|p| p["Statement"].as_array().unwrap().clone())
        .collect();
    secret_reads(&statements)
}

fn cdk_secret_reads(cdk: &serde_json::Value, function: &str) -> std::collections::BTreeSet<String> {
    let role = &cdk["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0];
    let statements: Vec<serde_json::Value> = cdk["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::IAM::Policy")
        .filter(|p| {
            p["Properties"]["Roles"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| &r["Ref"] == role)
        })
        .flat_map(|p| {
            p["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect();
    secret_reads(&statements)
}

/// Issue 28 item 11: per function, the secrets its code reads (a connector function its own
/// connector's; the admin API the prefixes of `renkei_admin::SECRETS_READ`, which
/// shared/admin/tests/security.rs holds the routes to) are exactly what both templates
/// let it read — a read in code with no grant fails in a deployed stack, a grant with no
/// read is privilege nobody needs.
#[test]
fn s28_11_every_secret_read_in_code_is_granted_in_both_templates_and_no_more() {
    let sam =
        serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(TEMPLATE).unwrap()).unwrap();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/infra/cdk/cdk.out/Renkei.template.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} — run `npm run synth` in infra/cdk first"));
    let cdk: serde_json::Value = serde_json::from_str(&text).unwrap();
    let prefixes = |names: &[&str]| -> std::collections::BTreeSet<String> {
        names.iter().map(|c| format!("{c}/")).collect()
    };
    let mut reads: Vec<(String, std::collections::BTreeSet<String>)> =
        vec![("AdminFunction".into(), prefixes(renkei_admin::SECRETS_READ))];
    for (function, connector) in connectors() {
        let mut read = prefixes(&[connector]);
        // C5 provisions customers' child applications with the deployment's partner app.
        if connector == "recruitee-linkedin" {
            read.insert("LinkedinPartnerSecretName".to_string());
        }
        reads.push((function, read));
    }
    for (function, read) in reads {
        assert_eq!(sam_secret_reads(&sam, &function), read, "SAM {function}");
        assert_eq!(cdk_secret_reads(&cdk, &function), read, "CDK {function}");
    }
}

fn both_templates() -> [(&'static str, serde_json::Value); 2] {
    let sam =
        serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(TEMPLATE).unwrap()).unwrap();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/infra/cdk/cdk.out/Renkei.template.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} — run `npm run synth` in infra/cdk first"));
    [("SAM", sam), ("CDK", serde_json::from_str(&text).unwrap())]
}

/// Issue 28 items 6–8: the admin function is told its own API's id and stage (so a direct
/// invocation cannot pass as the API), the tenant claim defaults to one users cannot set,
/// and a disconnected secret's recovery window is a parameter (default 7 days).
#[test]
fn s28_7_the_admin_function_knows_its_api_and_the_tenant_claim_is_not_user_writable() {
    for (name, t) in both_templates() {
        let env = &t["Resources"]["AdminFunction"]["Properties"]["Environment"]["Variables"];
        // SAM's `!Ref X` reads as {"!Ref": X}, CDK's as {"Ref": X}.
        let reference = |v: &serde_json::Value| v.get("Ref").or(v.get("!Ref")).cloned();
        assert_eq!(
            reference(&env["RENKEI_ADMIN_API_ID"]),
            Some("AdminApi".into()),
            "{name}"
        );
        assert_eq!(env["RENKEI_ADMIN_API_STAGE"], "$default", "{name}");
        assert_eq!(
            t["Resources"]["AdminStage"]["Properties"]["StageName"], "$default",
            "{name}"
        );
        assert_eq!(
            t["Parameters"]["TenantClaim"]["Default"], "cognito:groups",
            "{name}"
        );
        assert_eq!(
            reference(&env["RENKEI_SECRET_RECOVERY_DAYS"]),
            Some("SecretRecoveryDays".into()),
            "{name}"
        );
        assert_eq!(
            t["Parameters"]["SecretRecoveryDays"]["Default"], 7,
            "{name}"
        );
    }
}

/// Every IAM statement of `function` in template `t` (SAM inline policies, CDK role policies).
fn statements(t: &serde_json::Value, function: &str) -> Vec<serde_json::Value> {
    let f = &t["Resources"][function]["Properties"];
    if let Some(policies) = f["Policies"].as_array() {
        return policies
            .iter()
            .flat_map(|p| p["Statement"].as_array().unwrap().clone())
            .collect();
    }
    let role = &f["Role"]["Fn::GetAtt"][0];
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::IAM::Policy")
        .filter(|p| {
            p["Properties"]["Roles"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| &r["Ref"] == role)
        })
        .flat_map(|p| {
            p["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect()
}

/// Issue 27 item 11: the LinkedIn partner credentials are one secret per stack, named by
/// a parameter; the recruitee-linkedin function is told its name and may read it, the admin
/// function (tenants' requests) is denied everything on it, and no other function names it.
#[test]
fn s27_11_only_the_recruitee_linkedin_function_may_read_the_partner_secret() {
    for (name, t) in both_templates() {
        assert_eq!(
            t["Parameters"]["LinkedinPartnerSecretName"]["Default"], "renkei/linkedin-partner",
            "{name}"
        );
        let env = &t["Resources"]["RecruiteeLinkedinFunction"]["Properties"]["Environment"]["Variables"]
            ["RENKEI_LINKEDIN_PARTNER_SECRET"];
        let reference = env.get("Ref").or(env.get("!Ref")).cloned();
        assert_eq!(
            reference,
            Some("LinkedinPartnerSecretName".into()),
            "{name}"
        );
        let functions: Vec<String> = t["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| {
                matches!(
                    r["Type"].as_str(),
                    Some("AWS::Serverless::Function" | "AWS::Lambda::Function")
                )
            })
            .map(|(k, _)| k.clone())
            .collect();
        for function in functions {
            let naming: Vec<serde_json::Value> = statements(&t, &function)
                .into_iter()
                .filter(|s| {
                    s["Resource"]
                        .to_string()
                        .contains("LinkedinPartnerSecretName")
                })
                .collect();
            match function.as_str() {
                "RecruiteeLinkedinFunction" => {
                    assert_eq!(naming.len(), 1, "{name} {function}: {naming:?}");
                    assert_eq!(naming[0]["Effect"], "Allow");
                    assert_eq!(
                        naming[0]["Action"].to_string().replace(['[', ']'], ""),
                        "\"secretsmanager:GetSecretValue\"",
                        "{name}: read only"
                    );
                }
                "AdminFunction" => {
                    assert_eq!(naming.len(), 1, "{name} {function}: {naming:?}");
                    assert_eq!(naming[0]["Effect"], "Deny", "{name}");
                    assert!(naming[0]["Action"].to_string().contains("secretsmanager:*"));
                }
                _ => assert!(naming.is_empty(), "{name} {function}: {naming:?}"),
            }
        }
    }
}

/// Issue 27 item 5 and issue 31 item 3: the onboarding page with its "notify partner" and
/// the console's files are the admin API's only routes without an authoriser (the signed
/// link is the onboarding page's authority; the console's files hold no data), and API
/// Gateway may invoke the function for them.
#[test]
fn s27_5_s31_3_the_onboarding_page_and_the_console_files_are_the_only_public_routes() {
    for (name, t) in both_templates() {
        let mut open: Vec<String> = t["Resources"]
            .as_object()
            .unwrap()
            .values()
            .filter(|r| r["Type"] == "AWS::ApiGatewayV2::Route")
            .filter(|r| r["Properties"]["AuthorizationType"] == "NONE")
            .map(|r| r["Properties"]["RouteKey"].as_str().unwrap().to_string())
            .collect();
        open.sort();
        assert_eq!(
            open,
            [
                "GET /console",
                "GET /console/{proxy+}",
                "GET /onboarding/linkedin/{token}",
                "POST /onboarding/linkedin/{token}/notify"
            ],
            "{name}"
        );
        let permission = |id: &str| t["Resources"][id]["Properties"]["SourceArn"].to_string();
        let onboarding = permission("AdminOnboardingInvokePermission");
        assert!(
            onboarding.contains("/*/*/onboarding/*"),
            "{name}: {onboarding}"
        );
        let console = permission("AdminConsoleInvokePermission");
        assert!(console.contains("/*/GET/console*"), "{name}: {console}");
    }
}

/// Issue 31 item 2: with CreateUserPool=true (and no JwtIssuer) the admin API takes the
/// stack's own user pool's tokens — issuer and audience from the pool and its console
/// client — and the admin function tells the console that pool's hosted sign-in; without
/// either, IAM as before.
#[test]
fn s31_2_the_stack_can_make_the_consoles_user_pool_and_trust_its_tokens() {
    for (name, t) in both_templates() {
        let r = &t["Resources"];
        for id in [
            "ConsoleUserPool",
            "ConsoleUserPoolDomain",
            "ConsoleUserPoolClient",
            "ConsoleOperatorsGroup",
        ] {
            assert_eq!(r[id]["Condition"], "UserPoolWanted", "{name}: {id}");
        }
        let client = &r["ConsoleUserPoolClient"]["Properties"];
        assert_eq!(client["GenerateSecret"], false, "{name}: a public client");
        assert_eq!(
            client["AllowedOAuthFlows"],
            serde_json::json!(["code"]),
            "{name}"
        );
        assert_eq!(
            r["ConsoleUserPool"]["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"],
            true,
            "{name}: no self sign-up (tenant grants are groups)"
        );
        assert_eq!(
            r["AdminJwtAuthorizer"]["Condition"], "JwtAuthorised",
            "{name}"
        );
        let jwt = r["AdminJwtAuthorizer"]["Properties"]["JwtConfiguration"].to_string();
        // The pool's issuer as Cognito writes it in `iss` (the ProviderURL attribute already
        // holds a scheme: prefixing one would make every token's issuer mismatch).
        let issuer = jwt.replace(' ', "");
        assert!(
            issuer.contains(
                "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${ConsoleUserPool}"
            ) || (issuer.contains("https://cognito-idp.")
                && issuer.contains("AWS::URLSuffix")
                && issuer.contains("{\"Ref\":\"ConsoleUserPool\"}")),
            "{name}: {jwt}"
        );
        assert!(!jwt.contains("ProviderURL"), "{name}: {jwt}");
        assert_eq!(
            r["ConsoleUserPool"]["DeletionPolicy"], "Retain",
            "{name}: users outlive the parameter"
        );
        assert_eq!(
            r["ConsoleUserPool"]["Properties"]["MfaConfiguration"], "ON",
            "{name}"
        );
        assert!(jwt.contains("ConsoleUserPoolClient"), "{name}: {jwt}");
        let route = r["AdminRoute"]["Properties"]["AuthorizationType"].to_string();
        assert!(route.contains("JwtAuthorised"), "{name}: {route}");
        let env = r["AdminFunction"]["Properties"]["Environment"]["Variables"].to_string();
        for var in [
            "RENKEI_CONSOLE_AUTHORIZE_URL",
            "RENKEI_CONSOLE_TOKEN_URL",
            "RENKEI_CONSOLE_CLIENT_ID",
            "RENKEI_OPERATOR_GROUP",
        ] {
            assert!(env.contains(var), "{name}: {var}");
        }
        let conditions = t["Conditions"]["UserPoolWanted"].to_string();
        assert!(
            conditions.contains("JwtGiven") && conditions.contains("CreateUserPool"),
            "{name}: {conditions}"
        );
    }
}
