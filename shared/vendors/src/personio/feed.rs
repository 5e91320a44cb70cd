//! The career site's public XML feed of open positions (`https://{domain}.jobs.personio.de|com/
//! xml?language=…`), parsed as it streams in; a redirect is followed while it stays on the
//! company's career site.

use crate::http::{Call, HttpConfig, VendorClient, VendorError};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use url::Url;

use super::VENDOR;
use super::site::CareerSite;
use super::xml::{FeedParser, HTML_PAGE};

/// A published position of the XML feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Personio's job position id (an application's `job_position_id`).
    pub id: u64,
    /// Title.
    pub name: String,
    /// Office.
    #[serde(default)]
    pub office: String,
    /// Department.
    #[serde(default)]
    pub department: String,
    /// Subcompany.
    #[serde(default)]
    pub subcompany: String,
    /// Recruiting category.
    #[serde(default)]
    pub recruiting_category: String,
    /// permanent, intern, trainee, freelance.
    #[serde(default)]
    pub employment_type: String,
    /// full-time, part-time.
    #[serde(default)]
    pub schedule: String,
    /// When it was created, as the feed says it.
    #[serde(default)]
    pub created_at: String,
}

/// Why the feed could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// 404: no career site at this domain.
    #[error(
        "no Personio career site answers at {0} (404): check the domain under Settings > Recruiting > Career page"
    )]
    Missing(String),
    /// The career page (HTML) where the feed should be: the XML interface is off.
    #[error(
        "{0} answers a web page, not the XML feed: enable \"XML interface\" (XML-Schnittstelle aktivieren) under Settings > Recruiting > Career page"
    )]
    NotEnabled(String),
    /// A redirect away from the company's career site (its job domains): not followed.
    #[error(
        "{url} redirects to {target}, which is not this company's Personio career site: check the jobs domain (Settings > Recruiting > Career page)"
    )]
    OffSite {
        /// The feed asked for.
        url: String,
        /// Where it redirected.
        target: String,
    },
    /// More redirects than a career site makes, or one without a target.
    #[error("{url} keeps redirecting ({reason}): check the jobs domain")]
    Redirects {
        /// The feed asked for.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// 401/403: the site refused to answer (not the sign of a switched-off feed).
    #[error("the career site refused to answer the feed at {url} (HTTP {status})")]
    Refused {
        /// The feed.
        url: String,
        /// HTTP status.
        status: u16,
    },
    /// XML that is not well-formed, or no `<workzag-jobs>` document.
    #[error("the XML feed at {url} is malformed: {reason}")]
    Malformed {
        /// The feed.
        url: String,
        /// What the parser said.
        reason: String,
    },
    /// Transport or server trouble.
    #[error(transparent)]
    Vendor(#[from] VendorError),
}

impl From<FeedError> for renkei_core::engine::SyncError {
    fn from(e: FeedError) -> Self {
        use renkei_core::engine::{Cause, Class};
        let (operation, class) = match &e {
            FeedError::Vendor(v) => return v.clone().into(),
            FeedError::Missing(_) => ("feed", Class::Refused(404)),
            FeedError::Refused { status, .. } => ("feed", Class::Refused(*status)),
            FeedError::NotEnabled(_) => ("feed_interface", Class::Invalid),
            FeedError::OffSite { .. } | FeedError::Redirects { .. } => {
                ("feed_redirect", Class::Invalid)
            }
            FeedError::Malformed { .. } => ("feed_xml", Class::Invalid),
        };
        renkei_core::engine::SyncError::Permanent(e.to_string())
            .because(Cause::vendor(VENDOR, operation, class))
    }
}

/// The biggest feed read (a board of thousands of positions is a few MB).
const MAX_FEED_BYTES: usize = 64 * 1024 * 1024;

/// Redirects followed at most (`.de` → `.com` and perhaps a language default).
const MAX_REDIRECTS: usize = 3;

/// The public XML feed of a career site.
#[derive(Debug)]
pub struct JobsFeed {
    site: CareerSite,
}

impl JobsFeed {
    /// The feed of the career site at `site_url` (e.g. [`super::jobs_url`]).
    pub fn new(site_url: &str) -> Result<Self, VendorError> {
        let site = CareerSite::new(site_url).map_err(|message| VendorError::Permanent {
            vendor: VENDOR,
            status: 0,
            message,
        })?;
        Ok(Self { site })
    }

    /// The open positions in `language`, parsed as the body streams in. A redirect is
    /// followed while it stays on the company's career site ([`CareerSite::allows`]).
    pub async fn jobs(&self, language: &str) -> Result<Vec<Job>, FeedError> {
        let asked = self.site.feed_url(language);
        let mut url = asked.clone();
        for _ in 0..=MAX_REDIRECTS {
            let resp = open(&url).await.map_err(|e| match e {
                VendorError::Permanent { status: 404, .. } => FeedError::Missing(url.to_string()),
                other => FeedError::Vendor(other),
            })?;
            let status = resp.status();
            if status.is_redirection() {
                url = self.next_hop(&asked, &url, &resp)?;
                continue;
            }
            if status.as_u16() == 401 || status.as_u16() == 403 {
                return Err(FeedError::Refused {
                    url: url.to_string(),
                    status: status.as_u16(),
                });
            }
            if !status.is_success() {
                return Err(FeedError::Vendor(VendorError::Permanent {
                    vendor: VENDOR,
                    status: status.as_u16(),
                    message: format!("the career site answered {status}"),
                }));
            }
            return read(resp, url.as_str()).await;
        }
        Err(FeedError::Redirects {
            url: asked.to_string(),
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// Where a redirect answer leads, if it stays on the site.
    fn next_hop(
        &self,
        asked: &Url,
        from: &Url,
        resp: &reqwest::Response,
    ) -> Result<Url, FeedError> {
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| FeedError::Redirects {
                url: asked.to_string(),
                reason: format!("HTTP {} without a Location", resp.status()),
            })?;
        let target = from.join(location).map_err(|e| FeedError::Redirects {
            url: asked.to_string(),
            reason: format!("Location {location:?}: {e}"),
        })?;
        if !self.site.allows(&target) {
            return Err(FeedError::OffSite {
                url: asked.to_string(),
                target: target.to_string(),
            });
        }
        Ok(target)
    }
}

/// Opens a GET of `url` (redirects are answers, not followed by the HTTP client).
async fn open(url: &Url) -> Result<reqwest::Response, VendorError> {
    let origin = url.origin().ascii_serialization();
    let base = VendorClient::new(
        "Personio career site",
        HttpConfig {
            base_url: origin.clone(),
            timeout: Duration::from_secs(30),
            retry: Default::default(),
            limit: None,
            write_limit: None,
        },
    )?;
    let path = &url.as_str()[origin.len()..];
    base.send(Call::read().streamed(), || base.request(Method::GET, path))
        .await
}

/// Reads a 2xx answer: the HTML career page is the sign of a switched-off XML interface.
async fn read(mut resp: reqwest::Response, url: &str) -> Result<Vec<Job>, FeedError> {
    let html = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("html"));
    if html {
        return Err(FeedError::NotEnabled(url.to_string()));
    }
    let mut parser = FeedParser::default();
    let mut pending: Vec<u8> = Vec::new();
    let mut read = 0usize;
    while let Some(chunk) = resp.chunk().await.map_err(|e| {
        FeedError::Vendor(VendorError::Retryable {
            vendor: VENDOR,
            message: format!("reading the XML feed: {e}"),
        })
    })? {
        read += chunk.len();
        if read > MAX_FEED_BYTES {
            return Err(FeedError::Malformed {
                url: url.to_string(),
                reason: "larger than 64 MB".into(),
            });
        }
        pending.extend_from_slice(&chunk);
        // Whole elements are parsed as they arrive; the unfinished tail waits.
        let consumed = parser
            .feed(&pending, false)
            .map_err(|reason| feed_error(url, reason))?;
        pending.drain(..consumed);
    }
    parser
        .feed(&pending, true)
        .map_err(|reason| feed_error(url, reason))?;
    parser.finish().map_err(|reason| feed_error(url, reason))
}

fn feed_error(url: &str, reason: String) -> FeedError {
    if reason == HTML_PAGE {
        FeedError::NotEnabled(url.to_string())
    } else {
        FeedError::Malformed {
            url: url.to_string(),
            reason,
        }
    }
}
