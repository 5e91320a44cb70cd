//! The whole HRBrain → Mikiwame employee mapping (C3.3–C3.5): fields by their default
//! aliases, business names first, readings and 従業員番号 normalised, 主部署 resolved through
//! the organization to a 部署コード Mikiwame holds, 雇用形態 through the table of C3.4, and
//! 在籍状況 退職済み → 退職者フラグ. Matched by email, so an email HRBrain holds twice is
//! nobody's: all of its rows are rejected.

use super::{Record, employee_key};
use crate::kana::{half_width_code, katakana};
use chrono::NaiveDate;
use renkei_core::engine::Pulled;
use renkei_vendors::hrbrain::{Department as Item, Field, Member};
use renkei_vendors::mikiwame::{Employee, EmploymentType};
use std::collections::{HashMap, HashSet};

/// A field renkei reads: its HRBrain default alias and label.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Default alias (what the members endpoint is asked for).
    pub alias: &'static str,
    /// Default label (how a person finds it on HRBrain's screens).
    pub label: &'static str,
}

const fn col(alias: &'static str, label: &'static str) -> Column {
    Column { alias, label }
}

/// Every field of C3.3 by its HRBrain default (docs/contracts/hrbrain.md).
pub const COLUMNS: &[Column] = &[
    col("LastName", "氏"),
    col("FirstName", "名"),
    col("LastNameKana", "氏（カナ）"),
    col("FirstNameKana", "名（カナ）"),
    col("BusinessLastName", "ビジネスネーム（氏）"),
    col("BusinessFirstName", "ビジネスネーム（名）"),
    col("BusinessLastNameKana", "ビジネスネーム（氏カナ）"),
    col("BusinessFirstNameKana", "ビジネスネーム（名カナ）"),
    col("EmployeeNumber", "従業員番号"),
    col("BirthDate", "生年月日"),
    col("MainTeam", "主部署"),
    col("Job", "役職・職位"),
    col("Gender", "性別"),
    col("EmploymentStatus", "雇用形態"),
    col("Email", "メールアドレス"),
    col("EnrollmentStatus", "在籍状況"),
];

/// The aliases to ask the members endpoint for.
pub fn aliases() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.alias).collect()
}

/// C3.5: fields whose alias was changed from HRBrain's default, each named (empty: none).
pub fn renamed_fields(fields: &[Field]) -> Vec<String> {
    COLUMNS
        .iter()
        .filter(|c| !fields.iter().any(|f| f.alias.as_deref() == Some(c.alias)))
        .map(|c| match fields.iter().find(|f| f.label == c.label) {
            Some(f) => format!(
                "項目「{}」のエイリアスがデフォルトの「{}」から「{}」に変更されています",
                c.label,
                c.alias,
                f.alias.as_deref().unwrap_or("")
            ),
            None => format!(
                "項目「{}」（エイリアス「{}」）がHRBrainにありません。項目名をデフォルトに戻してください",
                c.label, c.alias
            ),
        })
        .collect()
}

/// C3.4: HRBrain's 雇用形態 → Mikiwame's. Only the default names map; anything else
/// (インターン, 短時間正社員, a company's own or a renamed type) is その他.
pub fn employment_type(hrbrain: &str) -> EmploymentType {
    match hrbrain.trim() {
        "正社員" => EmploymentType::Regular,
        "契約社員" => EmploymentType::Contract,
        "派遣" => EmploymentType::Dispatched,
        "パートタイム" | "アルバイト" | "バイト" => EmploymentType::PartTime,
        "業務委託" => EmploymentType::Outsourced,
        _ => EmploymentType::Other,
    }
}

/// 在籍状況 that sets 退職者フラグ (C3.3: only this one).
pub const RETIRED: &str = "退職済み";

/// What the mapping looks departments up in.
pub struct Departments<'a> {
    /// HRBrain's organization by item id.
    pub items: HashMap<&'a str, &'a Item>,
    /// The 部署コード Mikiwame holds.
    pub mikiwame: &'a HashSet<String>,
}

fn email_of(m: &Member) -> Option<String> {
    m.text("Email").map(|e| e.to_lowercase())
}

/// How the error file names a member: its email and HRBrain member id (two members may
/// share an email).
fn record_of(m: &Member) -> String {
    match email_of(m) {
        Some(e) => format!("{} (HRBrainメンバーID {})", employee_key(&e), m.id),
        None => format!("社員:HRBrainメンバーID {}", m.id),
    }
}

/// C3.5: the emails more than one member holds, and by how many.
///
/// Counted in a first pass over every member's Email alone, so that the second pass can
/// map and write one page at a time and still refuse every holder of a shared email,
/// wherever in the list the others are. Counting keeps 8 bytes per member (a 64-bit hash
/// of the lower-cased email), then only the shared ones: 0.8 MB at 100,000 people, where
/// holding the members took hundreds. Two different emails meet in one hash with a chance
/// of about n²/2⁶⁵ (3·10⁻¹⁰ at 100,000); both would then be refused as shared.
#[derive(Debug, Default)]
pub struct SharedEmails {
    holders: HashMap<u64, usize>,
}

