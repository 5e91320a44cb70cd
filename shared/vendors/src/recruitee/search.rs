//! Finding a candidate by email or profile link: Recruitee's search
//! (`GET /search/new/candidates`, docs.recruitee.com/reference/searchnewcandidates, filter
//! `{"field":"all","query":…}`) is fuzzy, so every hit is matched exactly afterwards (as
//! pier-digital/recruitee-ruby's `find_by_email` does), and never a near miss is taken for
//! the candidate: an export or a mail stub must not create a duplicate, nor land on someone
//! else.

use super::{Candidate, RecruiteeClient, VendorError, parse};
use serde::Deserialize;

/// A hit of `GET /search/new/candidates`: only what exact matching needs (a hit may not
/// carry every field of a candidate; the candidate itself is read afterwards).
#[derive(Deserialize)]
struct Hit {
    id: u64,
    #[serde(default)]
    emails: Vec<String>,
    #[serde(default)]
    social_links: Option<Vec<String>>,
}
#[derive(Deserialize)]
struct SearchReply {
    hits: Vec<Hit>,
}

/// Hits a search reads: the search is fuzzy and ranked, an exact match is among the first.
const SEARCH_LIMIT: u32 = 100;

/// Whether two email addresses are the same (case-insensitive, surrounding space ignored).
pub fn same_email(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.to_lowercase() == b.to_lowercase()
}

/// A profile link as compared: no scheme, no `www.` or country subdomain of linkedin.com,
/// no query, fragment or trailing slash, lower case (`https://de.linkedin.com/in/Maria/` and
/// `linkedin.com/in/maria` are one profile).
pub fn profile_key(url: &str) -> String {
    let s = url.trim().to_lowercase();
    let s = s
        .split_once("://")
        .map_or(s.as_str(), |(_, rest)| rest)
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    let (host, path) = s.split_once('/').unwrap_or((s.as_str(), ""));
    let host = host.strip_prefix("www.").unwrap_or(host);
    let host = match host.split_once('.') {
        Some((sub, "linkedin.com")) if sub.len() == 2 => "linkedin.com",
        _ => host,
    };
    if path.is_empty() {
        host.to_string()
    } else {
        format!("{host}/{path}")
    }
}

/// Whether two profile links name the same profile (see [`profile_key`]).
pub fn same_profile(a: &str, b: &str) -> bool {
    !a.trim().is_empty() && profile_key(a) == profile_key(b)
}

impl RecruiteeClient {
    /// The search's hits for `text` (`GET /search/new/candidates`, filter `all`), best
    /// first. Fuzzy: a hit may merely resemble `text`.
    async fn search(&self, text: &str) -> Result<Vec<Hit>, VendorError> {
        let filters = serde_json::json!([{"field": "all", "query": text}]);
        let q = [
            ("filters_json", filters.to_string()),
            ("limit", SEARCH_LIMIT.to_string()),
            ("sort_by", "relevance_desc".to_string()),
        ];
        let reply = self.get("/search/new/candidates", &q).await?;
        Ok(parse::<SearchReply>(&reply.body, "search")?.hits)
    }

    /// The candidate with exactly this email address (case aside), if any.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<Candidate>, VendorError> {
        if email.trim().is_empty() {
            return Ok(None);
        }
        for hit in self.search(email.trim()).await? {
            if !hit.emails.iter().any(|e| same_email(e, email)) {
                continue;
            }
            // Read it whole (and confirm: it may have changed since it was indexed).
            if let Some(c) = self.candidate(hit.id).await?
                && c.emails.iter().any(|e| same_email(e, email))
            {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    /// The candidate with a profile link that names the same profile as `url`, if any.
    pub async fn find_by_profile_url(&self, url: &str) -> Result<Option<Candidate>, VendorError> {
        if url.trim().is_empty() {
            return Ok(None);
        }
        let matches = |links: &[String]| links.iter().any(|l| same_profile(l, url));
        for hit in self.search(url.trim()).await? {
            if hit.social_links.as_deref().is_some_and(|l| !matches(l)) {
                continue;
            }
            // A hit without its links is read whole to be compared.
            if let Some(c) = self.candidate(hit.id).await?
                && matches(&c.social_links)
            {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c5_14_emails_match_only_when_equal_apart_from_case() {
        assert!(same_email(
            " Maria.Schulz@Example.net",
            "maria.schulz@example.net"
        ));
        assert!(!same_email(
            "ria.schulz@example.net",
            "maria.schulz@example.net"
        ));
        assert!(!same_email(
            "maria.schulz@example.net.au",
            "maria.schulz@example.net"
        ));
        assert!(!same_email("", ""));
    }

    #[test]
    fn c5_14_profile_links_match_the_same_profile_however_written() {
        let key = "linkedin.com/in/maria";
        for url in [
            "https://www.linkedin.com/in/maria",
            "http://de.linkedin.com/in/Maria/",
            "linkedin.com/in/maria?trk=public_profile#top",
        ] {
            assert_eq!(profile_key(url), key, "{url}");
        }
        assert!(!same_profile("https://www.linkedin.com/in/maria-2", key));
        assert!(!same_profile("https://www.linkedin.com/in/mari", key));
    }
}
