//! Issue 29 items 3 and 7 for Personio: both job domains and redirects within them, and
//! Personio's documented examples replayed against the simulator and compared with what the
//! client sends.

mod s29_personio;

use renkei_connectors::talentwunder_personio as c4;
use renkei_core::ConnectionId;
use renkei_e2e::*;
use renkei_sandbox::{PersonioJob, personio_spec};
use renkei_testbed::{PERSONIO_CLIENT_ID, PERSONIO_CLIENT_SECRET, PERSONIO_CONNECTION};
use renkei_vendors::personio::{
    self, Credentials, FeedError, PersonioClient, PersonioConfig, parse_feed,
};
use s29_personio::*;
use serde_json::{Value, json};

fn site_settings(env: &SandboxEnv, site: &str) -> c4::Settings {
    let mut s = env.personio_settings();
    s.jobs_site_url = Some(format!("http://{}/personio/jobs/{site}", env.addr));
    s
}

async fn feed(env: &SandboxEnv, site: &str) -> Result<Vec<personio::Job>, FeedError> {
    personio::JobsFeed::new(&format!("http://{}/personio/jobs/{site}", env.addr))
        .unwrap()
        .jobs("de")
        .await
}

#[tokio::test]
async fn s29_3_a_com_career_site_is_kept_as_com() {
    let env = env().await;
    reconfigure(&env, |s| s.site_tld = "com".into());
    let mut settings = site_settings(&env, "demo-gmbh.jobs.personio.com");
    settings.jobs_domain = "https://demo-gmbh.jobs.personio.com/".into();
    connect_with(&env, env.personio_oauth_secret(), settings)
        .await
        .expect("connects");
    let conn = renkei_core::repo::Repo::new(&env.backend.store)
        .connection(
            &env.tenant(),
            &ConnectionId::new(PERSONIO_CONNECTION).unwrap(),
        )
        .await
        .unwrap()
        .unwrap()
        .0;
    let mut stored: c4::Settings = renkei_core::engine::decode_settings(&conn).unwrap();
    assert_eq!(stored.jobs_domain, "demo-gmbh.jobs.personio.com");
    stored.jobs_site_url = None;
    assert_eq!(stored.jobs_url(), "https://demo-gmbh.jobs.personio.com");
}

#[tokio::test]
async fn s29_3_a_redirect_to_the_company_s_other_job_domain_is_followed() {
    let env = env().await;
    reconfigure(&env, |s| s.site_tld = "com".into());
    let jobs = feed(&env, "demo-gmbh").await.expect("followed .de → .com");
    assert_eq!(jobs.len(), 3);
    connect_with(
        &env,
        env.personio_oauth_secret(),
        site_settings(&env, "demo-gmbh"),
    )
    .await
    .expect("connects through the redirect");
}

#[tokio::test]
async fn s29_3_a_redirect_elsewhere_is_a_clear_error_not_a_switched_off_feed() {
    let env = env().await;
    reconfigure(&env, |s| {
        s.redirect_to = Some("https://phishing.example/xml".into());
    });
    let e = feed(&env, "demo-gmbh").await.unwrap_err();
    assert!(matches!(e, FeedError::OffSite { .. }), "{e}");
    assert!(
        e.to_string().contains("https://phishing.example/xml")
            && !e.to_string().contains("XML interface")
    );
    reconfigure(&env, |s| {
        s.redirect_to = Some(format!(
            "http://{}/personio/jobs/other-gmbh.jobs.personio.de/xml",
            env.addr
        ));
    });
    assert!(
        matches!(
            feed(&env, "demo-gmbh").await,
            Err(FeedError::OffSite { .. })
        ),
        "another company"
    );
}

#[tokio::test]
async fn s29_3_only_the_career_page_in_place_of_the_feed_means_the_xml_interface_is_off() {
    let env = env().await;
    reconfigure(&env, |s| s.xml = false);
    let off = feed(&env, "demo-gmbh").await.unwrap_err();
    assert!(matches!(off, FeedError::NotEnabled(_)) && off.to_string().contains("XML interface"));
    reconfigure(&env, |s| s.site_status = Some(403));
    let refused = feed(&env, "demo-gmbh").await.unwrap_err();
    assert!(
        matches!(refused, FeedError::Refused { status: 403, .. }),
        "{refused}"
    );
    assert!(!refused.to_string().contains("XML interface"));
    reconfigure(&env, |s| s.site_status = Some(410));
    let gone = feed(&env, "demo-gmbh").await.unwrap_err();
    assert!(!gone.to_string().contains("XML interface"), "{gone}");
    assert!(matches!(
        feed(&env, "nobody").await,
        Err(FeedError::Missing(_))
    ));
}