/// The hash [`SharedEmails`] counts a member's email by (None: the member has no email).
pub fn email_hash(m: &Member) -> Option<u64> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    // DefaultHasher::new has fixed keys: the same email gives the same hash in both passes.
    email_of(m).map(|e| BuildHasherDefault::<DefaultHasher>::default().hash_one(e))
}

impl SharedEmails {
    /// From the [`email_hash`] of every member.
    pub fn count(mut hashes: Vec<u64>) -> Self {
        hashes.sort_unstable();
        let mut holders = HashMap::new();
        for run in hashes.chunk_by(|a, b| a == b).filter(|r| r.len() > 1) {
            holders.insert(run[0], run.len());
        }
        Self { holders }
    }

    /// How many members hold `m`'s email, when more than one does.
    fn shared(&self, m: &Member) -> Option<usize> {
        email_hash(m).and_then(|h| self.holders.get(&h).copied())
    }
}

/// Maps one page of members; `renamed` (from [`renamed_fields`]) rejects them all, naming
/// the fields, and an email in `shared` rejects each of its holders.
pub fn map_page(
    members: &[Member],
    renamed: &[String],
    shared: &SharedEmails,
    departments: &Departments<'_>,
) -> Vec<Pulled<Record>> {
    if !renamed.is_empty() {
        let reason = format!(
            "HRBrainの項目名がデフォルトから変更されているため連携できません: {}",
            renamed.join(" / ")
        );
        return members
            .iter()
            .map(|m| Pulled::Rejected {
                record: record_of(m),
                reason: reason.clone(),
            })
            .collect();
    }
    members
        .iter()
        .map(|m| {
            if let Some(n) = shared.shared(m) {
                let e = email_of(m).unwrap_or_default();
                return Pulled::Rejected {
                    record: record_of(m),
                    reason: format!(
                        "メールアドレス「{e}」がHRBrainの複数の社員（{n}名）に登録されています"
                    ),
                };
            }
            match map(m, departments) {
                Ok(emp) => Pulled::Ready {
                    key: employee_key(&emp.email),
                    payload: Record::Employee(emp),
                },
                Err(reason) => Pulled::Rejected {
                    record: record_of(m),
                    reason,
                },
            }
        })
        .collect()
}

/// A business name pair wins over the legal one when either half is set (※1 of seed 002).
fn pair(m: &Member, business: [&str; 2], legal: [&str; 2]) -> (Option<String>, Option<String>) {
    let b = (m.text(business[0]), m.text(business[1]));
    if b.0.is_some() || b.1.is_some() {
        b
    } else {
        (m.text(legal[0]), m.text(legal[1]))
    }
}

fn valid_email(e: &str) -> bool {
    let mut parts = e.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None)
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    ) && !e.chars().any(char::is_whitespace)
}

