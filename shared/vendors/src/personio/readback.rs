//! Reading applications back (v2 only): `GET /v2/recruiting/applications`, filtered by the
//! candidate's email and, where renkei knows when it sent, `updated_at.gt`; paged with
//! `limit` and `cursor` (the next page's cursor is in `_meta.links.next.href`, relative or
//! absolute). What a lost create answer is checked against before anything is sent again
//! (docs/contracts/personio.md).
//!
//! A read-back either saw every page or says it did not ([`Listing`]): a page that is not
//! the list (no `_data`), a next link without a readable cursor, a cursor named twice or
//! more pages than [`MAX_PAGES`] all leave the answer open, and an open answer never counts
//! as "not filed".

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Applications per page asked for (Personio's maximum is 200, its default 100).
pub const PAGE_LIMIT: u32 = 100;

/// Pages read at most for one email. A candidate with more applications than this (since
/// the time asked for) leaves the read-back open: the caller neither files nor re-sends.
pub const MAX_PAGES: usize = 10;

/// The header the reference pages still ask of these endpoints (harmless once GA).
pub const BETA_HEADER: (&str, &str) = ("Beta", "true");

/// What one read-back saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// Every page was read: these are all the candidate's applications asked for.
    Complete(Vec<ListedApplication>),
    /// The list could not be read to its end (why): whether Personio holds the application
    /// is unknown.
    Open(String),
}

/// One application as the list answers it (only what renkei reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedApplication {
    /// Personio's application id.
    pub id: IdText,
    /// The candidate.
    #[serde(default)]
    pub candidate: Option<ListedCandidate>,
    /// The job applied to.
    #[serde(default)]
    pub job: Option<ListedJob>,
}

/// An application's candidate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedCandidate {
    /// Their email.
    #[serde(default)]
    pub email: Option<String>,
}

/// An application's job.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedJob {
    /// Personio's job id (the XML feed's position id).
    pub id: IdText,
}

/// An id as v2 answers it: text, though numbers are taken too.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IdText {
    /// `"4103"`.
    Text(String),
    /// `4103`.
    Number(u64),
}

impl IdText {
    /// Whether this id is `n` (`" 4103"` and `4103` both are 4103).
    pub fn is(&self, n: u64) -> bool {
        match self {
            IdText::Text(t) => t.trim() == n.to_string(),
            IdText::Number(m) => *m == n,
        }
    }
}

impl ListedApplication {
    /// Whether this is `email`'s application for `job` (emails compared case-insensitively,
    /// as Personio's duplicate rule compares them).
    pub fn is(&self, email: &str, job: u64) -> bool {
        self.has_email(email) && self.job.as_ref().is_some_and(|j| j.id.is(job))
    }

    /// Whether its candidate has `email` (case-insensitively).
    pub fn has_email(&self, email: &str) -> bool {
        self.candidate
            .as_ref()
            .and_then(|c| c.email.as_deref())
            .is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
    }
}

/// One page of the list: `_data` is what makes an answer the list, so it is required.
#[derive(Debug, Deserialize)]
pub(super) struct Page {
    #[serde(rename = "_data")]
    pub(super) data: Vec<ListedApplication>,
    /// Without `_meta` a page names no next page.
    #[serde(rename = "_meta", default)]
    meta: Meta,
}

#[derive(Debug, Default, Deserialize)]
struct Meta {
    #[serde(default)]
    links: Links,
}

#[derive(Debug, Default, Deserialize)]
struct Links {
    #[serde(default)]
    next: Option<Link>,
}

#[derive(Debug, Deserialize)]
struct Link {
    href: String,
}

/// Where a page says the list goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Next {
    /// No next link: the last page.
    Last,
    /// The next page's cursor.
    Cursor(String),
    /// A next link whose cursor cannot be read (its href).
    Unreadable(String),
}

impl Page {
    /// The next page: the `cursor` parameter of `_meta.links.next.href` (only the cursor is
    /// taken; the request stays on the configured API host).
    pub(super) fn next(&self) -> Next {
        let Some(link) = &self.meta.links.next else {
            return Next::Last;
        };
        let cursor = url::Url::parse("https://api.personio.de/")
            .and_then(|base| base.join(&link.href))
            .ok()
            .and_then(|url| {
                url.query_pairs()
                    .find(|(k, _)| k == "cursor")
                    .map(|(_, v)| v.into_owned())
            })
            .filter(|c| !c.trim().is_empty());
        match cursor {
            Some(c) => Next::Cursor(c),
            None => Next::Unreadable(link.href.clone()),
        }
    }
}

