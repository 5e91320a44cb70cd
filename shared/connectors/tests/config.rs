//! P10/P12: every connector's settings and credentials can be changed after connecting, and
//! each change is checked by the connector's own types: a key it does not read, a value out
//! of the vendor's range or a key renkei keeps is refused, naming the key.

use renkei_connectors::{
    hrbrain_mikiwame as c3, recruitee_linkedin as c5, registry, talentwunder_personio as c4,
};
use renkei_core::config::Schema;
use serde_json::{Value, json};

fn schema(connector: &str) -> Schema {
    registry()
        .get(connector)
        .and_then(|f| f.schema())
        .unwrap_or_else(|| panic!("{connector} has a schema"))
}

/// The keys a refused change names.
fn refused(connector: &str, stored: &Value, patch: Value) -> Vec<String> {
    let problems = schema(connector)
        .change_settings(stored, &patch)
        .expect_err("refused");
    problems.into_iter().filter_map(|p| p.field).collect()
}

fn mynavi() -> Value {
    json!({"mynavi_url": "https://mynavi.example", "hrmos_url": "https://hrmos.example/api/v1",
           "account_name": "acme", "status": "linked"})
}

fn roumumate() -> Value {
    json!({"roumumate_url": "https://roumumate.example/api/v1", "kaonavi_url": "https://api.kaonavi.jp/api/v2.0",
           "gender_map": {"male": "男性", "female": "女性"}})
}

fn hrbrain() -> Value {
    serde_json::to_value(c3::Settings {
        subdomain: "acme".into(),
        hrbrain_url: None,
        mikiwame_url: "https://mikiwame.example".into(),
        organization_id: None,
        page_size: 100,
        hrbrain_per_minute: Some(60),
        mikiwame_per_minute: Some(60),
    })
    .unwrap()
}

#[test]
fn p10_every_connector_checks_changes_by_its_own_types() {
    for f in registry().iter() {
        assert!(f.schema().is_some(), "{} has no schema", f.name());
    }
}

#[test]
fn p10_c1_page_size_and_overlap_must_be_at_least_one_and_the_status_is_renkeis() {
    assert_eq!(
        refused(
            "mynavi-hrmos",
            &mynavi(),
            json!({"page_size": 0, "overlap_minutes": 0})
        ),
        ["settings.page_size", "settings.overlap_minutes"]
    );
    assert_eq!(
        refused(
            "mynavi-hrmos",
            &mynavi(),
            json!({"status": "awaiting_first_import"})
        ),
        ["settings.status"]
    );
    let merged = schema("mynavi-hrmos")
        .change_settings(&mynavi(), &json!({"hrmos_per_minute": 120}))
        .unwrap();
    assert_eq!(merged["hrmos_per_minute"], 120);
    assert_eq!(merged["status"], "linked");
}

#[test]
fn p10_c2_page_size_is_within_roumumates_limit_and_kaonavis_limits_are_positive() {
    assert_eq!(
        refused("roumumate-kaonavi", &roumumate(), json!({"page_size": 501})),
        ["settings.page_size"]
    );
    assert_eq!(
        refused(
            "roumumate-kaonavi",
            &roumumate(),
            json!({"kaonavi_limits": {"requests_per_hour": 0}})
        ),
        ["settings.kaonavi_limits.requests_per_hour"]
    );
    // One key of a group changes alone (the others keep their defaults), and null is "no
    // limit", as the settings type documents.
    let merged = schema("roumumate-kaonavi")
        .change_settings(
            &roumumate(),
            &json!({"kaonavi_limits": {"requests_per_hour": null}}),
        )
        .unwrap();
    assert_eq!(
        merged["kaonavi_limits"],
        json!({"requests_per_hour": null, "writes_per_minute": 5})
    );
}

