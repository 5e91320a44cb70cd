//! Webhooks both ways: the simulated vendors (HRBrain, Recruitee, LinkedIn) send signed
//! webhooks on `POST /_control/{vendor}/webhooks` — genuine, forged, unsigned or replayed —
//! and renkei's ingress answers them at `/webhooks/{vendor}/{tenant}/{connection}` (the
//! [`crate::Runner`]'s, i.e. the same code as the webhooks Lambda).
//!
//! The signing here is written from the vendors' contracts (vendor-contracts.md), apart from
//! renkei's verifier, so that a test of one does not merely mirror the other.

use crate::{HttpAnswer, HttpCall, Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;

/// What the simulated vendors remember: the last delivery to each endpoint (for replays)
/// and a counter for delivery ids.
#[derive(Default)]
pub(crate) struct Senders {
    last: HashMap<String, HttpCall>,
    seq: u64,
}

/// The vendors that send webhooks, with the header each signs in.
const VENDORS: &[(&str, &str)] = &[
    ("hrbrain", "X-HRBrain-Signature"),
    ("recruitee", "X-Recruitee-Signature"),
    ("linkedin", "X-LI-Signature"),
    ("talentwunder", "X-Talentwunder-Signature"),
];

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The header value a vendor sends for `hex` (HRBrain's assumed `sha256=` prefix).
fn signature_value(vendor: &str, hex: &str) -> String {
    match vendor {
        "hrbrain" | "talentwunder" => format!("sha256={hex}"),
        _ => hex.to_string(),
    }
}

/// A sample body per vendor, unique per delivery (`seq`).
fn sample_body(vendor: &str, seq: u64, now: chrono::DateTime<chrono::Utc>) -> Value {
    match vendor {
        "hrbrain" => json!({
            "event": "member.updated",
            "occurredAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "resourceIds": [format!("m-{seq}")],
        }),
        "talentwunder" => json!({
            "requestId": format!("tw-req-{seq}"),
            "sentAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "projectId": "p-1",
            "profiles": crate::talentwunder::profiles("", 1, 0, 0, seq),
        }),
        "recruitee" => json!({
            "id": seq,
            "attempt_count": 1,
            "event_type": "candidate_moved",
            "event_subtype": "stage_changed",
            "created_at": now.to_rfc3339(),
            "payload": {"candidate": {"id": seq}},
        }),
        _ => json!({
            "notificationId": format!("urn:li:notification:{seq}"),
            "type": "ATS_SYNC",
            "processedAt": now.timestamp_millis(),
        }),
    }
}

pub(crate) fn ingress_routes() -> Router<Sandbox> {
    Router::new().route("/webhooks/{*rest}", any(ingress))
}

async fn ingress(
    State(sb): State<Sandbox>,
    method: Method,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = HttpCall {
        method: method.as_str().to_string(),
        path: uri.path().to_string(),
        query,
        headers: headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body: body.to_vec(),
    };
    let answer = receive(&sb, call).await;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(answer.body)).into_response()
}

async fn receive(sb: &Sandbox, call: HttpCall) -> HttpAnswer {
    match sb.runner.clone() {
        Some(runner) => runner.webhook(call).await,
        None => HttpAnswer {
            status: 501,
            body: json!({"error": "this sandbox was started without a backend (use `renkei sandbox`)"}),
        },
    }
}

#[derive(Deserialize)]
struct Emit {
    tenant: String,
    connection: String,
    /// The signing secret the vendor holds (Recruitee's webhook secret, LinkedIn's client
    /// secret, HRBrain's webhook secret).
    #[serde(default)]
    secret: String,
    /// The body to send; default: a sample event of the vendor, unique per delivery.
    #[serde(default)]
    body: Option<Value>,
    /// How many deliveries (a burst), each its own event.
    #[serde(default = "one")]
    count: u32,
    /// Sign, then change one bit of the signature.
    #[serde(default)]
    forge: bool,
    /// Send no signature header.
    #[serde(default)]
    unsigned: bool,
    /// Send the last delivery to this endpoint again, byte for byte.
    #[serde(default)]
    replay: bool,
}

fn one() -> u32 {
    1
}

pub(crate) fn control_routes() -> Router<Sandbox> {
    Router::new()
        .route("/{vendor}/webhooks", post(emit))
        .route("/linkedin/webhooks/challenge", post(challenge))
}

async fn emit(
    State(sb): State<Sandbox>,
    Path(vendor): Path<String>,
    Json(e): Json<Emit>,
) -> Response {
    let Some(&(_, header)) = VENDORS.iter().find(|(v, _)| *v == vendor) else {
        return control_error(
            StatusCode::NOT_FOUND,
            format!("{vendor} sends no webhooks (hrbrain, recruitee, linkedin, talentwunder do)"),
        );
    };
    let path = format!("/webhooks/{vendor}/{}/{}", e.tenant, e.connection);
    let mut deliveries = Vec::new();
    for _ in 0..e.count.clamp(1, 1000) {
        let call = if e.replay {
            match sb.world().state::<Senders>().last.get(&path).cloned() {
                Some(call) => call,
                None => {
                    return control_error(
                        StatusCode::CONFLICT,
                        "nothing was sent to this endpoint yet",
                    );
                }
            }
        } else {
            let (seq, now) = {
                let mut w = sb.world();
                let now = w.clock.now();
                let s = w.state::<Senders>();
                s.seq += 1;
                (s.seq, now)
            };
            let body = e
                .body
                .clone()
                .unwrap_or_else(|| sample_body(&vendor, seq, now));
            let bytes = body.to_string().into_bytes();
            let mut sig = sign(&e.secret, &bytes);
            if e.forge {
                // One bit of the last hex digit flipped.
                let last = sig.pop().and_then(|c| c.to_digit(16)).unwrap_or(0) ^ 1;
                sig.push(char::from_digit(last, 16).unwrap_or('0'));
            }
            let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
            if !e.unsigned {
                headers.push((header.to_string(), signature_value(&vendor, &sig)));
            }
            HttpCall {
                method: "POST".into(),
                path: path.clone(),
                query: Vec::new(),
                headers,
                body: bytes,
            }
        };
        sb.world()
            .state::<Senders>()
            .last
            .insert(path.clone(), call.clone());
        let answer = receive(&sb, call.clone()).await;
        deliveries.push(json!({
            "status": answer.status,
            "answer": answer.body,
            "body": String::from_utf8_lossy(&call.body),
            "headers": call.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        }));
    }
    Json(json!({ "deliveries": deliveries })).into_response()
}

#[derive(Deserialize)]
struct Challenge {
    tenant: String,
    connection: String,
    secret: String,
}

/// One genuine signed delivery of `body` from `vendor` to renkei's endpoint of a
/// connection (what a simulator sends on a change of its data).
pub(crate) async fn send_signed(
    sb: &Sandbox,
    vendor: &str,
    tenant: &str,
    connection: &str,
    secret: &str,
    body: &Value,
) -> HttpAnswer {
    let header = VENDORS
        .iter()
        .find(|(v, _)| *v == vendor)
        .map_or("X-Signature", |(_, h)| *h);
    let path = format!("/webhooks/{vendor}/{tenant}/{connection}");
    let bytes = body.to_string().into_bytes();
    let call = HttpCall {
        method: "POST".into(),
        path: path.clone(),
        query: Vec::new(),
        headers: vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            (
                header.to_string(),
                signature_value(vendor, &sign(secret, &bytes)),
            ),
        ],
        body: bytes,
    };
    sb.world()
        .state::<Senders>()
        .last
        .insert(path, call.clone());
    receive(sb, call).await
}

