//! Changes are checked by the connector's own types: each problem names its key.

use super::*;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
struct Limits {
    per_hour: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
struct Settings {
    url: String,
    #[serde(default = "two_hundred")]
    page_size: u32,
    #[serde(default)]
    limits: Option<Limits>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(default)]
    status: String,
}

fn two_hundred() -> u32 {
    200
}

impl Configurable for Settings {
    const MANAGED: &'static [(&'static str, &'static str)] = &[("status", "the account's state")];

    fn problems(&self) -> Vec<SetupProblem> {
        Checks::new()
            .url("url", &self.url)
            .within("page_size", self.page_size, 1, Some(500))
            .rate(
                "limits.per_hour",
                self.limits.as_ref().and_then(|l| l.per_hour),
                None,
            )
            .done()
    }
}

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
struct Pair {
    key: String,
    secret: String,
}

/// Like C2's: a flattened part, which serde_ignored cannot see into.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
struct Secret {
    #[serde(flatten)]
    pair: Pair,
    token: String,
}

impl Configurable for Secret {}

fn schema() -> Schema {
    Schema::of::<Settings, Secret>()
}

fn stored() -> Value {
    json!({"url": "https://vendor.example", "page_size": 100, "status": "linked"})
}

fn fields(problems: &[SetupProblem]) -> Vec<&str> {
    problems.iter().filter_map(|p| p.field.as_deref()).collect()
}

#[test]
fn p10_a_good_change_keeps_every_key_it_does_not_name() {
    let merged = schema()
        .change_settings(
            &stored(),
            &json!({"page_size": 20, "limits": {"per_hour": 60}}),
        )
        .unwrap();
    assert_eq!(
        merged,
        json!({"url": "https://vendor.example", "page_size": 20, "status": "linked", "limits": {"per_hour": 60}})
    );
}

#[test]
fn p10_null_removes_a_key_so_its_default_applies_again() {
    let merged = schema()
        .change_settings(&stored(), &json!({"page_size": null}))
        .unwrap();
    assert_eq!(schema().read_settings(&merged).unwrap()["page_size"], 200);
}

#[test]
fn p10_an_out_of_range_value_is_refused_naming_its_key() {
    let err = schema()
        .change_settings(
            &stored(),
            &json!({"page_size": 0, "limits": {"per_hour": 0}}),
        )
        .unwrap_err();
    assert_eq!(
        fields(&err),
        ["settings.page_size", "settings.limits.per_hour"]
    );
    assert!(err[0].message.contains("between 1 and 500"), "{err:?}");
    assert_eq!(err[0].kind, ProblemKind::Setting);
    let err = schema()
        .change_settings(&stored(), &json!({"page_size": 501}))
        .unwrap_err();
    assert_eq!(fields(&err), ["settings.page_size"]);
}

#[test]
fn p10_a_value_of_the_wrong_type_is_refused_naming_its_key() {
    let err = schema()
        .change_settings(&stored(), &json!({"limits": {"per_hour": "many"}}))
        .unwrap_err();
    assert_eq!(fields(&err), ["settings.limits.per_hour"]);
    assert!(err[0].message.contains("invalid type"), "{err:?}");
}

#[test]
fn p10_removing_a_required_key_is_refused_naming_it() {
    let err = schema()
        .change_settings(&stored(), &json!({"url": null}))
        .unwrap_err();
    assert_eq!(fields(&err), ["settings.url"]);
    assert_eq!(err[0].message, "is required");
}

#[test]
fn p10_an_unknown_key_is_refused_at_any_depth() {
    let err = schema()
        .change_settings(
            &stored(),
            &json!({"page_sise": 20, "limits": {"per_hour": 5, "per_day": 9}}),
        )
        .unwrap_err();
    assert_eq!(
        fields(&err),
        ["settings.limits.per_day", "settings.page_sise"]
    );
    // An empty list the type leaves out of what it writes is still a key it reads.
    schema()
        .change_settings(&stored(), &json!({"tags": []}))
        .unwrap();
}

#[test]
fn p10_keys_renkei_keeps_are_refused() {
    let err = schema()
        .change_settings(&stored(), &json!({"status": "awaiting"}))
        .unwrap_err();
    assert_eq!(fields(&err), ["settings.status"]);
    assert!(err[0].message.contains("the account's state"), "{err:?}");
}

#[test]
fn p10_an_invalid_url_is_refused() {
    let err = schema()
        .change_settings(&stored(), &json!({"url": "vendor.example"}))
        .unwrap_err();
    assert_eq!(fields(&err), ["settings.url"]);
    assert!(err[0].message.contains("is not a URL"), "{err:?}");
}