/// Issue 30, item 6: a sandbox's time scale is the run's environment now, not a setting.
/// Connections stored by earlier releases still hold `time_scale` (C2 in `kaonavi_limits`):
/// they read, run and change as before, the key is dropped when their settings are written
/// again, and a person who names it is told it is not a key the connector reads.
#[test]
fn s30_6_a_connection_stored_with_a_time_scale_still_reads() {
    let mut c2 = roumumate();
    c2["kaonavi_limits"] =
        json!({"requests_per_hour": 1000, "writes_per_minute": 5, "time_scale": 60.0});
    let mut c4 = serde_json::to_value(c4::Settings::new("12345", "acme", None)).unwrap();
    c4["time_scale"] = json!(20.0);
    let mut c5 = serde_json::to_value(c5::Settings::new("acme", "org-1", "contract-1")).unwrap();
    c5["time_scale"] = json!(10.0);
    let stored = [
        ("roumumate-kaonavi", c2, "kaonavi_limits.time_scale"),
        ("talentwunder-personio", c4, "time_scale"),
        ("recruitee-linkedin", c5, "time_scale"),
    ];
    let held = |v: &Value, key: &str| key.split('.').try_fold(v, |v, k| v.get(k)).is_some();
    for (connector, old, key) in &stored {
        assert!(held(old, key), "{connector}: stored as before");
        let schema = schema(connector);
        // Read as the connector reads it (the admin API's view, the engine's build).
        let read = schema
            .read_settings(old)
            .unwrap_or_else(|p| panic!("{connector}: {p:?}"));
        assert!(!held(&read, key), "{connector}: {read}");
        assert!(
            !schema.endpoints(old).is_empty(),
            "{connector}: its vendors' addresses read, so its runs are allowed out"
        );
        // Changed by a person: the change applies and the old key is not written again.
        let written = schema
            .change_settings(old, &json!({"page_size": 5}))
            .unwrap_or_else(|p| panic!("{connector}: {p:?}"));
        assert_eq!(written["page_size"], 5, "{connector}");
        assert!(!held(&written, key), "{connector}: {written}");
    }
    // C2's key sits in a group a person may change one key of: the stored one is not
    // taken for theirs.
    let limits = json!({"kaonavi_limits": {"requests_per_hour": 3000}});
    let written = schema("roumumate-kaonavi")
        .change_settings(&stored[0].1, &limits)
        .unwrap();
    assert_eq!(
        written["kaonavi_limits"],
        json!({"requests_per_hour": 3000, "writes_per_minute": 5})
    );
    // The build's typed read (`decode_settings`) takes them too.
    let [(_, c2, _), (_, c4, _), (_, c5, _)] = stored;
    let c2: renkei_connectors::roumumate_kaonavi::Settings = serde_json::from_value(c2).unwrap();
    assert_eq!(c2.kaonavi_limits.writes_per_minute, Some(5));
    serde_json::from_value::<c4::Settings>(c4).unwrap();
    serde_json::from_value::<c5::Settings>(c5).unwrap();
    // `settings set time_scale=…` is refused now: an unknown key, like any other.
    assert_eq!(
        refused(
            "roumumate-kaonavi",
            &roumumate(),
            json!({"kaonavi_limits": {"time_scale": 60.0}})
        ),
        ["settings.kaonavi_limits.time_scale"]
    );
    let c4 = serde_json::to_value(c4::Settings::new("12345", "acme", None)).unwrap();
    assert_eq!(
        refused("talentwunder-personio", &c4, json!({"time_scale": 20.0})),
        ["settings.time_scale"]
    );
    let c5 = serde_json::to_value(c5::Settings::new("acme", "org-1", "contract-1")).unwrap();
    assert_eq!(
        refused("recruitee-linkedin", &c5, json!({"time_scale": 10.0})),
        ["settings.time_scale"]
    );
}

