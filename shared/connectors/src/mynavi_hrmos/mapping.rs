//! C1 mapping: a row of Mynavi's download file → an HRMOS applicant, and where it goes.
//!
//! - [`ColumnMap`] names the file's columns (configuration; the default is the documented
//!   doda-like shape of docs/vendor-contracts.md, C1.4). [`Columns::resolve`] finds them in
//!   the header and names every one that is missing.
//! - [`map_row`] turns a row into a typed [`Applicant`] or a reason for the error report
//!   (C1.5 email check, missing id or name, unreadable dates, a row cut short).
//! - [`Router`] applies the routing rules (C1.7): exact 職種名 match → selection for the
//!   rule's job; otherwise the import queue, saying why.

use super::email;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use renkei_core::repo::{Medium, RoutingRule};
use renkei_vendors::hrmos::{ApplicantFields, HrmosPlacement, NewApplicant, SourceKey};
use renkei_vendors::mynavi::file::Row;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Column names of the download file. Optional fields may be switched off with `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColumnMap {
    /// Mynavi's application id (the source key, C1.10).
    pub application_id: String,
    /// 応募日時.
    pub applied_at: String,
    /// 姓漢字.
    pub family_name: String,
    /// 名漢字.
    pub given_name: Option<String>,
    /// 姓カナ.
    pub family_name_kana: Option<String>,
    /// 名カナ.
    pub given_name_kana: Option<String>,
    /// 職種名 (求人名称): what routing rules match.
    pub position_name: String,
    /// メールアドレス.
    pub email: String,
    /// 郵便番号.
    pub postal_code: Option<String>,
    /// 都道府県名.
    pub prefecture: Option<String>,
    /// 住所.
    pub address: Option<String>,
    /// 生年月日.
    pub birthday: Option<String>,
    /// 性別.
    pub gender: Option<String>,
    /// 電話番号1.
    pub phone1: Option<String>,
    /// 電話番号2.
    pub phone2: Option<String>,
}

impl Default for ColumnMap {
    fn default() -> Self {
        let s = |v: &str| v.to_string();
        Self {
            application_id: s("応募ID"),
            applied_at: s("応募日時"),
            family_name: s("姓漢字"),
            given_name: Some(s("名漢字")),
            family_name_kana: Some(s("姓カナ")),
            given_name_kana: Some(s("名カナ")),
            position_name: s("求人名称"),
            email: s("メールアドレス"),
            postal_code: Some(s("郵便番号")),
            prefecture: Some(s("都道府県名")),
            address: Some(s("住所")),
            birthday: Some(s("生年月日")),
            gender: Some(s("性別")),
            phone1: Some(s("電話番号1")),
            phone2: Some(s("電話番号2")),
        }
    }
}

/// Column positions found in a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    application_id: usize,
    applied_at: usize,
    family_name: usize,
    given_name: Option<usize>,
    family_name_kana: Option<usize>,
    given_name_kana: Option<usize>,
    position_name: usize,
    email: usize,
    postal_code: Option<usize>,
    prefecture: Option<usize>,
    address: Option<usize>,
    birthday: Option<usize>,
    gender: Option<usize>,
    phone1: Option<usize>,
    phone2: Option<usize>,
    width: usize,
}

impl Columns {
    /// Finds every mapped column in `header`; Err names each missing one.
    pub fn resolve(map: &ColumnMap, header: &[String]) -> Result<Self, String> {
        let mut missing = Vec::new();
        // A BOM-less UTF-8 file may still start with U+FEFF; exact names otherwise.
        let index: HashMap<&str, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim_start_matches('\u{feff}'), i))
            .collect();
        let mut find = |name: &str| match index.get(name) {
            Some(&i) => i,
            None => {
                missing.push(format!("「{name}」"));
                usize::MAX
            }
        };
        let mut opt = |name: &Option<String>| name.as_deref().map(&mut find);
        let cols = Columns {
            given_name: opt(&map.given_name),
            family_name_kana: opt(&map.family_name_kana),
            given_name_kana: opt(&map.given_name_kana),
            postal_code: opt(&map.postal_code),
            prefecture: opt(&map.prefecture),
            address: opt(&map.address),
            birthday: opt(&map.birthday),
            gender: opt(&map.gender),
            phone1: opt(&map.phone1),
            phone2: opt(&map.phone2),
            application_id: find(&map.application_id),
            applied_at: find(&map.applied_at),
            family_name: find(&map.family_name),
            position_name: find(&map.position_name),
            email: find(&map.email),
            width: header.len(),
        };
        if missing.is_empty() {
            Ok(cols)
        } else {
            Err(format!(
                "ファイルの見出し行に列 {} がありません。マイナビ転職のファイル形式が変わった可能性があります。列の対応設定 (columns) を確認してください (the file's header lacks the mapped column(s) {}; header: {})",
                missing.join("、"),
                missing.join(", "),
                header.join(" | ")
            ))
        }
    }
}

/// A Mynavi application id: the source key in HRMOS (C1.10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApplicationId(String);

impl ApplicationId {
    /// The id as Mynavi writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A valid applicant from one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    /// Source key.
    pub id: ApplicationId,
    /// 応募日時.
    pub applied_at: DateTime<FixedOffset>,
    /// 姓, 名.
    pub family_name: String,
    /// 名.
    pub given_name: String,
    /// 姓カナ.
    pub family_name_kana: String,
    /// 名カナ.
    pub given_name_kana: String,
    /// 職種名, exactly as in the file.
    pub position_name: String,
    /// A valid RFC 5322 address.
    pub email: String,
    /// 郵便番号.
    pub postal_code: String,
    /// 都道府県名.
    pub prefecture: String,
    /// 住所.
    pub address: String,
    /// 生年月日.
    pub birthday: Option<NaiveDate>,
    /// 性別 as written.
    pub gender: String,
    /// Phone numbers given.
    pub phones: Vec<String>,
}

fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

/// 応募日時: Mynavi writes JST without an offset; several separators are seen in exports.
pub fn parse_applied_at(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    [
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .and_then(|n| jst().from_local_datetime(&n).single())
}

fn parse_birthday(s: &str) -> Option<NaiveDate> {
    ["%Y/%m/%d", "%Y-%m-%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s.trim(), f).ok())
}

/// How the error report names a row.
pub fn row_label(row: &Row, cols: &Columns) -> String {
    match row
        .fields
        .get(cols.application_id)
        .filter(|v| !v.is_empty())
    {
        Some(id) => format!("{}行目 (応募ID {id})", row.number),
        None => format!("{}行目", row.number),
    }
}

/// Maps one row, or says why it cannot be imported.
pub fn map_row(row: &Row, cols: &Columns) -> Result<Applicant, String> {
    if row.fields.len() < cols.width {
        return Err(format!(
            "列が足りません ({} / {} 列)。ファイルの途中で切れている可能性があります (row has {} of {} columns; the file may be cut off)",
            row.fields.len(),
            cols.width,
            row.fields.len(),
            cols.width
        ));
    }
    let get = |i: usize| row.fields[i].as_str();
    let opt = |i: Option<usize>| {
        i.map(|i| row.fields[i].trim().to_string())
            .unwrap_or_default()
    };
    let id = get(cols.application_id).trim();
    if id.is_empty() {
        return Err("応募IDが空です (no application id)".into());
    }
    let applied_raw = get(cols.applied_at);
    let applied_at = parse_applied_at(applied_raw).ok_or_else(|| {
        format!("応募日時「{applied_raw}」を読み取れません (unreadable application time)")
    })?;
    let family_name = get(cols.family_name).trim().to_string();
    if family_name.is_empty() {
        return Err("姓が空です (no family name)".into());
    }
    let email_raw = get(cols.email).trim();
    if let Err(problem) = email::validate(email_raw) {
        return Err(format!(
            "メールアドレス「{email_raw}」はRFCに準拠していないため取り込みません: {problem}"
        ));
    }
    let birthday = match cols.birthday.map(|i| row.fields[i].trim()) {
        None | Some("") => None,
        Some(b) => Some(
            parse_birthday(b)
                .ok_or_else(|| format!("生年月日「{b}」を読み取れません (unreadable birthday)"))?,
        ),
    };
    let phones = [cols.phone1, cols.phone2]
        .into_iter()
        .map(opt)
        .filter(|p| !p.is_empty())
        .collect();
    Ok(Applicant {
        id: ApplicationId(id.to_string()),
        applied_at,
        family_name,
        given_name: opt(cols.given_name),
        family_name_kana: opt(cols.family_name_kana),
        given_name_kana: opt(cols.given_name_kana),
        // Exact, untrimmed: a rule matches the title character for character (C1.7).
        position_name: get(cols.position_name).to_string(),
        email: email_raw.to_string(),
        postal_code: opt(cols.postal_code),
        prefecture: opt(cols.prefecture),
        address: opt(cols.address),
        birthday,
        gender: opt(cols.gender),
        phones,
    })
}

/// Where an applicant goes in HRMOS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// 選考管理 for the job.
    Selection {
        /// HRMOS job id.
        job_id: String,
    },
    /// 応募情報インポート, with a note that tells the recruiter what to fix.
    ImportQueue {
        /// Why it was not routed.
        note: String,
    },
}

/// Applies a tenant's routing rules for one medium.
#[derive(Debug, Clone, Default)]
pub struct Router {
    by_position: HashMap<String, String>,
    open_jobs: HashSet<String>,
    known_jobs: HashSet<String>,
}

impl Router {
    /// Rules of `medium`, checked against HRMOS's jobs (`(id, open)`).
    pub fn new(
        rules: &[RoutingRule],
        medium: Medium,
        jobs: impl IntoIterator<Item = (String, bool)>,
    ) -> Self {
        let mut r = Router::default();
        for rule in rules.iter().filter(|r| r.medium == medium) {
            r.by_position
                .insert(rule.position_name.clone(), rule.job_id.clone());
        }
        for (id, open) in jobs {
            if open {
                r.open_jobs.insert(id.clone());
            }
            r.known_jobs.insert(id);
        }
        r
    }

    /// Where an applicant for `position_name` goes.
    pub fn place(&self, position_name: &str) -> Placement {
        match self.by_position.get(position_name) {
            Some(job) if self.open_jobs.contains(job) => Placement::Selection {
                job_id: job.clone(),
            },
            Some(job) if self.known_jobs.contains(job) => Placement::ImportQueue {
                note: format!(
                    "振り分けルールの振り分け先の求人 {job} は募集を終了しています。求人かルールを見直してください (募集ポジション名「{position_name}」)"
                ),
            },
            Some(job) => Placement::ImportQueue {
                note: format!(
                    "振り分けルールの振り分け先の求人 {job} がHRMOS採用にありません。ルールを更新してください (募集ポジション名「{position_name}」)"
                ),
            },
            None => Placement::ImportQueue {
                note: format!(
                    "募集ポジション名「{position_name}」に一致する振り分けルールがありません。マイナビ転職の職種名と完全に一致するルールを登録してください (no routing rule matched)"
                ),
            },
        }
    }
}

/// The HRMOS create body for an applicant (docs/contracts/hrmos.md).
pub fn to_hrmos(a: &Applicant, medium: Medium, placement: &Placement) -> NewApplicant {
    NewApplicant {
        source: SourceKey {
            medium: medium.code().to_string(),
            id: a.id.as_str().to_string(),
        },
        placement: match placement {
            Placement::Selection { job_id } => HrmosPlacement::Selection {
                job_id: job_id.clone(),
            },
            Placement::ImportQueue { note } => HrmosPlacement::ImportQueue {
                position_name: a.position_name.clone(),
                note: note.clone(),
            },
        },
        applicant: ApplicantFields {
            family_name: a.family_name.clone(),
            given_name: a.given_name.clone(),
            family_name_kana: a.family_name_kana.clone(),
            given_name_kana: a.given_name_kana.clone(),
            email: a.email.clone(),
            phones: a.phones.clone(),
            postal_code: a.postal_code.clone(),
            prefecture: a.prefecture.clone(),
            address: a.address.clone(),
            birthday: a.birthday.map(|d| d.to_string()),
            gender: a.gender.clone(),
            position_name: a.position_name.clone(),
            applied_at: a.applied_at.with_timezone(&Utc).to_rfc3339(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Vec<String> {
        "応募ID,応募日時,姓漢字,名漢字,姓カナ,名カナ,求人名称,郵便番号,都道府県名,住所,生年月日,性別,メールアドレス,電話番号1,電話番号2"
            .split(',')
            .map(str::to_string)
            .collect()
    }

    fn row(n: u64, line: &str) -> Row {
        Row {
            number: n,
            fields: line.split(',').map(str::to_string).collect(),
        }
    }

    #[test]
    fn c1_4_a_header_missing_a_mapped_column_names_it() {
        let mut h = header();
        h.retain(|c| c != "メールアドレス");
        let err = Columns::resolve(&ColumnMap::default(), &h).expect_err("missing column");
        assert!(err.contains("「メールアドレス」"), "{err}");
    }

    #[test]
    fn c1_4_the_mapping_is_configuration() {
        let map = ColumnMap {
            position_name: "職種名".into(),
            phone2: None,
            ..Default::default()
        };
        let h: Vec<String> = header()
            .into_iter()
            .filter(|c| c != "電話番号2")
            .map(|c| {
                if c == "求人名称" {
                    "職種名".into()
                } else {
                    c
                }
            })
            .collect();
        assert!(Columns::resolve(&map, &h).is_ok());
    }

    #[test]
    fn c1_5_a_row_with_a_non_rfc_email_is_rejected_with_the_reason() {
        let cols = Columns::resolve(&ColumnMap::default(), &header()).expect("columns");
        let r = row(
            7,
            "A-1,2026/11/20 18:03,山田,太郎,ヤマダ,タロウ,営業職,100-0001,東京都,千代田区1-1,1990/04/01,男性,taro.@docomo.ne.jp,090-0000-0000,",
        );
        let err = map_row(&r, &cols).expect_err("rejected");
        assert!(
            err.contains("taro.@docomo.ne.jp") && err.contains("直前"),
            "{err}"
        );
        assert_eq!(row_label(&r, &cols), "7行目 (応募ID A-1)");
    }

    #[test]
    fn c1_7_routing_is_exact() {
        let rule = |p: &str, j: &str| RoutingRule {
            id: p.into(),
            medium: Medium::MynaviTenshoku,
            position_name: p.into(),
            job_id: j.into(),
            updated_at: Utc::now(),
        };
        let router = Router::new(
            &[rule("営業職（東京）", "J1"), rule("経理", "J9")],
            Medium::MynaviTenshoku,
            [("J1".to_string(), true), ("J9".to_string(), false)],
        );
        assert_eq!(
            router.place("営業職（東京）"),
            Placement::Selection {
                job_id: "J1".into()
            }
        );
        for other in ["営業職(東京)", "営業職（東京） ", "営業職"] {
            assert!(
                matches!(router.place(other), Placement::ImportQueue { note } if note.contains("一致する振り分けルールがありません"))
            );
        }
        assert!(
            matches!(router.place("経理"), Placement::ImportQueue { note } if note.contains("募集を終了"))
        );
    }
}
