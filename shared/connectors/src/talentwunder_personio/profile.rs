//! C4.3/C4.4: a profile as Talentwunder sends it (docs/contracts/talentwunder.md), and why
//! one cannot be filed, found before any call.

use base64::Engine as _;
use renkei_vendors::personio::{DOCUMENT_EXTENSIONS, MAX_DOCUMENT_BYTES};
use serde::{Deserialize, Serialize};

/// A CV as Talentwunder sends it: a URL to fetch, or the document itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cv {
    /// The file's name (its extension decides whether Personio takes it).
    pub file_name: String,
    /// Where to fetch it (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The document, base64 (small files only: the whole request is at most 256 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
}

/// A profile as Talentwunder sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Talentwunder's id of the profile.
    #[serde(default)]
    pub profile_id: Option<String>,
    /// Vorname.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Nachname.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-Mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Telefon.
    #[serde(default)]
    pub phone: Option<String>,
    /// Ort.
    #[serde(default)]
    pub location: Option<String>,
    /// Aktuelle Position.
    #[serde(default)]
    pub current_title: Option<String>,
    /// Aktuelles Unternehmen.
    #[serde(default)]
    pub current_company: Option<String>,
    /// The profile on Talentwunder (or the network it was found on).
    #[serde(default)]
    pub profile_url: Option<String>,
    /// Lebenslauf.
    #[serde(default)]
    pub cv: Option<Cv>,
}

impl Profile {
    /// How a recruiter finds the profile: name and email, else Talentwunder's id.
    pub fn label(&self) -> String {
        let name = [&self.first_name, &self.last_name]
            .iter()
            .filter_map(|s| s.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .collect::<Vec<_>>()
            .join(" ");
        let email = self.email.as_deref().map(str::trim).unwrap_or_default();
        let who = match (name.is_empty(), email.is_empty()) {
            (false, false) => format!("{name} <{email}>"),
            (false, true) => name,
            (true, false) => format!("<{email}>"),
            (true, true) => "(no name, no email)".into(),
        };
        match &self.profile_id {
            Some(id) => format!("{who} [Talentwunder {id}]"),
            None => who,
        }
    }

    /// The email as Personio's duplicate rule compares it.
    pub fn email_key(&self) -> String {
        self.email
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_lowercase()
    }
}

/// Why a profile cannot be filed, found before any call (C4.4).
pub fn check(p: &Profile) -> Result<(), String> {
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    let mut missing = Vec::new();
    if blank(&p.first_name) {
        missing.push("first name");
    }
    if blank(&p.last_name) {
        missing.push("last name");
    }
    if blank(&p.email) {
        missing.push("email");
    }
    if !missing.is_empty() {
        return Err(format!("missing {}", missing.join(", ")));
    }
    for (what, v) in [
        ("first name", &p.first_name),
        ("last name", &p.last_name),
        ("email", &p.email),
        ("phone", &p.phone),
        ("location", &p.location),
    ] {
        if v.as_deref().is_some_and(|s| s.chars().count() > 255) {
            return Err(format!("{what} is longer than 255 characters"));
        }
    }
    let email = p.email.as_deref().unwrap_or_default().trim();
    if !valid_email(email) {
        return Err(format!("bad email address {email:?}"));
    }
    if let Some(url) = &p.profile_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(format!("profile URL {url:?} is not a web address"));
    }
    if let Some(cv) = &p.cv {
        check_cv(cv)?;
    }
    Ok(())
}

/// An address Personio can take: one `@`, a local part, a dotted domain, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !local.starts_with('.')
        && !local.ends_with('.')
}

/// The extension of a file name, lower-case.
pub fn extension(file_name: &str) -> Option<String> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_lowercase())
}

fn check_cv(cv: &Cv) -> Result<(), String> {
    let name = cv.file_name.trim();
    match extension(name) {
        Some(ext) if DOCUMENT_EXTENSIONS.contains(&ext.as_str()) => {}
        Some(ext) => {
            return Err(format!(
                "CV {name:?}: Personio does not accept .{ext} files (it takes {})",
                DOCUMENT_EXTENSIONS.join(", ")
            ));
        }
        None => return Err(format!("CV {name:?} has no file extension")),
    }
    match (&cv.url, &cv.content_base64) {
        (Some(_), Some(_)) => Err(format!("CV {name:?}: give a URL or the content, not both")),
        (None, None) => Err(format!("CV {name:?}: neither a URL nor the content")),
        (Some(url), None) if !renkei_vendors::talentwunder::fetchable(url) => {
            Err(format!("CV {name:?}: {url:?} is not an https URL"))
        }
        (Some(_), None) => Ok(()),
        (None, Some(b64)) => {
            let bytes = decode_cv(b64).map_err(|e| format!("CV {name:?}: {e}"))?;
            if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
                return Err(format!(
                    "CV {name:?} is {} bytes; Personio takes at most 20 MB",
                    bytes.len()
                ));
            }
            if bytes.is_empty() {
                return Err(format!("CV {name:?} is empty"));
            }
            Ok(())
        }
    }
}

/// A base64 CV's bytes.
pub fn decode_cv(b64: &str) -> Result<Vec<u8>, String> {
    let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        .map_err(|e| format!("content is not base64 ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(first: &str, last: &str, email: &str) -> Profile {
        Profile {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            email: Some(email.into()),
            ..Profile::default()
        }
    }

    #[test]
    fn c4_4_missing_name_or_email_and_bad_emails_are_named() {
        assert_eq!(
            check(&p("Jürgen", "Müller", "j.mueller@example.de")),
            Ok(())
        );
        assert_eq!(
            check(&p(" ", "Müller", "")),
            Err("missing first name, email".into())
        );
        for bad in [
            "no-at.example.de",
            "a@b",
            "a@@b.de",
            "a b@c.de",
            "a@.de",
            "a@b..de",
        ] {
            let err = check(&p("A", "B", bad)).expect_err(bad);
            assert!(err.contains("bad email"), "{bad}: {err}");
        }
    }

    #[test]
    fn c4_4_a_cv_of_a_refused_type_or_too_big_is_named_before_any_call() {
        let mut x = p("A", "B", "a@b.de");
        x.cv = Some(Cv {
            file_name: "cv.exe".into(),
            url: Some("https://x.example/cv.exe".into()),
            content_base64: None,
        });
        assert!(check(&x).expect_err("exe").contains("does not accept .exe"));
        x.cv = Some(Cv {
            file_name: "Lebenslauf.PDF".into(),
            url: None,
            content_base64: Some("JVBERi0xLjQK".into()),
        });
        assert_eq!(check(&x), Ok(()));
        x.cv = Some(Cv {
            file_name: "cv.pdf".into(),
            url: Some("http://10.0.0.1/cv.pdf".into()),
            content_base64: None,
        });
        assert!(check(&x).expect_err("http").contains("not an https URL"));
    }
}
