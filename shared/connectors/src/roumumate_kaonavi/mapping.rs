//! The whole Roumumate → Kaonavi mapping (C2.2, C2.3, C2.5, C2.6): a raw Roumumate employee
//! becomes a Kaonavi member, is skipped (out of scope), or is rejected with a reason.

use super::Settings;
use chrono::NaiveDate;
use renkei_core::engine::Pulled;
use renkei_vendors::kaonavi::MemberData;
use renkei_vendors::roumumate::RawEmployee;
use serde::{Deserialize, Serialize};

/// 社員番号: opaque text (leading zeros are kept), 1–50 characters (Kaonavi's `code`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmployeeNumber(String);

impl EmployeeNumber {
    /// Parses a 社員番号.
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        let v = raw.map_or("", str::trim);
        if v.is_empty() {
            return Err("社員番号がありません (employee number missing)".into());
        }
        if v.chars().count() > 50 {
            return Err(format!(
                "社員番号「{v}」が50文字を超えています (longer than 50)"
            ));
        }
        Ok(Self(v.to_string()))
    }
    /// As text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 従業員ステータス.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmployeeStatus {
    /// 応募者.
    Applicant,
    /// 入社手続き中.
    Onboarding,
    /// 在籍.
    Active,
    /// 休職.
    OnLeave,
    /// 退職.
    Left,
}

impl EmployeeStatus {
    fn parse(raw: Option<&str>) -> Result<Self, String> {
        Ok(match raw.unwrap_or("") {
            "applicant" => Self::Applicant,
            "onboarding" => Self::Onboarding,
            "active" => Self::Active,
            "on_leave" => Self::OnLeave,
            "left" => Self::Left,
            other => {
                return Err(format!(
                    "従業員ステータス「{other}」を解釈できません (unknown status)"
                ));
            }
        })
    }
}

/// Kaonavi's length limit for 氏名 and フリガナ.
const NAME_MAX: usize = 100;

/// Maps one employee (C2.2 scope, C2.3 filters, C2.5 fields, C2.6 gender).
pub fn map(raw: &RawEmployee, settings: &Settings) -> Pulled<MemberData> {
    let status = match EmployeeStatus::parse(raw.status.as_deref()) {
        Ok(s) => s,
        Err(reason) => return reject(raw, reason),
    };
    // C2.2: applicants and leavers are never sent, nor anyone whose data entry is unfinished.
    if matches!(status, EmployeeStatus::Applicant | EmployeeStatus::Left)
        || raw.state.as_deref() != Some("data_entry_complete")
    {
        return Pulled::Skipped;
    }
    let hire_date = match date(raw.hire_date.as_deref(), "入社日") {
        Ok(d) => d,
        Err(reason) => return reject(raw, reason),
    };
    if !settings.filter.admits(raw, hire_date) {
        return Pulled::Skipped;
    }
    match member(raw, settings, hire_date) {
        Ok(m) => Pulled::Ready {
            key: m.code.clone(),
            payload: m,
        },
        Err(reason) => reject(raw, reason),
    }
}

fn reject(raw: &RawEmployee, reason: String) -> Pulled<MemberData> {
    let record = match raw.employee_number.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => format!("roumumate:{}", raw.id),
    };
    Pulled::Rejected { record, reason }
}

fn member(
    raw: &RawEmployee,
    settings: &Settings,
    hire_date: Option<NaiveDate>,
) -> Result<MemberData, String> {
    let code = EmployeeNumber::parse(raw.employee_number.as_deref())?;
    let business = raw
        .business_name
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty());
    // C2.5: a business name and its reading win over the legal name.
    let (name, kana) = match business {
        Some(b) => (
            join_words(b),
            raw.business_name_kana
                .as_deref()
                .map(join_words)
                .filter(|k| !k.is_empty()),
        ),
        None => {
            let (Some(last), Some(first)) = (nonblank(&raw.last_name), nonblank(&raw.first_name))
            else {
                return Err("氏名 (姓・名) がありません (family or given name missing)".into());
            };
            let kana = match (
                nonblank(&raw.last_name_kana),
                nonblank(&raw.first_name_kana),
            ) {
                (Some(l), Some(f)) => Some(format!("{} {}", join_words(l), join_words(f))),
                _ => None,
            };
            (format!("{} {}", join_words(last), join_words(first)), kana)
        }
    };
    if name.chars().count() > NAME_MAX {
        return Err(format!(
            "氏名が{NAME_MAX}文字を超えています ({} characters)",
            name.chars().count()
        ));
    }
    let kana = match kana {
        Some(k) => Some(katakana(&k)?),
        None => None,
    };
    if let Some(k) = &kana
        && k.chars().count() > NAME_MAX
    {
        return Err(format!(
            "フリガナが{NAME_MAX}文字を超えています ({} characters)",
            k.chars().count()
        ));
    }
    let gender = match nonblank(&raw.gender) {
        None => None,
        Some(g) => Some(settings.gender_map.get(g).cloned().ok_or_else(|| {
            format!(
                "性別「{g}」がカオナビの選択肢に紐づけられていません (gender option not mapped)"
            )
        })?),
    };
    let birthday = date(raw.birth_date.as_deref(), "生年月日")?;
    let fmt = |d: Option<NaiveDate>| {
        Some(
            d.map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        )
    };
    Ok(MemberData {
        code: code.as_str().to_string(),
        name: Some(name),
        name_kana: kana,
        gender,
        birthday: fmt(birthday),
        entered_date: fmt(hire_date),
    })
}

fn nonblank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn date(raw: Option<&str>, label: &str) -> Result<Option<NaiveDate>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{label}「{s}」は正しい日付ではありません (invalid date)")),
    }
}

/// Collapses any run of spaces (half- or full-width) to one half-width space.
fn join_words(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{3000}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub use crate::kana::katakana;
