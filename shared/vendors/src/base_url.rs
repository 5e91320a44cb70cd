//! Base URLs as customers paste them.

use renkei_core::setup::{ProblemKind, SetupProblem, SetupProblems};

/// A URL entered in a setting that is not an absolute http(s) URL (`localhost:8790/kaonavi`:
/// no scheme). Every call to it would fail before reaching anyone, so setup refuses it at
/// once, naming the setting, instead of retrying it like an outage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {value:?} is not a URL (https://…)")]
pub struct NotAUrl {
    /// The setting it was entered in (`kaonavi_url`; the CLI's flag is `--kaonavi-url`).
    pub field: &'static str,
    /// What was entered.
    pub value: String,
}

impl NotAUrl {
    /// The setup problem it is: a setting to fix, blamed on its field.
    pub fn problem(&self) -> SetupProblem {
        SetupProblem::new(
            ProblemKind::Setting,
            format!("{:?} is not a URL (https://…)", self.value),
        )
        .at(self.field)
    }
}

impl From<NotAUrl> for SetupProblems {
    fn from(e: NotAUrl) -> Self {
        e.problem().into()
    }
}

/// Whether `value` is an absolute http or https URL with a host.
pub fn is_url(value: &str) -> bool {
    url::Url::parse(value.trim()).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    })
}

/// A client's base URL: every call to one that is not a URL would fail before reaching the
/// vendor, so the client is refused (Permanent) instead of retrying each call like an
/// outage. Empty is for clients that call whole URLs.
pub fn usable(vendor: &'static str, base_url: &str) -> Result<(), crate::VendorError> {
    if base_url.is_empty() || is_url(base_url) {
        return Ok(());
    }
    Err(crate::VendorError::Permanent {
        vendor,
        status: 0,
        message: format!("{base_url:?} is not a URL (https://…)"),
    })
}

/// Checks a URL a person entered in `field` (see [`NotAUrl`]).
pub fn check(field: &'static str, value: &str) -> Result<(), NotAUrl> {
    if is_url(value) {
        Ok(())
    } else {
        Err(NotAUrl {
            field,
            value: value.to_string(),
        })
    }
}

/// A vendor's base URL as the client joins paths to it: without a trailing slash and without
/// the API's version prefix when the customer pasted the documented API base (e.g.
/// `https://host/api/v1`), so that both forms a vendor's documentation shows work alike.
pub fn api_root(base_url: &str, version_prefix: &str) -> String {
    let url = base_url.trim_end_matches('/');
    url.strip_suffix(version_prefix).unwrap_or(url).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_without_a_scheme_is_not_a_url_and_names_its_setting() {
        for value in [
            "localhost:8790/kaonavi",
            "127.0.0.1:8790/kaonavi",
            "kaonavi.jp/api/v2.0",
            "",
            "ftp://x.example",
        ] {
            let e = check("kaonavi_url", value).expect_err(value);
            let p = e.problem();
            assert_eq!(p.kind, ProblemKind::Setting);
            assert_eq!(p.field.as_deref(), Some("kaonavi_url"));
            assert!(
                p.message.ends_with("is not a URL (https://…)"),
                "{}",
                p.message
            );
        }
        for value in [
            "https://api.kaonavi.jp/api/v2.0",
            "http://127.0.0.1:8790/kaonavi",
            "http://localhost:8790/kaonavi/",
        ] {
            assert!(check("kaonavi_url", value).is_ok(), "{value}");
        }
    }

    #[test]
    fn a_base_url_works_with_or_without_the_documented_api_prefix() {
        for url in [
            "https://x.example/hrmos",
            "https://x.example/hrmos/",
            "https://x.example/hrmos/api/v1",
            "https://x.example/hrmos/api/v1/",
        ] {
            assert_eq!(api_root(url, "/api/v1"), "https://x.example/hrmos", "{url}");
        }
    }
}
