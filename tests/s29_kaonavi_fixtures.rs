//! Issue 29 item 7, Kaonavi: its documented examples (tests/fixtures/kaonavi/, each naming
//! its source) against the simulator, and what renkei's client sends for the same records.

mod s29_kaonavi;

use renkei_core::engine::RunStatus;
use renkei_e2e::*;
use renkei_testbed::KAONAVI_SECRET;
use renkei_vendors::kaonavi::{KaonaviConfig, MemberData};
use s29_kaonavi::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------- item 7: documented examples

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/kaonavi/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture"))
        .expect("fixture is JSON");
    assert!(
        v["source"]
            .as_str()
            .is_some_and(|s| s.contains("Kaonavi.NET")),
        "{name} names its source"
    );
    v
}

/// The keys of an object (nested objects and arrays of objects too), as `a.b` paths.
fn shape(v: &Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let path = format!("{prefix}{k}");
                out.insert(path.clone());
                shape(v, &format!("{path}."), out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| shape(v, prefix, out)),
        _ => {}
    }
}

fn keys(v: &Value) -> std::collections::BTreeSet<String> {
    let mut out = Default::default();
    shape(v, "", &mut out);
    out
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn sign_in(env: &SandboxEnv) -> (Self, Value) {
        let http = reqwest::Client::new();
        let base = format!("http://{}/kaonavi/api/v2.0", env.addr);
        let answer: Value = http
            .post(format!("{base}/token"))
            .basic_auth(KAONAVI_KEY, Some(KAONAVI_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = answer["access_token"].as_str().unwrap().to_string();
        (Self { http, base, token }, answer)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Kaonavi-Token", &self.token);
        if let Some(b) = body {
            r = r.json(b);
        }
        let reply = r.send().await.unwrap();
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap_or(Value::Null))
    }

    /// Replays a documented write and follows its task to the end.
    async fn write(&self, method: reqwest::Method, body: &Value) -> (Value, Value) {
        let (status, answer) = self.call(method, "/members", Some(body)).await;
        assert_eq!(status, 200, "{answer}");
        let id = answer["task_id"].as_u64().expect("a task id");
        loop {
            let (status, progress) = self
                .call(reqwest::Method::GET, &format!("/tasks/{id}"), None)
                .await;
            assert_eq!(status, 200);
            if progress["status"] != "RUNNING" && progress["status"] != "WAITING" {
                return (answer, progress);
            }
        }
    }
}

/// The documented create and update bodies are accepted by the simulator as they stand
/// (tasks OK, no contract violation), and its answers have the documented shapes: no key
/// the documents do not show.
#[tokio::test]
async fn s29_7_documented_requests_replay_against_the_simulator_with_documented_answers() {
    let env = env().await;
    let members_doc = fixture("members.json");
    let (api, token) = Api::sign_in(&env).await;
    let token_doc = fixture("token.json");
    assert_eq!(keys(&token), keys(&token_doc["answer"]), "token answer");

    let request = &members_doc["write_request"];
    let (answer, done) = api.write(reqwest::Method::POST, request).await;
    assert_eq!(keys(&answer), keys(&members_doc["write_answer"]));
    let tasks_doc = fixture("tasks.json");
    let ok = &tasks_doc["answers"][0];
    assert_eq!((keys(&done), &done["status"]), (keys(ok), &ok["status"]));
    let (_, again) = api.write(reqwest::Method::PATCH, request).await;
    assert_eq!(again["status"], "OK", "the documented update: {again}");
    let (_, refused) = api.write(reqwest::Method::POST, request).await;
    let ng = &tasks_doc["answers"][2];
    assert_eq!(
        (keys(&refused), &refused["status"]),
        (keys(ng), &ng["status"])
    );

    let (status, listed) = api.call(reqwest::Method::GET, "/members", None).await;
    assert_eq!(status, 200);
    let documented = keys(&members_doc["list_answer"]);
    let extra: Vec<_> = keys(&listed).difference(&documented).cloned().collect();
    assert!(
        extra.is_empty(),
        "keys the documents do not show: {extra:?}"
    );
    let (_, layout) = api
        .call(reqwest::Method::GET, "/member_layouts", None)
        .await;
    let layout_doc = fixture("member_layouts.json");
    for (field, spec) in layout_doc["answer"].as_object().unwrap() {
        if field == "custom_fields" {
            assert!(layout[field].is_array());
            continue;
        }
        for attr in ["name", "required", "type", "max_length"] {
            assert_eq!(layout[field][attr], spec[attr], "{field}.{attr}");
        }
    }
    let (status, error) = api
        .call(
            reqwest::Method::POST,
            "/members",
            Some(&json!({"member_data": [{"code": ""}]})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(keys(&error), keys(&fixture("errors.json")["answer"]));
    let stats = env.sandbox.kaonavi().stats(KAONAVI_KEY);
    assert_eq!(stats["violations"], json!([]), "{stats}");
    // …and the check is live: a field Kaonavi does not document is recorded.
    let invented = json!({"member_data": [{"code": "A0003", "nickname": "カオ"}]});
    api.write(reqwest::Method::POST, &invented).await;
    let stats = env.sandbox.kaonavi().stats(KAONAVI_KEY);
    assert!(
        stats["violations"][0]
            .as_str()
            .is_some_and(|v| v.contains("nickname")),
        "{stats}"
    );
}

/// For the documented records (A0002 カオナビ 太郎, A0001 カオナビ 花子), what renkei's mapping
/// and client send is the documented body, field for field on the fields renkei manages
/// (and nothing else); and reading Kaonavi back gives what the documented answer gives.
#[tokio::test]
async fn s29_7_renkei_sends_the_documented_body_for_the_documented_members() {
    let env = env().await;
    let doc = fixture("members.json");
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    let person =
        |id: &str, number: &str, first: &str, kana: &str, gender: &str, born: &str, hired: &str| {
            let mut e = employee(id, number, "カオナビ", first);
            e["last_name_kana"] = json!("かおなび");
            e["first_name_kana"] = json!(kana);
            e["gender"] = json!(gender);
            e["birth_date"] = json!(born);
            e["hire_date"] = json!(hired);
            e
        };
    env.sandbox
        .roumumate()
        .upsert(
            ROUMUMATE_TOKEN,
            vec![
                person(
                    "r2",
                    "A0002",
                    "太郎",
                    "たろう",
                    "male",
                    "1984-05-15",
                    "2005-09-20",
                ),
                person(
                    "r1",
                    "A0001",
                    "花子",
                    "はなこ",
                    "female",
                    "1986-05-16",
                    "2013-05-07",
                ),
            ],
        )
        .unwrap();
    let run = run_scheduled(&env, &t, &c).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");

    let sent = requests(&env).await["last_write"].clone();
    let managed = [
        "code",
        "name",
        "name_kana",
        "gender",
        "birthday",
        "entered_date",
    ];
    for documented in doc["write_request"]["member_data"].as_array().unwrap() {
        let code = &documented["code"];
        let ours = sent["member_data"]
            .as_array()
            .and_then(|a| a.iter().find(|m| &m["code"] == code))
            .unwrap_or_else(|| panic!("renkei sent {code}: {sent}"));
        for key in ours.as_object().unwrap().keys() {
            assert!(
                managed.contains(&key.as_str()),
                "{code}: unmanaged key {key}"
            );
        }
        for key in managed {
            assert_eq!(ours[key], documented[key], "{code}.{key}");
        }
    }
    let client = client(KaonaviConfig::new(&format!(
        "http://{}/kaonavi/api/v2.0",
        env.addr
    )));
    let mut read = client.members().await.unwrap();
    read.sort_by(|a, b| a.code.cmp(&b.code));
    let mut expected: Vec<MemberData> =
        serde_json::from_value(doc["list_answer"]["member_data"].clone())
            .expect("documented answer");
    expected.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(
        read, expected,
        "the simulator's answer reads as the documented one"
    );
    let stats = env.sandbox.kaonavi().stats(KAONAVI_KEY);
    assert_eq!(stats["violations"], json!([]), "{stats}");
}
