//! マイナビ転職 simulator: the assumed contract of docs/contracts/mynavi.md. A login form
//! that sets a session cookie (or shows the wrong-credentials page), and the 応募管理
//! download of a date range as CSV or TSV in CP932 or UTF-8 with BOM, CRLF line ends,
//! fields quoted when they hold separators, quotes or line breaks.

mod control;

use crate::Sandbox;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
pub use control::MynaviControl;
use control::{control_account, control_add, control_stats};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// The default header: the doda-like shape of docs/vendor-contracts.md with an id and time.
pub const DEFAULT_COLUMNS: &[&str] = &[
    "応募ID",
    "応募日時",
    "姓漢字",
    "名漢字",
    "姓カナ",
    "名カナ",
    "求人名称",
    "郵便番号",
    "都道府県名",
    "住所",
    "生年月日",
    "性別",
    "メールアドレス",
    "電話番号1",
    "電話番号2",
];

/// How an account's download file is written, and how the account behaves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MynaviAccountSetup {
    /// The password the login form accepts.
    pub password: String,
    /// `cp932` or `utf8_bom`.
    pub encoding: String,
    /// `csv` or `tsv`.
    pub format: String,
    /// The header written (a changed site drops or renames columns).
    pub columns: Vec<String>,
    /// Cut the file in the middle of its last line (a broken download).
    pub truncate_last_line: bool,
    /// The login page answers with something unexpected (a changed site).
    pub login_page_changed: bool,
    /// The next session issued times out before its first download (once), as a session
    /// does when the site logs idle users out.
    pub expire_next_session: bool,
}

impl Default for MynaviAccountSetup {
    fn default() -> Self {
        Self {
            password: String::new(),
            encoding: "cp932".into(),
            format: "csv".into(),
            columns: DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect(),
            truncate_last_line: false,
            login_page_changed: false,
            expire_next_session: false,
        }
    }
}

struct Application {
    applied_at: DateTime<Utc>,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Account {
    setup: MynaviAccountSetup,
    applications: Vec<Application>,
    logins: u64,
    failed_logins: u64,
    downloads: u64,
}

#[derive(Default)]
pub(crate) struct Mynavi {
    accounts: HashMap<String, Account>,
    sessions: HashMap<String, String>,
    next_session: u64,
}

fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

fn parse_jst(s: &str) -> Option<DateTime<Utc>> {
    ["%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s.trim(), f).ok())
        .and_then(|n| jst().from_local_datetime(&n).single())
        .map(|t| t.with_timezone(&Utc))
}

impl Mynavi {
    pub fn setup(&mut self, login_id: &str, setup: MynaviAccountSetup) {
        self.accounts.entry(login_id.to_string()).or_default().setup = setup;
    }

    /// Adds applications (objects keyed by column name; 応募日時 in JST `YYYY/MM/DD HH:MM`).
    pub fn add(&mut self, login_id: &str, apps: Vec<Value>) -> Result<usize, String> {
        let account = self
            .accounts
            .get_mut(login_id)
            .ok_or(format!("no Mynavi account {login_id}"))?;
        let n = apps.len();
        for (i, app) in apps.into_iter().enumerate() {
            let Value::Object(map) = app else {
                return Err(format!("application {i} is not an object"));
            };
            let fields: BTreeMap<String, String> = map
                .into_iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k, s)
                })
                .collect();
            let at = fields
                .get("応募日時")
                .and_then(|s| parse_jst(s))
                .ok_or(format!(
                    "application {i} needs 応募日時 as YYYY/MM/DD HH:MM (JST)"
                ))?;
            account.applications.push(Application {
                applied_at: at,
                fields,
            });
        }
        account.applications.sort_by_key(|a| a.applied_at);
        Ok(n)
    }

    pub fn stats(&self, login_id: &str) -> Value {
        self.accounts.get(login_id).map_or(Value::Null, |a| {
            json!({"logins": a.logins, "failed_logins": a.failed_logins, "downloads": a.downloads,
                   "applications": a.applications.len()})
        })
    }

    /// The file of the applications in [from, to), as bytes on the wire.
    fn render(&self, login_id: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<u8> {
        let Some(a) = self.accounts.get(login_id) else {
            return Vec::new();
        };
        let sep = if a.setup.format == "tsv" { '\t' } else { ',' };
        let quote = |v: &str| {
            if v.contains(sep) || v.contains('"') || v.contains('\n') || v.contains('\r') {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v.to_string()
            }
        };
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(&sep.to_string())
        };
        let mut text = line(a.setup.columns.clone()) + "\r\n";
        let mut last_len = 0;
        for app in a
            .applications
            .iter()
            .filter(|x| x.applied_at >= from && x.applied_at < to)
        {
            let l = line(
                a.setup
                    .columns
                    .iter()
                    .map(|c| app.fields.get(c).cloned().unwrap_or_default())
                    .collect(),
            ) + "\r\n";
            last_len = l.len();
            text += &l;
        }
        if a.setup.truncate_last_line && last_len > 0 {
            let mut cut = text.len() - last_len / 2;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        if a.setup.encoding == "utf8_bom" {
            let mut out = vec![0xEF, 0xBB, 0xBF];
            out.extend_from_slice(text.as_bytes());
            out
        } else {
            encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
        }
    }
}