#[test]
fn p10_c2_target_filters_are_checked() {
    assert_eq!(
        refused(
            "roumumate-kaonavi",
            &roumumate(),
            json!({"filter": {"hired_from": "2025-04-01", "hired_to": "2024-04-01"}})
        ),
        ["settings.filter.hired_to"]
    );
    assert_eq!(
        refused(
            "roumumate-kaonavi",
            &roumumate(),
            json!({"filter": {"hired_from": "April"}})
        ),
        ["settings.filter.hired_from"]
    );
    assert_eq!(
        refused(
            "roumumate-kaonavi",
            &roumumate(),
            json!({"filter": {"employment_type": ["正社員"]}})
        ),
        ["settings.filter.employment_type"]
    );
    schema("roumumate-kaonavi")
        .change_settings(
            &roumumate(),
            &json!({"filter": {"employment_types": ["正社員"]}}),
        )
        .unwrap();
}

#[test]
fn p10_c3_the_subdomain_is_fixed_by_connecting_and_rates_are_positive() {
    assert_eq!(
        refused(
            "hrbrain-mikiwame",
            &hrbrain(),
            json!({"subdomain": "other", "mikiwame_per_minute": 0})
        ),
        ["settings.subdomain", "settings.mikiwame_per_minute"]
    );
}

#[test]
fn p10_c4_personio_takes_at_most_20_a_minute_and_custom_attributes_name_profile_fields() {
    let stored = serde_json::to_value(c4::Settings::new("12345", "acme", None)).unwrap();
    assert_eq!(
        refused("talentwunder-personio", &stored, json!({"per_minute": 21})),
        ["settings.per_minute"]
    );
    assert_eq!(
        refused(
            "talentwunder-personio",
            &stored,
            json!({"custom_attributes": {"shoe_size": "custom_attribute_1"}})
        ),
        ["settings.custom_attributes.shoe_size"]
    );
    schema("talentwunder-personio")
        .change_settings(
            &stored,
            &json!({"per_minute": 10, "tags": ["talentwunder"]}),
        )
        .unwrap();
}

#[test]
fn p10_c5_linkedins_daily_budget_and_what_connecting_provisioned() {
    let stored = serde_json::to_value(c5::Settings::new("acme", "org-1", "contract-1")).unwrap();
    assert_eq!(
        refused(
            "recruitee-linkedin",
            &stored,
            json!({"requests_per_day": 100_001, "contract": "other"})
        ),
        ["settings.contract", "settings.requests_per_day"]
    );
    assert_eq!(
        schema("recruitee-linkedin").secret_managed()[0].0,
        "child",
        "a replacement of C5's secret would lose its provisioned child application"
    );
}

#[test]
fn p12_every_connectors_secret_takes_a_rotated_field_and_refuses_an_unknown_one() {
    let secrets = [
        (
            "mynavi-hrmos",
            json!({"login_id": "l", "password": "p", "hrmos_api_key": "k"}),
            "password",
        ),
        (
            "roumumate-kaonavi",
            json!({"consumer_key": "k", "consumer_secret": "s", "roumumate_token": "t"}),
            "consumer_secret",
        ),
        (
            "hrbrain-mikiwame",
            json!({"hrbrain_token": "t", "mikiwame_api_key": "k"}),
            "hrbrain_token",
        ),
        (
            "talentwunder-personio",
            json!({"access_token": "t", "upload_secret": "upload-signing-secret"}),
            "access_token",
        ),
        (
            "recruitee-linkedin",
            json!({"recruitee_token": "t", "partner_client_id": "i", "partner_client_secret": "s"}),
            "recruitee_token",
        ),
    ];
    for (connector, stored, field) in secrets {
        let s = schema(connector);
        let merged = s
            .change_secret(Some(&stored), &json!({ field: "new-value" }))
            .unwrap_or_else(|e| panic!("{connector}: {e:?}"));
        assert_eq!(merged[field], "new-value", "{connector}");
        let err = s
            .change_secret(Some(&stored), &json!({ format!("{field}x"): "new-value" }))
            .expect_err(connector);
        assert_eq!(
            err[0].field.as_deref(),
            Some(format!("{field}x").as_str()),
            "{connector}"
        );
        assert!(
            !format!("{err:?}").contains("new-value"),
            "{connector}: {err:?}"
        );
    }
}

