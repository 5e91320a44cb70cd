//! Talentwunder simulator: the sourcing tool's side of C4 (assumed contract,
//! docs/contracts/talentwunder.md). It sends signed uploads of realistic profiles to
//! renkei's webhook ingress (`POST /_control/talentwunder/uploads`) — German, Japanese and
//! other names with umlauts and accents, some with a CV (by URL or inline), some listed
//! twice, some bad — and serves the CV files its uploads point to
//! (`GET /talentwunder/files/{name}`).

use crate::webhooks::send_signed;
use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

const NAMES: &[(&str, &str, &str)] = &[
    ("Jürgen", "Müller", "de"),
    ("Änne", "Schäfer", "de"),
    ("Björn", "Weiß", "de"),
    ("Jörg", "Groß", "de"),
    ("Lena", "Öztürk", "de"),
    ("太郎", "山田", "jp"),
    ("花子", "佐藤", "jp"),
    ("翔太", "鈴木", "jp"),
    ("Zoë", "Nguyễn", "com"),
    ("José", "Núñez", "es"),
    ("François", "Lefèvre", "fr"),
    ("Łukasz", "Wróbel", "pl"),
    ("Søren", "Kierkegård", "dk"),
    ("Ayşe", "Yılmaz", "com"),
    ("Chloé", "Dubois", "fr"),
    ("Mateus", "Gonçalves", "com"),
];

const TITLES: &[(&str, &str)] = &[
    ("Backend-Entwickler:in", "Zalando"),
    ("Data Engineer", "N26"),
    ("ソフトウェアエンジニア", "メルカリ"),
    ("Product Manager", "Celonis"),
    ("DevOps Engineer", "SAP"),
    ("Recruiterin", "Personio"),
];

/// A minimal PDF: what the CV files are.
fn pdf(title: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% CV {title}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

fn ascii(s: &str) -> String {
    let folded: String = s
        .chars()
        .flat_map(|c| match c {
            'ä' | 'Ä' => "ae".chars().collect::<Vec<_>>(),
            'ö' | 'Ö' => "oe".chars().collect(),
            'ü' | 'Ü' => "ue".chars().collect(),
            'ß' => "ss".chars().collect(),
            c if c.is_ascii_alphanumeric() => vec![c.to_ascii_lowercase()],
            c => match c {
                'é' | 'è' | 'ë' | 'ễ' => vec!['e'],
                'ç' => vec!['c'],
                'ñ' => vec!['n'],
                'ú' => vec!['u'],
                'ø' | 'ó' => vec!['o'],
                'å' | 'ã' => vec!['a'],
                'ł' | 'Ł' => vec!['l'],
                'ı' => vec!['i'],
                'ş' => vec!['s'],
                _ => vec![],
            },
        })
        .collect();
    if folded.is_empty() {
        "jp".into()
    } else {
        folded
    }
}

/// `count` profiles (deterministic for a seed): every third with a CV (URLs to this
/// sandbox's files, or inline), `duplicates` of them repeating an earlier email, and `bad`
/// ones (missing last name, bad email, a CV of a refused type, in turn).
pub fn profiles(
    base_url: &str,
    count: usize,
    duplicates: usize,
    bad: usize,
    seed: u64,
) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out: Vec<Value> = Vec::new();
    for i in 0..count {
        let (first, last, tld) = NAMES[(i + seed as usize) % NAMES.len()];
        let (title, company) = TITLES[rng.usize(..TITLES.len())];
        let local = format!("{}.{}", ascii(first), ascii(last));
        let location = [
            "Berlin",
            "München",
            "Köln",
            "東京都渋谷区",
            "Zürich",
            "Wien",
        ][i % 6];
        let mut p = json!({
            "profileId": format!("tw-{seed}-{i}"),
            "firstName": first,
            "lastName": last,
            "email": format!("{local}.{seed}.{i}@example.{tld}"),
            "phone": format!("+49 30 {:07}", rng.u32(..10_000_000)),
            "location": location,
            "currentTitle": title,
            "currentCompany": company,
            "profileUrl": format!("https://app.talentwunder.com/profiles/{seed}-{i}"),
        });
        if i % 3 == 0 {
            let name = format!("Lebenslauf_{}.pdf", ascii(last));
            p["cv"] = if i % 2 == 0 {
                json!({"fileName": name, "url": format!("{base_url}/talentwunder/files/{seed}-{i}.pdf")})
            } else {
                json!({"fileName": name, "contentBase64": base64::engine::general_purpose::STANDARD.encode(pdf(last))})
            };
        }
        out.push(p);
    }
    for d in 0..duplicates.min(count) {
        let mut p = out[d].clone();
        p["profileId"] = json!(format!("tw-{seed}-dup-{d}"));
        out.push(p);
    }
    for b in 0..bad {
        let mut p = out
            .get(b % count.max(1))
            .cloned()
            .unwrap_or_else(|| json!({}));
        p["profileId"] = json!(format!("tw-{seed}-bad-{b}"));
        p["email"] = json!(format!("bad.{seed}.{b}@example.de"));
        match b % 3 {
            0 => {
                p.as_object_mut().map(|o| o.remove("lastName"));
            }
            1 => p["email"] = json!(format!("kein-at-zeichen.{b}.example.de")),
            _ => {
                p["cv"] = json!({"fileName": "lebenslauf.exe", "url": format!("{base_url}/talentwunder/files/x.exe")});
            }
        }
        out.push(p);
    }
    out
}

