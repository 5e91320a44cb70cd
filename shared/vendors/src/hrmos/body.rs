//! The create request's body: its shape (borrowed, sorted like the engine's canonical
//! JSON) and its one hand-written serialisation.

use serde::Serialize;

/// An applicant to create (`POST /api/v1/applicants`), borrowed from where it was read:
/// building one allocates nothing; [`ApplicantBody::new`] writes it once.
///
/// Fields are declared in the order of their JSON names, and `placement` is a flat struct
/// rather than a tagged enum, so the body comes out with sorted keys: the same bytes as
/// the engine's canonical form (a `serde_json::Value` written out), which it hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NewApplicant<'a> {
    /// The person.
    pub applicant: ApplicantFields<'a>,
    /// 選考管理 or 応募情報インポート.
    pub placement: HrmosPlacement<'a>,
    /// The idempotency key: 媒体 and the medium's applicant id.
    pub source: SourceKey<'a>,
}

/// 媒体 + source applicant id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourceKey<'a> {
    /// The medium's applicant id.
    pub id: &'a str,
    /// Medium code.
    pub medium: &'a str,
}

/// Where the applicant goes: `{"kind":"selection","job_id"}` or
/// `{"kind":"import_queue","position_name","note"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HrmosPlacement<'a> {
    /// HRMOS job id (selection only).
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<&'a str>,
    kind: &'static str,
    /// Why it was not routed (import queue only).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    /// 職種名 as applied for (import queue only).
    #[serde(skip_serializing_if = "Option::is_none")]
    position_name: Option<&'a str>,
}

impl<'a> HrmosPlacement<'a> {
    /// 選考管理 for a job.
    pub fn selection(job_id: &'a str) -> Self {
        Self {
            job_id: Some(job_id),
            kind: "selection",
            note: None,
            position_name: None,
        }
    }

    /// 応募情報インポート, with a note telling the recruiter what to fix.
    pub fn import_queue(position_name: &'a str, note: &'a str) -> Self {
        Self {
            job_id: None,
            kind: "import_queue",
            note: Some(note),
            position_name: Some(position_name),
        }
    }

    /// The job, when it goes to 選考管理.
    pub fn job_id(&self) -> Option<&'a str> {
        self.job_id
    }
}

/// The applicant's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ApplicantFields<'a> {
    /// 住所.
    pub address: &'a str,
    /// 応募日時 (RFC 3339, UTC).
    pub applied_at: &'a str,
    /// 生年月日 (YYYY-MM-DD).
    pub birthday: Option<&'a str>,
    /// Email.
    pub email: &'a str,
    /// 姓.
    pub family_name: &'a str,
    /// 姓カナ.
    pub family_name_kana: &'a str,
    /// 性別 as written.
    pub gender: &'a str,
    /// 名.
    pub given_name: &'a str,
    /// 名カナ.
    pub given_name_kana: &'a str,
    /// Phone numbers.
    pub phones: &'a [&'a str],
    /// 職種名.
    pub position_name: &'a str,
    /// 郵便番号.
    pub postal_code: &'a str,
    /// 都道府県名.
    pub prefecture: &'a str,
}

/// A create request's JSON body, written once: the record the engine hashes and the bytes
/// that are sent (and resent on a retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantBody(String);