/// C5's secret holds the child application connecting provisioned: a rotation merges into
/// it, and a replacement that cannot read it back (the admin API's) is refused.
#[tokio::test]
async fn p12_c5s_provisioned_child_app_survives_a_rotation_and_a_replacement_is_refused() {
    use renkei_core::admin::{self, AdminError, Rotation};
    use renkei_core::ports::SecretStore;
    use renkei_core::repo::{Connection, Repo};
    use renkei_core::{ConnectionId, SystemClock, TenantId};

    let dir = tempfile::tempdir().unwrap();
    let b =
        renkei_local::LocalBackend::open(dir.path(), std::sync::Arc::new(SystemClock), registry())
            .unwrap();
    let (t, c) = (
        TenantId::new("acme").unwrap(),
        ConnectionId::new("c5").unwrap(),
    );
    let now = chrono::Utc::now();
    let settings = serde_json::to_value(c5::Settings::new("acme", "org-1", "contract-1")).unwrap();
    let conn = Connection::new(
        t.clone(),
        c.clone(),
        c5::NAME,
        settings,
        c5::cadence(),
        now,
        now,
    );
    Repo::new(&b.store)
        .put_connection(&conn, None)
        .await
        .unwrap();
    let stored = json!({"recruitee_token": "old", "partner_client_id": "p", "partner_client_secret": "ps",
                        "child": {"client_id": "child-id", "client_secret": "child-secret"}});
    b.secrets
        .put(&conn.secret_name, &stored.to_string())
        .await
        .unwrap();
    let secret = || async {
        serde_json::from_str::<Value>(&b.secrets.get(&conn.secret_name).await.unwrap().unwrap())
            .unwrap()
    };
    let new_token = serde_json::Map::from_iter([("recruitee_token".to_string(), json!("new"))]);

    let err = admin::set_credentials(
        &b.store,
        &b.secrets,
        &registry(),
        &t,
        &c,
        &new_token,
        Rotation::Replace,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, AdminError::Unsupported(m) if m.contains("child")),
        "{err}"
    );
    assert_eq!(secret().await, stored, "nothing was written");

    let child = serde_json::Map::from_iter([(
        "child".to_string(),
        json!({"client_id": "x", "client_secret": "y"}),
    )]);
    let err = admin::set_credentials(
        &b.store,
        &b.secrets,
        &registry(),
        &t,
        &c,
        &child,
        Rotation::Merge,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, AdminError::Refused(p) if p.0[0].field.as_deref() == Some("child")),
        "{err}"
    );

    let rotated = admin::set_credentials(
        &b.store,
        &b.secrets,
        &registry(),
        &t,
        &c,
        &new_token,
        Rotation::Merge,
    )
    .await
    .unwrap();
    assert_eq!(rotated.changed, ["recruitee_token"]);
    let now_stored = secret().await;
    assert_eq!(now_stored["recruitee_token"], "new");
    assert_eq!(now_stored["child"], stored["child"]);
}