#[derive(Deserialize)]
struct Emit {
    tenant: String,
    connection: String,
    /// The upload secret renkei's connection holds.
    secret: String,
    #[serde(rename = "projectId")]
    project_id: String,
    /// Profiles (default 5).
    #[serde(default = "five")]
    count: usize,
    #[serde(default)]
    duplicates: usize,
    #[serde(default)]
    bad: usize,
    #[serde(default)]
    seed: u64,
    /// Talentwunder's request id (default: one per call); the same id is a retry.
    #[serde(default, rename = "requestId")]
    request_id: Option<String>,
    /// Profiles to send as they are, instead of generated ones.
    #[serde(default)]
    profiles: Option<Vec<Value>>,
    /// When Talentwunder says it sent the upload (default: the sandbox's now); renkei
    /// refuses one more than 5 minutes from its own clock.
    #[serde(default, rename = "sentAt")]
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The sandbox's own address as renkei reaches it (for CV URLs).
    #[serde(default, rename = "baseUrl")]
    base_url: Option<String>,
}

fn five() -> usize {
    5
}

/// The body of an upload.
pub fn upload_body(
    request_id: &str,
    project_id: &str,
    profiles: Vec<Value>,
    now: chrono::DateTime<chrono::Utc>,
) -> Value {
    json!({
        "requestId": request_id,
        "sentAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "projectId": project_id,
        "uploadedBy": "recruiter@talentwunder.example",
        "profiles": profiles,
    })
}

async fn emit(State(sb): State<Sandbox>, Json(e): Json<Emit>) -> Response {
    let base = e.base_url.clone().unwrap_or_default();
    let profiles = e
        .profiles
        .clone()
        .unwrap_or_else(|| profiles(&base, e.count, e.duplicates, e.bad, e.seed));
    let now = e.sent_at.unwrap_or_else(|| sb.world().clock.now());
    let request_id = e
        .request_id
        .clone()
        .unwrap_or_else(|| format!("tw-req-{:016x}", fastrand::u64(..)));
    let body = upload_body(&request_id, &e.project_id, profiles, now);
    let answer = send_signed(
        &sb,
        "talentwunder",
        &e.tenant,
        &e.connection,
        &e.secret,
        &body,
    )
    .await;
    Json(json!({"status": answer.status, "answer": answer.body, "requestId": request_id, "body": body})).into_response()
}

async fn file(Path(name): Path<String>) -> Response {
    if name.starts_with("huge") {
        // Over Personio's 20 MB: renkei must stop reading and name the limit.
        let bytes = vec![b'%'; 21 * 1024 * 1024];
        (StatusCode::OK, [("content-type", "application/pdf")], bytes).into_response()
    } else if name.starts_with("missing") {
        control_error(StatusCode::NOT_FOUND, "no such file")
    } else if name.ends_with(".pdf") {
        (
            StatusCode::OK,
            [("content-type", "application/pdf")],
            pdf(&name),
        )
            .into_response()
    } else {
        (
            StatusCode::OK,
            [("content-type", "application/octet-stream")],
            b"MZ".to_vec(),
        )
            .into_response()
    }
}

/// The simulator's registration.
pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "talentwunder"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/talentwunder")
    }
    fn routes(&self) -> Router<Sandbox> {
        Router::new().route("/files/{name}", get(file))
    }
    fn control_routes(&self) -> Router<Sandbox> {
        Router::new().route("/talentwunder/uploads", post(emit))
    }
}
