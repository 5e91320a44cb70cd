//! How `key=value` pairs become a change, and where a secret's values come from.

use super::*;
use chrono::Utc;
use renkei_core::Cadence;
use serde_json::json;

fn view() -> SettingsView {
    SettingsView {
        tenant_id: TenantId::new("acme").unwrap(),
        connection_id: ConnectionId::new("c").unwrap(),
        connector: "roumumate-kaonavi".into(),
        cadence: Cadence::AlignedMinutes { minutes: 15 },
        next_run_at: Some(Utc::now()),
        settings: json!({"company_id": "12345", "page_size": 200,
                         "kaonavi_limits": {"requests_per_hour": 1000}}),
        managed: vec![],
    }
}

fn pairs(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn p10_pairs_become_a_merge_patch_with_nested_keys_and_the_cadence_apart() {
    let change = settings_change(
        &view(),
        &pairs(&[
            "page_size=100",
            "settings.kaonavi_limits.requests_per_hour=null",
            "filter.employment_types=[\"正社員\"]",
            "cadence.minutes=30",
        ]),
    )
    .unwrap();
    assert_eq!(
        Value::Object(change.settings),
        json!({"page_size": 100, "kaonavi_limits": {"requests_per_hour": null},
               "filter": {"employment_types": ["正社員"]}})
    );
    assert_eq!(change.cadence, Some(json!({"minutes": 30})));
}

#[test]
fn p10_a_setting_that_holds_text_takes_the_text_as_given() {
    let change =
        settings_change(&view(), &pairs(&["company_id=67890", "note=plain words"])).unwrap();
    assert_eq!(change.settings["company_id"], "67890");
    assert_eq!(change.settings["note"], "plain words");
    assert_eq!(change.cadence, None);
}

#[test]
fn p10_a_pair_without_a_key_is_refused() {
    assert!(settings_change(&view(), &pairs(&["=3"])).is_err());
    assert!(settings_change(&view(), &pairs(&["page_size"])).is_err());
    assert!(settings_change(&view(), &pairs(&["a=1", "a.b=2"])).is_err());
}

#[test]
fn p12_secret_values_come_from_stdin_the_environment_or_the_argument() {
    // A variable every process has, so the test sets none.
    let path = std::env::var("PATH").unwrap();
    let values = secret_values(
        &pairs(&["a=@-", "b=@env:PATH", "c=@@at", "d=plain"]),
        &mut "from-stdin\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(
        Value::Object(values),
        json!({"a": "from-stdin", "b": path, "c": "@at", "d": "plain"})
    );
}

#[test]
fn p12_secret_value_errors_name_the_field_never_the_value() {
    let err = secret_values(&pairs(&["a=@-", "b=@-"]), &mut "x".as_bytes()).unwrap_err();
    assert!(err.starts_with("b:"), "{err}");
    let err = secret_values(&pairs(&["a=@hunter2"]), &mut "".as_bytes()).unwrap_err();
    assert!(err.starts_with("a:") && !err.contains("hunter2"), "{err}");
    let err = secret_values(&pairs(&["a=s3cret", "a=s3cret"]), &mut "".as_bytes()).unwrap_err();
    assert!(!err.contains("s3cret"), "{err}");
    let err = secret_values(
        &pairs(&["a=@env:RENKEI_TEST_UNSET_9c2e"]),
        &mut "".as_bytes(),
    )
    .unwrap_err();
    assert!(err.contains("RENKEI_TEST_UNSET_9c2e"), "{err}");
}