/// Issue 28, items 1 and 5: a rotation checks every connector's webhook signing secret (long
/// enough, never an API credential, named by its field, never quoted) and writes the
/// endpoints' own copies that the webhooks function reads; a signing secret removed stops its
/// endpoint.
#[tokio::test]
async fn s28_5_a_rotation_checks_the_signing_secret_and_writes_the_endpoint_secrets() {
    use renkei_core::admin::{self, AdminError, Rotation};
    use renkei_core::ports::SecretStore;
    use renkei_core::repo::{Connection, Repo};
    use renkei_core::webhook::{WebhookVendor, endpoint_secret_name};
    use renkei_core::{ConnectionId, SystemClock, TenantId};

    let dir = tempfile::tempdir().unwrap();
    let b =
        renkei_local::LocalBackend::open(dir.path(), std::sync::Arc::new(SystemClock), registry())
            .unwrap();
    let t = TenantId::new("acme").unwrap();
    let now = chrono::Utc::now();
    let cases = [
        (
            "hrbrain-mikiwame",
            json!({"subdomain": "acme", "mikiwame_url": "https://mikiwame.example"}),
            json!({"hrbrain_token": "hrbrain-token-0123456789", "mikiwame_api_key": "mikiwame-key-0123456789"}),
            "webhook_secret",
            WebhookVendor::HrBrain,
            "hrbrain_token",
        ),
        (
            "talentwunder-personio",
            serde_json::to_value(renkei_connectors::talentwunder_personio::Settings::new(
                "1", "acme", None,
            ))
            .unwrap(),
            json!({"access_token": "personio-token-0123456789", "upload_secret": "upload-secret-0123456789"}),
            "upload_secret",
            WebhookVendor::Talentwunder,
            "access_token",
        ),
        (
            "recruitee-linkedin",
            serde_json::to_value(c5::Settings::new("acme", "org-1", "contract-1")).unwrap(),
            json!({"recruitee_token": "recruitee-token-0123456789", "partner_client_id": "p", "partner_client_secret": "partner-secret-0123456789",
                   "child": {"client_id": "child-id", "client_secret": "child-secret-0123456789"}}),
            "recruitee_webhook_secret",
            WebhookVendor::Recruitee,
            "recruitee_token",
        ),
    ];
    for (connector, settings, stored, field, vendor, token) in cases {
        let c = ConnectionId::new(connector).unwrap();
        let cadence = renkei_core::Cadence::AlignedMinutes { minutes: 15 };
        let conn = Connection::new(t.clone(), c.clone(), connector, settings, cadence, now, now);
        Repo::new(&b.store)
            .put_connection(&conn, None)
            .await
            .unwrap();
        b.secrets
            .put(&conn.secret_name, &stored.to_string())
            .await
            .unwrap();
        let set = |value: Value| {
            let given = serde_json::Map::from_iter([(field.to_string(), value)]);
            let (b, t, c) = (&b, &t, &c);
            async move {
                admin::set_credentials(
                    &b.store,
                    &b.secrets,
                    &registry(),
                    t,
                    c,
                    &given,
                    Rotation::Merge,
                )
                .await
            }
        };
        let refused = |err: AdminError, says: &str| match err {
            AdminError::Refused(p) => {
                assert_eq!(p.0[0].field.as_deref(), Some(field), "{connector}");
                assert!(p.0[0].message.contains(says), "{connector}: {p}");
                assert!(
                    !p.to_string().contains(stored[token].as_str().unwrap()),
                    "{connector}: a value quoted"
                );
            }
            other => panic!("{connector}: {other}"),
        };
        refused(
            set(json!("too-short")).await.unwrap_err(),
            "at least 16 characters",
        );
        refused(
            set(stored[token].clone()).await.unwrap_err(),
            &format!("same as {token}"),
        );
        let endpoint = endpoint_secret_name(vendor, &t, &c);
        assert_eq!(
            b.secrets.get(&endpoint).await.unwrap(),
            None,
            "{connector}: nothing written"
        );

        set(json!("a-new-signing-secret-2026")).await.unwrap();
        let written: Value =
            serde_json::from_str(&b.secrets.get(&endpoint).await.unwrap().unwrap()).unwrap();
        assert_eq!(
            written,
            json!({"signing_secret": "a-new-signing-secret-2026"}),
            "{connector}"
        );
        if connector == c5::NAME {
            let linkedin: Value = serde_json::from_str(
                &b.secrets
                    .get(&endpoint_secret_name(WebhookVendor::LinkedIn, &t, &c))
                    .await
                    .unwrap()
                    .unwrap(),
            )
            .unwrap();
            assert_eq!(
                linkedin,
                json!({"signing_secret": "child-secret-0123456789", "client_id": "child-id"})
            );
            // No webhooks from Recruitee any more: its endpoint stops.
            set(Value::Null).await.unwrap();
            assert_eq!(b.secrets.get(&endpoint).await.unwrap(), None);
        }
    }
}