impl Sandbox {
    /// Sends the last delivery to a connection's endpoint of `vendor` again, byte for byte
    /// (a vendor's retry of a delivery it thinks failed).
    pub async fn replay_webhook(&self, vendor: &str, tenant: &str, connection: &str) -> HttpAnswer {
        let path = format!("/webhooks/{vendor}/{tenant}/{connection}");
        let last = self.world().state::<Senders>().last.get(&path).cloned();
        match last {
            Some(call) => receive(self, call).await,
            None => HttpAnswer {
                status: 404,
                body: json!({"error": format!("nothing was delivered to {path}")}),
            },
        }
    }
}

/// A fresh `challengeCode` as LinkedIn documents it: a type-4 UUID (random bits, with the
/// version and variant bits set).
fn challenge_code() -> String {
    let bits = fastrand::u128(..);
    let v = (((bits & !(0xf << 76)) | (0x4 << 76)) & !(0xc << 60)) | (0x8 << 60);
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// LinkedIn's endpoint validation: a GET with a fresh `challengeCode`; the answer is valid
/// when `challengeResponse` is the hex HMAC-SHA256 of the code with the client secret.
async fn challenge(State(sb): State<Sandbox>, Json(c): Json<Challenge>) -> Response {
    let code = challenge_code();
    let call = HttpCall {
        method: "GET".into(),
        path: format!("/webhooks/linkedin/{}/{}", c.tenant, c.connection),
        query: vec![("challengeCode".into(), code.clone())],
        headers: Vec::new(),
        body: Vec::new(),
    };
    let answer = receive(&sb, call).await;
    let valid = answer.status == 200
        && answer.body["challengeCode"] == code.as_str()
        && answer.body["challengeResponse"] == sign(&c.secret, code.as_bytes()).as_str();
    Json(json!({ "status": answer.status, "answer": answer.body, "valid": valid })).into_response()
}

/// The webhook senders' registration.
pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "webhooks"
    }
    fn prefix(&self) -> Option<&'static str> {
        None
    }
    fn control_routes(&self) -> Router<Sandbox> {
        control_routes()
    }
}