// ---------------------------------------------------------------- 7: documented examples

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/personio/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A company that has what the documented example names: job 123, channel 250624, custom
/// attributes 1–3.
fn documented_company(env: &SandboxEnv, id: &str, client: &str) {
    let mut setup = env.personio_setup();
    setup.token = format!("{id}-token");
    setup.domain = id.into();
    setup.jobs.push(PersonioJob {
        id: 123,
        name: "Job".into(),
        office: String::new(),
        department: String::new(),
        published: true,
    });
    setup.channels.push(250_624);
    setup.custom_attributes = (1..=3).map(|n| format!("custom_attribute_{n}")).collect();
    setup.oauth_clients = serde_json::from_value(
        json!([{"client_id": client, "client_secret": "documented-secret"}]),
    )
    .unwrap();
    env.sandbox.personio().company(id, setup);
}

#[tokio::test]
async fn s29_7_personio_s_documented_application_is_filed_on_v1_and_v2() {
    let env = env().await;
    let documented = fixture("submit_application.json");
    for (company, credentials) in [
        (
            "doc-v1",
            Credentials::Legacy {
                access_token: "doc-v1-token".into(),
            },
        ),
        (
            "doc-v2",
            Credentials::OAuth {
                client_id: "doc-v2-client".into(),
                client_secret: "documented-secret".into(),
            },
        ),
    ] {
        documented_company(&env, company, &format!("{company}-client"));
        let mut config = PersonioConfig::new(&format!("http://{}/personio", env.addr));
        config.per_window = None;
        let c = PersonioClient::new(&config, company, credentials).unwrap();
        // The files are "references to previously uploaded files": uploaded first, their
        // uuids in place of the example's.
        let mut body = documented["body"].clone();
        for f in body["files"].as_array_mut().unwrap() {
            let name = f["original_filename"].as_str().unwrap();
            f["uuid"] = json!(c.upload_document(name, b"documented").await.unwrap().uuid);
        }
        // Sent as documented (every field, `phase` and `external_posting_id` included).
        let raw = send_raw(&env, company, &body).await;
        assert_eq!(
            raw,
            documented["answer"]["status"].as_u64().unwrap() as u16,
            "{company}"
        );
        assert_eq!(
            env.sandbox.personio().applications(company).len(),
            1,
            "{company}"
        );
        assert_eq!(
            env.sandbox.personio().stats(company)["nonconformant"],
            json!([]),
            "{company}"
        );
    }
}

/// Posts `body` as it is on the company's generation (v1: legacy token; v2: a token).
async fn send_raw(env: &SandboxEnv, company: &str, body: &Value) -> u16 {
    let http = reqwest::Client::new();
    let base = format!("http://{}/personio", env.addr);
    let (path, bearer) = if company.ends_with("v1") {
        ("/v1/recruiting/applications", format!("{company}-token"))
    } else {
        let t: Value = http
            .post(format!("{base}{}", personio::TOKEN_PATH))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "doc-v2-client"),
                ("client_secret", "documented-secret"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            "/v2/recruiting/applications",
            t["access_token"].as_str().unwrap().to_string(),
        )
    };
    http.post(format!("{base}{path}"))
        .bearer_auth(bearer)
        .header("X-Company-ID", company)
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn s29_7_the_documented_upload_answer_and_attachment_match_the_simulator() {
    let env = env().await;
    documented_company(&env, "doc-v2", "doc-v2-client");
    let documented = fixture("upload_then_apply.json");
    let c = PersonioClient::new(
        &PersonioConfig::new(&format!("http://{}/personio", env.addr)),
        "doc-v2",
        Credentials::OAuth {
            client_id: "doc-v2-client".into(),
            client_secret: "documented-secret".into(),
        },
    )
    .unwrap();
    let name = documented["document"]["file_name"].as_str().unwrap();
    let answer = serde_json::to_value(c.upload_document(name, b"%PDF-1.4").await.unwrap()).unwrap();
    let shown = &documented["document"]["answer"];
    for (key, value) in shown.as_object().unwrap() {
        assert_eq!(
            std::mem::discriminant(value),
            std::mem::discriminant(&answer[key]),
            "{key}"
        );
    }
    for key in ["extension", "mimetype", "original_filename"] {
        assert_eq!(answer[key], shown[key], "{key}");
    }
    assert_eq!(
        personio_spec::violations("uploaded_document", shown),
        vec![],
        "the example fits the spec"
    );
    let mut body = documented["application"]["body"].clone();
    body["files"][0]["uuid"] = answer["uuid"].clone();
    assert_eq!(send_raw(&env, "doc-v2", &body).await, 201);
}

