//! C1 mapping: a row of Mynavi's download file → an HRMOS applicant, and where it goes.
//!
//! - [`ColumnMap`] names the file's columns (configuration; the default is the documented
//!   doda-like shape of docs/vendor-contracts.md, C1.4). [`Columns::resolve`] finds them in
//!   the header and names every one that is missing.
//! - [`map_row`] turns a row into a typed [`Applicant`] or a reason for the error report
//!   (C1.5 email check, missing id or name, unreadable dates, a row cut short).
//! - [`Router`] applies the routing rules (C1.7): exact 職種名 match → selection for the
//!   rule's job; otherwise the import queue, saying why.

use super::dates::{parse_applied_at, parse_birthday, write_date, write_utc};
use super::email;
pub use super::routing::{Placement, Router, Unrouted};
use super::store::Medium;
use chrono::{DateTime, FixedOffset, NaiveDate};
use renkei_vendors::hrmos::{
    ApplicantBody, ApplicantFields, HrmosPlacement, NewApplicant, SourceKey,
};
use renkei_vendors::mynavi::file::Row;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Column names of the download file. Optional fields may be switched off with `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// A valid applicant from one row, borrowed from it (nothing is copied until the body is
/// written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant<'a> {
    /// Mynavi's application id: the source key in HRMOS (C1.10).
    pub id: &'a str,
    /// 応募日時.
    pub applied_at: DateTime<FixedOffset>,
    /// 姓.
    pub family_name: &'a str,
    /// 名.
    pub given_name: &'a str,
    /// 姓カナ.
    pub family_name_kana: &'a str,
    /// 名カナ.
    pub given_name_kana: &'a str,
    /// 職種名, exactly as in the file.
    pub position_name: &'a str,
    /// A valid RFC 5322 address.
    pub email: &'a str,
    /// 郵便番号.
    pub postal_code: &'a str,
    /// 都道府県名.
    pub prefecture: &'a str,
    /// 住所.
    pub address: &'a str,
    /// 生年月日.
    pub birthday: Option<NaiveDate>,
    /// 性別 as written.
    pub gender: &'a str,
    /// 電話番号1 and 2 (empty when not given).
    pub phones: [&'a str; 2],
}

/// How the error report names a row.
pub fn row_label(row: &Row<'_>, cols: &Columns) -> String {
    match row.get(cols.application_id).filter(|v| !v.is_empty()) {
        Some(id) => format!("{}行目 (応募ID {id})", row.number),
        None => format!("{}行目", row.number),
    }
}

/// Maps one row, or says why it cannot be imported.
pub fn map_row<'a>(row: &Row<'a>, cols: &Columns) -> Result<Applicant<'a>, String> {
    if row.len() < cols.width {
        return Err(format!(
            "列が足りません ({} / {} 列)。ファイルの途中で切れている可能性があります (row has {} of {} columns; the file may be cut off)",
            row.len(),
            cols.width,
            row.len(),
            cols.width
        ));
    }
    // Every column index is below the width checked above.
    let get = |i: usize| row.get(i).unwrap_or_default();
    let opt = |i: Option<usize>| i.map(|i| get(i).trim()).unwrap_or_default();
    let id = get(cols.application_id).trim();
    if id.is_empty() {
        return Err("応募IDが空です (no application id)".into());
    }
    let applied_raw = get(cols.applied_at);
    let applied_at = parse_applied_at(applied_raw).ok_or_else(|| {
        format!("応募日時「{applied_raw}」を読み取れません (unreadable application time)")
    })?;
    let family_name = get(cols.family_name).trim();
    if family_name.is_empty() {
        return Err("姓が空です (no family name)".into());
    }
    let email_raw = get(cols.email).trim();
    if let Err(problem) = email::validate(email_raw) {
        return Err(format!(
            "メールアドレス「{email_raw}」はRFCに準拠していないため取り込みません: {problem}"
        ));
    }
    let birthday = match opt(cols.birthday) {
        "" => None,
        b => Some(
            parse_birthday(b)
                .ok_or_else(|| format!("生年月日「{b}」を読み取れません (unreadable birthday)"))?,
        ),
    };
    Ok(Applicant {
        id,
        applied_at,
        family_name,
        given_name: opt(cols.given_name),
        family_name_kana: opt(cols.family_name_kana),
        given_name_kana: opt(cols.given_name_kana),
        // Exact, untrimmed: a rule matches the title character for character (C1.7).
        position_name: get(cols.position_name),
        email: email_raw,
        postal_code: opt(cols.postal_code),
        prefecture: opt(cols.prefecture),
        address: opt(cols.address),
        birthday,
        gender: opt(cols.gender),
        phones: [opt(cols.phone1), opt(cols.phone2)],
    })
}

/// Reused between rows so that writing a body allocates only the body.
#[derive(Debug, Default)]
pub struct BodyScratch {
    applied_at: String,
    birthday: String,
    note: String,
}

/// The HRMOS create body for an applicant (docs/contracts/hrmos.md).
pub fn to_hrmos(
    a: &Applicant<'_>,
    medium: Medium,
    placement: &Placement<'_>,
    scratch: &mut BodyScratch,
) -> ApplicantBody {
    let BodyScratch {
        applied_at,
        birthday,
        note,
    } = scratch;
    applied_at.clear();
    write_utc(a.applied_at, applied_at);
    birthday.clear();
    if let Some(d) = a.birthday {
        write_date(d, birthday);
    }
    let placement = match placement {
        Placement::Selection { job_id } => HrmosPlacement::selection(job_id),
        Placement::ImportQueue(why) => {
            note.clear();
            why.write_note(a.position_name, note);
            HrmosPlacement::import_queue(a.position_name, note)
        }
    };
    let phones = a.phones;
    let given = phones.iter().filter(|p| !p.is_empty()).count();
    // Phone 2 alone moves to the front.
    let phones = if phones[0].is_empty() {
        [phones[1], ""]
    } else {
        phones
    };
    let body = NewApplicant {
        applicant: ApplicantFields {
            address: a.address,
            applied_at,
            birthday: a.birthday.map(|_| birthday.as_str()),
            email: a.email,
            family_name: a.family_name,
            family_name_kana: a.family_name_kana,
            gender: a.gender,
            given_name: a.given_name,
            given_name_kana: a.given_name_kana,
            phones: &phones[..given],
            position_name: a.position_name,
            postal_code: a.postal_code,
            prefecture: a.prefecture,
        },
        placement,
        source: SourceKey {
            id: a.id,
            medium: medium.code(),
        },
    };
    ApplicantBody::new(&body)
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

    /// A row of `line`'s comma-separated fields, laid out as the reader lays them.
    fn with_row<T>(n: u64, line: &str, f: impl FnOnce(&Row<'_>) -> T) -> T {
        let mut text = String::new();
        let mut ends = Vec::new();
        for field in line.split(',') {
            text.push_str(field);
            ends.push(text.len());
        }
        let mut spans = Vec::new();
        f(&Row::laid_out(n, &text, &ends, &mut spans))
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
        let line = "A-1,2026/11/20 18:03,山田,太郎,ヤマダ,タロウ,営業職,100-0001,東京都,千代田区1-1,1990/04/01,男性,taro.@docomo.ne.jp,090-0000-0000,";
        with_row(7, line, |r| {
            let err = map_row(r, &cols).expect_err("rejected");
            assert!(
                err.contains("taro.@docomo.ne.jp") && err.contains("直前"),
                "{err}"
            );
            assert_eq!(row_label(r, &cols), "7行目 (応募ID A-1)");
        });
    }

    #[test]
    fn c1_10_the_body_is_its_own_canonical_json_so_its_hash_is_the_engines() {
        let cols = Columns::resolve(&ColumnMap::default(), &header()).expect("columns");
        let router = Router::new(&[], Medium::MynaviTenshoku, []);
        let mut scratch = BodyScratch::default();
        let line = "A-1,2026/11/20 18:03,山田,太郎,ヤマダ,タロウ,営業\"職,100-0001,東京都,千代田区1-1,,男性,taro@docomo.ne.jp,,080-1111-2222";
        with_row(2, line, |r| {
            let a = map_row(r, &cols).expect("valid");
            let body = to_hrmos(
                &a,
                Medium::MynaviTenshoku,
                &router.place(a.position_name),
                &mut scratch,
            );
            let value: serde_json::Value = serde_json::from_str(body.as_str()).expect("JSON");
            // The engine hashes a record's Value written out: keys sorted, compact.
            assert_eq!(value.to_string(), body.as_str());
            assert_eq!(
                value["applicant"]["applied_at"],
                "2026-11-20T09:03:00+00:00"
            );
            assert_eq!(value["applicant"]["birthday"], serde_json::Value::Null);
            assert_eq!(
                value["applicant"]["phones"],
                serde_json::json!(["080-1111-2222"])
            );
            assert_eq!(value["placement"]["kind"], "import_queue");
            assert_eq!(value["placement"]["position_name"], "営業\"職");
            assert_eq!(
                value["source"],
                serde_json::json!({"id": "A-1", "medium": "mynavi_tenshoku"})
            );
        });
    }
}