impl ApplicantBody {
    /// Writes `applicant` out as `serde_json` would (the test below holds them equal), by
    /// hand: one allocation of the body's size, no second pass to check it is UTF-8.
    pub fn new(a: &NewApplicant<'_>) -> Self {
        let f = &a.applicant;
        let p = &a.placement;
        let mut out = String::with_capacity(BODY_BASE + a.text_len());
        out.push_str("{\"applicant\":{\"address\":");
        json_str(&mut out, f.address);
        out.push_str(",\"applied_at\":");
        json_str(&mut out, f.applied_at);
        out.push_str(",\"birthday\":");
        match f.birthday {
            Some(b) => json_str(&mut out, b),
            None => out.push_str("null"),
        }
        for (name, value) in [
            (",\"email\":", f.email),
            (",\"family_name\":", f.family_name),
            (",\"family_name_kana\":", f.family_name_kana),
            (",\"gender\":", f.gender),
            (",\"given_name\":", f.given_name),
            (",\"given_name_kana\":", f.given_name_kana),
        ] {
            out.push_str(name);
            json_str(&mut out, value);
        }
        out.push_str(",\"phones\":[");
        for (i, phone) in f.phones.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(&mut out, phone);
        }
        out.push(']');
        for (name, value) in [
            (",\"position_name\":", f.position_name),
            (",\"postal_code\":", f.postal_code),
            (",\"prefecture\":", f.prefecture),
        ] {
            out.push_str(name);
            json_str(&mut out, value);
        }
        out.push_str("},\"placement\":{");
        if let Some(job) = p.job_id {
            out.push_str("\"job_id\":");
            json_str(&mut out, job);
            out.push(',');
        }
        out.push_str("\"kind\":");
        json_str(&mut out, p.kind);
        if let Some(note) = p.note {
            out.push_str(",\"note\":");
            json_str(&mut out, note);
        }
        if let Some(position) = p.position_name {
            out.push_str(",\"position_name\":");
            json_str(&mut out, position);
        }
        out.push_str("},\"source\":{\"id\":");
        json_str(&mut out, a.source.id);
        out.push_str(",\"medium\":");
        json_str(&mut out, a.source.medium);
        out.push_str("}}");
        Self(out)
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The body's names and punctuation, about: the capacity beyond its values.
const BODY_BASE: usize = 320;

impl NewApplicant<'_> {
    /// The length of every value, about the body's size beyond [`BODY_BASE`].
    fn text_len(&self) -> usize {
        let f = &self.applicant;
        let p = &self.placement;
        [
            f.address,
            f.applied_at,
            f.birthday.unwrap_or_default(),
            f.email,
            f.family_name,
            f.family_name_kana,
            f.gender,
            f.given_name,
            f.given_name_kana,
            f.position_name,
            f.postal_code,
            f.prefecture,
            p.job_id.unwrap_or_default(),
            p.note.unwrap_or_default(),
            p.position_name.unwrap_or_default(),
            self.source.id,
        ]
        .iter()
        .map(|v| v.len())
        .sum::<usize>()
            + f.phones.iter().map(|v| v.len() + 3).sum::<usize>()
    }
}

/// `s` as a JSON string, escaped as serde_json escapes: `"` and `\\`, the short forms
/// of backspace, form feed, line feed, carriage return and tab, `\\u00xx` for the other
/// control characters.
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    // Most values need no escape: one pass without early exit, accumulated in a byte so
    // that it vectorises, then one copy.
    let mut special = 0u8;
    for &b in s.as_bytes() {
        special |= u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\');
    }
    if special == 0 {
        out.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.push_str("\\u00");
                    out.push(char::from(HEX[(c as usize) >> 4]));
                    out.push(char::from(HEX[(c as usize) & 0xF]));
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

impl Serialize for ApplicantBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // As the JSON it is (this path is for generic callers; the engine takes as_str).
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_hand_written_body_is_what_serde_json_writes() {
        let tricky = "営業\"職\\東京\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é";
        let fields = ApplicantFields {
            address: tricky,
            applied_at: "2026-11-20T09:03:00+00:00",
            birthday: None,
            email: "a@b.jp",
            family_name: "山田",
            family_name_kana: "",
            gender: "男性",
            given_name: tricky,
            given_name_kana: "タロウ",
            phones: &["090-1", "\"2\""],
            position_name: tricky,
            postal_code: "100-0001",
            prefecture: "東京都",
        };
        for (placement, birthday, phones) in [
            (
                HrmosPlacement::selection("J\"1"),
                Some("1990-04-01"),
                &["090-1"][..],
            ),
            (HrmosPlacement::import_queue(tricky, tricky), None, &[][..]),
            (HrmosPlacement::import_queue("x", "y"), None, fields.phones),
        ] {
            let a = NewApplicant {
                applicant: ApplicantFields {
                    birthday,
                    phones,
                    ..fields
                },
                placement,
                source: SourceKey {
                    id: tricky,
                    medium: "mynavi_tenshoku",
                },
            };
            let body = ApplicantBody::new(&a);
            assert_eq!(body.as_str(), serde_json::to_string(&a).expect("json"));
            // …and sorted, as the engine's canonical form is.
            let v: Value = serde_json::from_str(body.as_str()).expect("parses");
            assert_eq!(v.to_string(), body.as_str());
        }
    }
}