fn login_page(message: &str) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<html><body><form action=\"/login\" method=\"post\"><p class=\"error\">{message}</p></form></body></html>"
        ),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    login_id: String,
    password: String,
}

async fn login(State(sb): State<Sandbox>, Form(f): Form<LoginForm>) -> Response {
    let mut w = sb.world();
    let m = &mut w.state::<crate::mynavi::Mynavi>();
    let Some(account) = m.accounts.get_mut(&f.login_id) else {
        return login_page("IDまたはパスワードが正しくありません。");
    };
    if account.setup.login_page_changed {
        return login_page("ただいまログイン方法を変更しております。");
    }
    if account.setup.password != f.password {
        account.failed_logins += 1;
        return login_page("IDまたはパスワードが正しくありません。");
    }
    account.logins += 1;
    let expired = std::mem::take(&mut account.setup.expire_next_session);
    m.next_session += 1;
    let session = format!("s{:x}{:08x}", m.next_session, fastrand::u32(..));
    if !expired {
        m.sessions.insert(session.clone(), f.login_id);
    }
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, "/applications".to_string()),
            (
                header::SET_COOKIE,
                format!("MYNAVI_SESSION={session}; Path=/; HttpOnly"),
            ),
        ],
    )
        .into_response()
}

#[derive(Deserialize)]
struct Range {
    from: String,
    to: String,
}

async fn download(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Query(r): Query<Range>,
) -> Response {
    let session = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| {
            c.split(';')
                .find_map(|p| p.trim().strip_prefix("MYNAVI_SESSION=").map(str::to_string))
        });
    let mut w = sb.world();
    let Some(login_id) =
        session.and_then(|s| w.state::<crate::mynavi::Mynavi>().sessions.get(&s).cloned())
    else {
        return (StatusCode::FOUND, [(header::LOCATION, "/login")]).into_response();
    };
    let (Ok(from), Ok(to)) = (
        DateTime::parse_from_rfc3339(&r.from),
        DateTime::parse_from_rfc3339(&r.to),
    ) else {
        return (StatusCode::BAD_REQUEST, "期間の指定が正しくありません").into_response();
    };
    let body = w.state::<crate::mynavi::Mynavi>().render(
        &login_id,
        from.with_timezone(&Utc),
        to.with_timezone(&Utc),
    );
    let account = w
        .state::<crate::mynavi::Mynavi>()
        .accounts
        .get_mut(&login_id)
        .expect("session's account");
    account.downloads += 1;
    let (ctype, ext) = match (
        account.setup.format.as_str(),
        account.setup.encoding.as_str(),
    ) {
        ("tsv", "utf8_bom") => ("text/tab-separated-values; charset=UTF-8", "tsv"),
        ("tsv", _) => ("text/tab-separated-values; charset=Shift_JIS", "tsv"),
        (_, "utf8_bom") => ("text/csv; charset=UTF-8", "csv"),
        _ => ("text/csv; charset=Shift_JIS", "csv"),
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"oubo.{ext}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Positions (職種名) the sample applications apply for.
pub const SAMPLE_POSITIONS: &[&str] = &[
    "法人営業（東京本社）",
    "Webエンジニア【リモート可】",
    "経理スタッフ",
    "カスタマーサクセス",
    "人事・採用担当",
];

const FAMILY: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("髙橋", "タカハシ"),
    ("吉田", "ヨシダ"),
    ("山﨑", "ヤマザキ"),
];
const GIVEN: &[(&str, &str, &str, &str)] = &[
    ("太郎", "タロウ", "男性", "taro"),
    ("健太", "ケンタ", "男性", "kenta"),
    ("翔太", "ショウタ", "男性", "shota"),
    ("花子", "ハナコ", "女性", "hanako"),
    ("美咲", "ミサキ", "女性", "misaki"),
    ("陽菜", "ヒナ", "女性", "hina"),
    ("結衣", "ユイ", "女性", "yui"),
    ("蒼", "アオイ", "", "aoi"),
];
const PLACES: &[(&str, &str, &str)] = &[
    (
        "100-0005",
        "東京都",
        "千代田区丸の内1-9-1\nグラントウキョウノースタワー 12F",
    ),
    ("530-0001", "大阪府", "大阪市北区梅田3-1-3"),
    ("460-0008", "愛知県", "名古屋市中区栄3-4-5, 栄ビル"),
    ("812-0011", "福岡県", "福岡市博多区博多駅前2-1-1"),
    (
        "060-0005",
        "北海道",
        "札幌市中央区北5条西2丁目 \"JRタワー\"",
    ),
];
const DOMAINS: &[&str] = &[
    "docomo.ne.jp",
    "ezweb.ne.jp",
    "gmail.com",
    "yahoo.co.jp",
    "example.co.jp",
];