#[tokio::test]
async fn s29_7_the_client_sends_what_personio_documents_for_the_same_record() {
    let env = env().await;
    let documented = fixture("submit_application.json")["body"].clone();
    let mut settings = c4::Settings::new("1", "acme", Some(250_624));
    settings.tags = vec!["tag1".into(), "tag2".into(), "tag3".into()];
    settings
        .custom_attributes
        .insert("current_title".into(), "custom_attribute_1".into());
    let q = c4::upload::Queued {
        upload_id: "up-doc".into(),
        n: 0,
        received_at: "2022-02-17T10:00:00Z".parse().unwrap(),
        project_id: "p".into(),
        job_position_id: 123,
        profile: serde_json::from_value(json!({"firstName": "John", "lastName": "Doe",
            "email": "john.doe@email.com", "phone": "000111222333", "location": "Munich",
            "currentTitle": "attribute value"}))
        .unwrap(),
        state: c4::upload::State::Queued,
        cv_uuid: None,
    };
    let sent = serde_json::to_value(c4::mapping::application(
        &q,
        &settings,
        Some(("7d0f360a-8da3-11ec-b909-0242ac120002", "My CV.pdf")),
    ))
    .unwrap();
    for (key, value) in sent.as_object().unwrap() {
        let shown = &documented[key];
        assert_eq!(
            std::mem::discriminant(value),
            std::mem::discriminant(shown),
            "{key}: not as documented"
        );
        if key != "message" {
            match value {
                Value::Array(items) => {
                    for item in items {
                        assert!(
                            shown.as_array().unwrap().contains(item),
                            "{key}: {item} is not documented"
                        );
                    }
                }
                _ => assert_eq!(value, shown, "{key}"),
            }
        }
    }
    assert_eq!(
        personio_spec::violations("submit_application", &sent),
        vec![]
    );
    // And the simulator takes it, on v2, as it takes the documented one.
    documented_company(&env, "doc-v2", "doc-v2-client");
    let mut body = sent.clone();
    let c = client_for(&env, "doc-v2");
    body["files"][0]["uuid"] = json!(c.upload_document("My CV.pdf", b"%PDF").await.unwrap().uuid);
    assert_eq!(send_raw(&env, "doc-v2", &body).await, 201);
}

fn client_for(env: &SandboxEnv, company: &str) -> PersonioClient {
    PersonioClient::new(
        &PersonioConfig::new(&format!("http://{}/personio", env.addr)),
        company,
        Credentials::OAuth {
            client_id: "doc-v2-client".into(),
            client_secret: "documented-secret".into(),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn s29_7_the_documented_feed_reads_and_the_simulator_s_feed_uses_only_documented_elements() {
    let env = env().await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/personio/feed.xml"
    );
    let documented = std::fs::read_to_string(path).unwrap();
    let jobs = parse_feed(documented.as_bytes()).unwrap();
    assert_eq!(
        (
            jobs[0].id,
            jobs[0].office.as_str(),
            jobs[0].employment_type.as_str()
        ),
        (4103, "Munich", "permanent")
    );
    let elements = |xml: &str| -> std::collections::BTreeSet<String> {
        // Descriptions are CDATA: their HTML is text, not elements of the feed.
        let xml: String = xml
            .split("<![CDATA[")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.split_once("]]>").map_or("", |(_, rest)| rest)
                }
            })
            .collect();
        let position = xml
            .split("<position>")
            .nth(1)
            .unwrap()
            .split("</position>")
            .next()
            .unwrap();
        position
            .split('<')
            .skip(1)
            .filter(|t| !t.starts_with('/') && !t.starts_with('!'))
            .map(|t| t.split(['>', ' ', '/']).next().unwrap().to_string())
            .collect()
    };
    let simulated = reqwest::get(format!(
        "http://{}/personio/jobs/demo-gmbh/xml?language=de",
        env.addr
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let extra: Vec<String> = elements(&simulated)
        .difference(&elements(&documented))
        .cloned()
        .collect();
    assert!(
        extra.is_empty(),
        "the simulator's feed has undocumented elements: {extra:?}"
    );
    let token = fixture("token_request.json");
    let form: Vec<(String, String)> = [
        ("grant_type", "client_credentials"),
        ("client_id", PERSONIO_CLIENT_ID),
        ("client_secret", PERSONIO_CLIENT_SECRET),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert!(form.iter().all(|(k, _)| token["form"].get(k).is_some()));
    let answer: Value = reqwest::Client::new()
        .post(format!(
            "http://{}/personio{}",
            env.addr,
            personio::TOKEN_PATH
        ))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for field in token["answer_fields"].as_array().unwrap() {
        assert!(answer.get(field.as_str().unwrap()).is_some(), "{field}");
    }
}