#[test]
fn p12_a_secret_is_merged_field_by_field() {
    let old = json!({"key": "k1", "secret": "s1", "token": "t1"});
    let merged = schema()
        .change_secret(Some(&old), &json!({"secret": "s2"}))
        .unwrap();
    assert_eq!(merged, json!({"key": "k1", "secret": "s2", "token": "t1"}));
}

#[test]
fn p12_an_unknown_secret_field_is_refused_even_in_a_flattened_part() {
    let old = json!({"key": "k1", "secret": "s1", "token": "t1"});
    let err = schema()
        .change_secret(Some(&old), &json!({"sekret": "s2"}))
        .unwrap_err();
    assert_eq!(fields(&err), ["sekret"]);
    assert_eq!(err[0].kind, ProblemKind::Credentials);
}

#[test]
fn p12_secret_problems_never_quote_a_value() {
    let err = schema()
        .change_secret(
            None,
            &json!({"key": 123456789, "secret": "s", "token": "  "}),
        )
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(!text.contains("123456789"), "{text}");
    assert_eq!(err.len(), 1, "{text}");
    assert!(err[0].message.contains("values are never shown"), "{text}");
    let err = schema()
        .change_secret(None, &json!({"key": "k", "secret": "s", "token": "  "}))
        .unwrap_err();
    assert_eq!(fields(&err), ["token"]);
    assert_eq!(err[0].message, "is empty");
    let err = schema()
        .change_secret(None, &json!({"key": "k", "secret": "s"}))
        .unwrap_err();
    assert_eq!(fields(&err), ["token"]);
}

#[test]
fn p10_a_cadence_must_divide_the_hour() {
    let every_15 = Cadence::AlignedMinutes { minutes: 15 };
    assert_eq!(
        change_cadence(&every_15, &json!({"minutes": 30})).unwrap(),
        Cadence::AlignedMinutes { minutes: 30 }
    );
    for bad in [
        json!({"minutes": 7}),
        json!({"minutes": 0}),
        json!({"minutes": 120}),
    ] {
        let err = change_cadence(&every_15, &bad).unwrap_err();
        assert_eq!(fields(&err), ["cadence.minutes"], "{bad}");
    }
    let err = change_cadence(&every_15, &json!({"minutez": 30})).unwrap_err();
    assert_eq!(fields(&err), ["cadence.minutez"]);
    let err = change_cadence(&every_15, &json!({"kind": "weekly"})).unwrap_err();
    assert_eq!(fields(&err), ["cadence.kind"], "{err:?}");
}

#[test]
fn s28_5_a_signing_secret_is_long_enough_and_no_api_credential_and_never_quoted() {
    let check = |value: Option<&str>| {
        Checks::new()
            .signing_secret(
                "webhook_secret",
                value,
                &[("api_token", "the-api-token-0123456789"), ("empty", "")],
            )
            .done()
    };
    assert!(check(None).is_empty(), "no webhooks: nothing to check");
    assert!(check(Some("a-long-enough-signing-secret")).is_empty());
    let short = check(Some("short-secret"));
    assert_eq!(fields(&short), ["webhook_secret"]);
    assert_eq!(short[0].kind, ProblemKind::Credentials);
    assert!(
        short[0].message.contains("at least 16 characters"),
        "{short:?}"
    );
    let same = check(Some("the-api-token-0123456789"));
    assert_eq!(fields(&same), ["webhook_secret"]);
    assert!(
        same[0]
            .message
            .contains("must not be the same as api_token"),
        "{same:?}"
    );
    assert!(!format!("{same:?}{short:?}").contains("the-api-token-0123456789"));
    assert!(!format!("{short:?}").contains("short-secret"));
    // Sixteen characters, counted as characters.
    assert!(check(Some("署名シークレット署名シークレット署名")).is_empty());
}

#[test]
fn a_connectors_types_give_the_json_schema_forms_are_made_from() {
    let schema = Schema::of::<Settings, Secret>();
    let settings = schema.settings_json_schema();
    assert_eq!(settings["type"], "object");
    assert_eq!(
        settings["required"],
        json!(["url"]),
        "defaults are not required"
    );
    assert_eq!(settings["properties"]["page_size"]["default"], 200);
    // A flattened part's fields are the secret's own.
    let secret = schema.secret_json_schema();
    let required: Vec<&str> = secret["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for key in ["key", "secret", "token"] {
        assert!(required.contains(&key), "{key} in {secret}");
    }
}