/// `n` realistic applications, one every `minutes_apart` minutes from `start`, with
/// application ids `{prefix}{k}`; deterministic for a seed.
pub fn sample_applications(
    n: usize,
    seed: u64,
    prefix: &str,
    start: DateTime<Utc>,
    minutes_apart: i64,
) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n)
        .map(|k| {
            let (fam, fam_kana) = FAMILY[rng.usize(..FAMILY.len())];
            let (given, given_kana, gender, romaji) = GIVEN[rng.usize(..GIVEN.len())];
            let (zip, pref, addr) = PLACES[rng.usize(..PLACES.len())];
            let at = (start + chrono::Duration::minutes(minutes_apart * k as i64)).with_timezone(&jst());
            json!({
                "応募ID": format!("{prefix}{k}"),
                "応募日時": at.format("%Y/%m/%d %H:%M").to_string(),
                "姓漢字": fam, "名漢字": given, "姓カナ": fam_kana, "名カナ": given_kana,
                "求人名称": SAMPLE_POSITIONS[rng.usize(..SAMPLE_POSITIONS.len())],
                "郵便番号": zip, "都道府県名": pref, "住所": addr,
                "生年月日": format!("{}/{:02}/{:02}", 1970 + rng.u32(..35), 1 + rng.u32(..12), 1 + rng.u32(..28)),
                "性別": gender,
                "メールアドレス": format!("{romaji}.{}{}@{}", fam_kana.len() % 7, k, DOMAINS[rng.usize(..DOMAINS.len())]),
                "電話番号1": format!("090-{:04}-{:04}", rng.u32(..10000), rng.u32(..10000)),
                "電話番号2": "",
            })
        })
        .collect()
}

/// Applications that must be rejected, at `at`: emails that break RFC 5322 (a dot right
/// before @, a leading dot, two dots), a full-width @, and a row without an id.
pub fn bad_applications(prefix: &str, at: DateTime<Utc>) -> Vec<Value> {
    let when = at
        .with_timezone(&jst())
        .format("%Y/%m/%d %H:%M")
        .to_string();
    let row = |id: &str, email: &str| {
        json!({"応募ID": id, "応募日時": when, "姓漢字": "山田", "名漢字": "太郎", "姓カナ": "ヤマダ",
               "名カナ": "タロウ", "求人名称": SAMPLE_POSITIONS[0], "郵便番号": "100-0005", "都道府県名": "東京都",
               "住所": "千代田区", "生年月日": "1990/04/01", "性別": "男性", "メールアドレス": email,
               "電話番号1": "090-0000-0000", "電話番号2": ""})
    };
    vec![
        row(&format!("{prefix}dot-before-at"), "taro.@docomo.ne.jp"),
        row(&format!("{prefix}leading-dot"), ".taro@ezweb.ne.jp"),
        row(&format!("{prefix}double-dot"), "ta..ro@docomo.ne.jp"),
        row(&format!("{prefix}full-width-at"), "taro＠gmail.com"),
        row("", "no-id@example.co.jp"),
    ]
}

/// The Mynavi simulator's registration.
pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "mynavi"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/mynavi")
    }
    fn routes(&self) -> Router<Sandbox> {
        Router::new()
            .route("/login", post(login))
            .route("/applications/download", get(download))
    }
    fn control_routes(&self) -> Router<Sandbox> {
        Router::new()
            .route(
                "/mynavi/accounts/{login_id}",
                put(control_account).get(control_stats),
            )
            .route(
                "/mynavi/accounts/{login_id}/applications",
                post(control_add),
            )
    }
}