/// One member → one Mikiwame employee, or why not.
pub fn map(m: &Member, departments: &Departments<'_>) -> Result<Employee, String> {
    let email = email_of(m).ok_or("メールアドレスが入力されていません")?;
    if !valid_email(&email) {
        return Err(format!("メールアドレス「{email}」の形式が正しくありません"));
    }
    let (last, first) = pair(
        m,
        ["BusinessLastName", "BusinessFirstName"],
        ["LastName", "FirstName"],
    );
    let (Some(last_name), Some(first_name)) = (last, first) else {
        return Err("氏名（氏・名）が入力されていません".into());
    };
    let (last_kana, first_kana) = pair(
        m,
        ["BusinessLastNameKana", "BusinessFirstNameKana"],
        ["LastNameKana", "FirstNameKana"],
    );
    let (Some(last_kana), Some(first_kana)) = (last_kana, first_kana) else {
        return Err("氏名カナ（氏（カナ）・名（カナ））が入力されていません".into());
    };
    let employee_number = m
        .text("EmployeeNumber")
        .map(|n| half_width_code(&n))
        .transpose()?;
    let birthday = m
        .text("BirthDate")
        .map(|b| {
            NaiveDate::parse_from_str(&b, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(&b, "%Y/%m/%d"))
                .map(|d| d.format("%Y-%m-%d").to_string())
                .map_err(|_| format!("生年月日「{b}」を日付として読めません"))
        })
        .transpose()?;
    let department_code = match m.text("MainTeam") {
        None => None,
        Some(id) => {
            let item = departments.items.get(id.as_str()).ok_or(format!(
                "主部署（項目ID {id}）がHRBrainの組織図にありません"
            ))?;
            let Some(code) = item.code.clone() else {
                return Err(format!(
                    "主部署「{}」に組織情報コードがないため、ミキワメに所属部署がありません",
                    item.name
                ));
            };
            if !departments.mikiwame.contains(&code) {
                return Err(format!(
                    "所属部署「{}」（部署コード {code}）がミキワメに登録されていません。先に部署を同期してください",
                    item.name
                ));
            }
            Some(code)
        }
    };
    Ok(Employee {
        email,
        last_name,
        first_name,
        last_name_kana: katakana(&last_kana)?,
        first_name_kana: katakana(&first_kana)?,
        employee_number,
        birthday,
        department_code,
        position: m.text("Job"),
        gender: m.text("Gender"),
        employment_type: m.text("EmploymentStatus").map(|t| employment_type(&t)),
        retired: m.text("EnrollmentStatus").as_deref() == Some(RETIRED),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn member(id: &str, fields: &[(&str, &str)]) -> Member {
        serde_json::from_value(json!({
            "id": id,
            "fields": fields.iter().map(|(a, v)| json!({"id": a, "alias": a, "type": "string", "value": v})).collect::<Vec<_>>(),
        }))
        .expect("member")
    }

    fn base(email: &str) -> Vec<(&'static str, String)> {
        vec![
            ("LastName", "山田".into()),
            ("FirstName", "太郎".into()),
            ("LastNameKana", "やまだ".into()),
            ("FirstNameKana", "ﾀﾛｳ".into()),
            ("Email", email.into()),
        ]
    }

    fn with(email: &str, extra: &[(&'static str, &str)]) -> Member {
        let mut f = base(email);
        f.extend(extra.iter().map(|(a, v)| (*a, v.to_string())));
        let refs: Vec<(&str, &str)> = f.iter().map(|(a, v)| (*a, v.as_str())).collect();
        member("m1", &refs)
    }

    fn empty_departments(codes: &HashSet<String>) -> Departments<'_> {
        Departments {
            items: HashMap::new(),
            mikiwame: codes,
        }
    }

    #[test]
    fn c3_4_employment_types_follow_the_table() {
        use EmploymentType::*;
        for (h, m) in [
            ("正社員", Regular),
            ("契約社員", Contract),
            ("派遣", Dispatched),
            ("パートタイム", PartTime),
            ("アルバイト", PartTime),
            ("バイト", PartTime),
            ("業務委託", Outsourced),
            ("インターン", Other),
            ("短時間正社員", Other),
            ("正社員（地域限定）", Other),
            ("派遣社員", Other),
        ] {
            assert_eq!(employment_type(h), m, "{h}");
        }
    }

    #[test]
    fn c3_3_business_names_win_and_readings_become_katakana() {
        let codes = HashSet::new();
        let m = with(
            "Taro@Example.jp",
            &[
                ("BusinessLastName", "Yamada"),
                ("BusinessFirstName", "Taro"),
                ("BusinessLastNameKana", "ヤマダ"),
                ("BusinessFirstNameKana", "たろう"),
                ("EmployeeNumber", "０００７"),
                ("BirthDate", "1990/04/01"),
                ("EnrollmentStatus", "退職済み"),
                ("EmploymentStatus", "バイト"),
            ],
        );
        let e = map(&m, &empty_departments(&codes)).expect("maps");
        assert_eq!(
            (e.last_name.as_str(), e.first_name.as_str()),
            ("Yamada", "Taro")
        );
        assert_eq!(e.first_name_kana, "タロウ");
        assert_eq!(e.email, "taro@example.jp", "the key is case-insensitive");
        assert_eq!(e.employee_number.as_deref(), Some("0007"));
        assert_eq!(e.birthday.as_deref(), Some("1990-04-01"));
        assert!(e.retired);
        assert_eq!(e.employment_type, Some(EmploymentType::PartTime));
        let legal = map(
            &with("a@example.jp", &[("EnrollmentStatus", "在籍中")]),
            &empty_departments(&codes),
        )
        .expect("maps");
        assert_eq!(
            (legal.last_name.as_str(), legal.first_name_kana.as_str()),
            ("山田", "タロウ")
        );
        assert!(!legal.retired, "only 退職済み sets the flag");
    }

    #[test]
    fn c3_5_duplicate_emails_reject_every_row_and_renamed_fields_are_named() {
        let codes = HashSet::new();
        let d = empty_departments(&codes);
        let members = [
            with("dup@example.jp", &[]),
            with("DUP@example.jp", &[]),
            with("ok@example.jp", &[]),
        ];
        let shared = SharedEmails::count(members.iter().filter_map(email_hash).collect());
        // Each page alone: the shared email is refused on the page without its twin too.
        let out: Vec<_> = members
            .iter()
            .flat_map(|m| map_page(std::slice::from_ref(m), &[], &shared, &d))
            .collect();
        assert!(matches!(&out[0], Pulled::Rejected { reason, .. } if reason.contains("2名")));
        assert!(matches!(&out[1], Pulled::Rejected { .. }));
        assert!(matches!(&out[2], Pulled::Ready { .. }));
        let fields = vec![Field {
            id: "f".into(),
            label: "性別".into(),
            alias: Some("Sex".into()),
            organization_id: None,
        }];
        let renamed = renamed_fields(&fields);
        assert!(
            renamed
                .iter()
                .any(|r| r.contains("性別") && r.contains("Sex") && r.contains("Gender")),
            "{renamed:?}"
        );
        let out = map_page(&members[2..], &renamed, &SharedEmails::default(), &d);
        assert!(matches!(&out[0], Pulled::Rejected { reason, .. } if reason.contains("Sex")));
    }
}