/// Reads a whole list page by page (`fetch` reads the page of a cursor, None: the first),
/// following next links until the last page. Every way of not reaching it leaves the
/// listing [`Listing::Open`]: a cursor that cannot be read, a cursor named a second time
/// (the list would never end), more than [`MAX_PAGES`] pages.
pub(super) async fn read_all<E, F, Fut>(
    mut fetch: F,
    keep: impl Fn(&ListedApplication) -> bool,
) -> Result<Listing, E>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Result<Page, String>, E>>,
{
    let mut found = Vec::new();
    let mut followed = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match fetch(cursor.clone()).await? {
            Ok(page) => page,
            Err(why) => return Ok(Listing::Open(why)),
        };
        found.extend(page.data.iter().filter(|a| keep(a)).cloned());
        match page.next() {
            Next::Last => return Ok(Listing::Complete(found)),
            Next::Cursor(c) if !followed.insert(c.clone()) => {
                return Ok(Listing::Open(format!(
                    "Personio named the page {c:?} as the next page a second time"
                )));
            }
            Next::Cursor(c) => cursor = Some(c),
            Next::Unreadable(href) => {
                return Ok(Listing::Open(format!(
                    "the next page's link has no cursor ({href})"
                )));
            }
        }
    }
    Ok(Listing::Open(format!(
        "more than {MAX_PAGES} pages of {PAGE_LIMIT}"
    )))
}

/// The `updated_at.gt` value for `since` (whole seconds, UTC, `Z`: nothing to encode).
pub(super) fn updated_after(since: DateTime<Utc>) -> String {
    since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn page(v: Value) -> Page {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn s29_2_a_page_names_its_next_cursor_relative_or_absolute() {
        let relative = page(json!({
            "_data": [{"id": "495039", "candidate": {"email": "Ana@Example.de"}, "job": {"id": "4103"}}],
            "_meta": {"links": {"next": {"href": "/v2/recruiting/applications?cursor=cur_2&limit=100"}}}
        }));
        assert_eq!(relative.next(), Next::Cursor("cur_2".into()));
        assert!(relative.data[0].is("ana@example.de", 4103));
        assert!(!relative.data[0].is("ana@example.de", 4104));
        let absolute = page(json!({
            "_data": [{"id": 7, "job": {"id": 4103}}],
            "_meta": {"links": {"next": {"href": "https://api.personio.de/v2/recruiting/applications?limit=1&cursor=c%3D3"}}}
        }));
        assert_eq!(absolute.next(), Next::Cursor("c=3".into()));
        assert!(!absolute.data[0].is("x@example.de", 4103), "no candidate");
        assert_eq!(
            page(json!({"_data": [], "_meta": {"links": {}}})).next(),
            Next::Last
        );
        assert_eq!(page(json!({"_data": []})).next(), Next::Last);
    }

    #[test]
    fn s29_2_a_next_link_without_a_cursor_is_unreadable_not_the_last_page() {
        for href in [
            "/v2/recruiting/applications?limit=100",
            "/v2/recruiting/applications?cursor=&limit=100",
            "http://[::1",
        ] {
            let p = page(json!({"_data": [], "_meta": {"links": {"next": {"href": href}}}}));
            assert_eq!(p.next(), Next::Unreadable(href.into()), "{href}");
        }
    }

    #[test]
    fn s29_2_an_answer_without_data_or_with_a_next_link_without_href_is_no_page() {
        for body in [
            json!({"_meta": {"links": {}}}),
            json!({"data": []}),
            json!({"_data": [], "_meta": {"links": {"next": {}}}}),
            json!({"_data": null}),
        ] {
            assert!(
                serde_json::from_value::<Page>(body.clone()).is_err(),
                "{body}"
            );
        }
    }

    /// Pages as a list would answer them: page `n`'s next link names `next(n)`.
    async fn listing(pages: usize, next: impl Fn(usize) -> Option<String>) -> Listing {
        let next = &next;
        let mut n = 0;
        read_all::<(), _, _>(
            move |_| {
                n += 1;
                let href = next(n).map(|c| json!({"href": c}));
                let body = json!({"_data": [{"id": n.to_string(), "job": {"id": "1"},
                    "candidate": {"email": "a@example.de"}}],
                    "_meta": {"links": {"next": href}}});
                let answer = if n > pages {
                    Err("past the end".to_string())
                } else {
                    Ok(page(body))
                };
                async move { Ok(answer) }
            },
            |_| true,
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn s29_2_a_read_back_is_complete_only_when_it_reached_the_last_page() {
        let three = listing(3, |n| (n < 3).then(|| format!("?cursor=c{n}"))).await;
        assert!(
            matches!(&three, Listing::Complete(found) if found.len() == 3),
            "{three:?}"
        );
        let capped = listing(usize::MAX, |n| Some(format!("?cursor=c{n}"))).await;
        assert!(
            matches!(&capped, Listing::Open(why) if why.contains("more than 10 pages")),
            "{capped:?}"
        );
        let cursorless = listing(5, |_| Some("?limit=100".into())).await;
        assert!(
            matches!(&cursorless, Listing::Open(why) if why.contains("no cursor")),
            "{cursorless:?}"
        );
        let looping = listing(5, |_| Some("?cursor=again".into())).await;
        assert!(
            matches!(&looping, Listing::Open(why) if why.contains("second time")),
            "{looping:?}"
        );
        let broken = listing(1, |_| Some("?cursor=c2".into())).await;
        assert_eq!(broken, Listing::Open("past the end".into()));
    }

    #[test]
    fn s29_2_the_time_filter_needs_no_encoding() {
        let at: DateTime<Utc> = "2026-11-22T10:05:06.789Z".parse().unwrap();
        assert_eq!(updated_after(at), "2026-11-22T10:05:06Z");
    }
}
