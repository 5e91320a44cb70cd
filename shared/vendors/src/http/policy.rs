//! The retry policy: which answers and failures are tried again, after how long, within what
//! budget. Pure — it neither sends nor waits (the retry layer, retry.rs, does) — so that what
//! becomes of an answer can be read, and tested, in one place.

use super::call::{Ambiguity, Head};
use reqwest::StatusCode;
use std::time::Duration;

/// Retry tunables, one value per vendor client ([`super::HttpConfig::retry`]).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub max_attempts: u32,
    /// First backoff; doubles each attempt, with full jitter.
    pub base_delay: Duration,
    /// Longest single wait (also caps Retry-After).
    pub max_delay: Duration,
    /// Total time a call may spend retrying.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(120),
        }
    }
}

/// What the policy makes of an answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The caller's: 2xx, 3xx, and 401/403 (so that a caller can refresh its token or name
    /// the permission that is missing).
    Answer,
    /// Refused for good: a 4xx other than 401, 403 and 429 (Permanent, in the vendor's words).
    Refused,
    /// Nothing to hand back yet.
    Setback(Setback),
}

/// What becomes of an attempt that brought no answer to hand back.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Setback {
    /// Try again after `wait`, if the attempts and the budget allow; else Retryable, saying
    /// `why`.
    Again {
        /// How long to wait first.
        wait: Duration,
        /// What went wrong.
        why: String,
    },
    /// The vendor may have processed it and it may not be sent again: Retryable now, for the
    /// caller to reconcile.
    Lost(String),
}

impl RetryPolicy {
    /// Full-jitter backoff before attempt `attempt + 1`.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        renkei_core::backoff::Backoff::new(self.base_delay, self.max_delay).delay(attempt)
    }

    /// Judges the answer to attempt `attempt`; `after` is its Retry-After. A 429 is tried
    /// again after Retry-After (the vendor did not process it); a 5xx only where the call
    /// may be repeated. (A Retry-After too long to sit through stops the run before this is
    /// asked: `VendorClient::too_long`.)
    pub(crate) fn answered(
        &self,
        head: &Head<'_>,
        after: Option<Duration>,
        ambiguity: Ambiguity,
        attempt: u32,
    ) -> Verdict {
        let status = head.status;
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = after.unwrap_or_else(|| self.backoff(attempt));
            return Verdict::Setback(Setback::Again {
                wait,
                why: trouble(head),
            });
        }
        if status.is_server_error() {
            let setback = match (ambiguity, head.body) {
                (Ambiguity::DoNotRetry, _) => Setback::Lost(trouble(head)),
                // A buffered call's 5xx backs off; a streamed one's waits for the Retry-After
                // it may carry (as the two paths did before they were one).
                (Ambiguity::Retry, Some(_)) => Setback::Again {
                    wait: self.backoff(attempt),
                    why: trouble(head),
                },
                (Ambiguity::Retry, None) => Setback::Again {
                    wait: after.unwrap_or_else(|| self.backoff(attempt)),
                    why: trouble(head),
                },
            };
            return Verdict::Setback(setback);
        }
        if status.is_client_error()
            && status != StatusCode::UNAUTHORIZED
            && status != StatusCode::FORBIDDEN
        {
            return Verdict::Refused;
        }
        Verdict::Answer
    }

    /// Judges attempt `attempt` that got no answer (`error`: the request was made but failed
    /// on the way). A refused connection never reached the vendor: it is sent again even
    /// where a repeat is not allowed.
    pub(crate) fn unanswered(
        &self,
        error: &reqwest::Error,
        ambiguity: Ambiguity,
        attempt: u32,
    ) -> Setback {
        if error.is_connect() || ambiguity == Ambiguity::Retry {
            Setback::Again {
                wait: self.backoff(attempt),
                why: error.to_string(),
            }
        } else {
            Setback::Lost(error.to_string())
        }
    }

    /// Judges attempt `attempt` whose answer's body broke off while it was read.
    pub(crate) fn cut_off(
        &self,
        error: &reqwest::Error,
        ambiguity: Ambiguity,
        attempt: u32,
    ) -> Setback {
        match ambiguity {
            Ambiguity::Retry => Setback::Again {
                wait: self.backoff(attempt),
                why: format!("reading the answer: {error}"),
            },
            Ambiguity::DoNotRetry => Setback::Lost(format!("answer lost: {error}")),
        }
    }

    /// Whether another attempt may follow attempt `attempt` after `wait`, `elapsed` into
    /// the call.
    pub(crate) fn allows(&self, attempt: u32, elapsed: Duration, wait: Duration) -> bool {
        attempt < self.max_attempts && elapsed + wait <= self.budget
    }
}

/// An answer that is trouble, in a Retryable error's words: the status and, where it was
/// read, the body. A 429 is written with its code alone (`VendorError::at_setup` reads it).
fn trouble(head: &Head<'_>) -> String {
    match head.body {
        Some(body) if head.status == StatusCode::TOO_MANY_REQUESTS => {
            format!("HTTP 429 {}", body.trim())
        }
        Some(body) => format!("HTTP {} {}", head.status, body.trim()),
        None => format!("HTTP {}", head.status),
    }
}

/// The longest Retry-After taken literally; a larger (or absurd) value is read as this.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(86_400);

/// Retry-After as delay-seconds or as an HTTP-date (RFC 9110 §10.2.3). Negative, non-finite
/// or unreadable values are ignored; huge ones are capped, never a panic.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(v, chrono::Utc::now())
}

/// A Retry-After header's value (`value`, a vendor's bytes) as a wait from `now`: seconds or
/// an HTTP-date; None when negative, non-finite or unreadable; capped at a day. Public so
/// that the fuzz target (fuzz/) reads it as the client does.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::try_from_secs_f64(secs).unwrap_or(RETRY_AFTER_CAP))
            .map(|d| d.min(RETRY_AFTER_CAP));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let ms = (at.with_timezone(&chrono::Utc) - now).num_milliseconds();
    Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(RETRY_AFTER_CAP))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn after(value: &str) -> Option<Duration> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_str(value).expect("header"),
        );
        retry_after(&headers)
    }

    #[test]
    fn p6_retry_after_reads_seconds_and_http_dates_and_never_panics() {
        assert_eq!(after("120"), Some(Duration::from_secs(120)));
        assert_eq!(after("1.5"), Some(Duration::from_millis(1500)));
        let in_90 = chrono::Utc::now() + chrono::Duration::seconds(90);
        let date = in_90.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let got = after(&date).expect("an HTTP-date");
        assert!(
            got > Duration::from_secs(85) && got <= Duration::from_secs(90),
            "{got:?}"
        );
        assert_eq!(
            after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO),
            "past: now"
        );
        assert_eq!(after("1e300"), Some(RETRY_AFTER_CAP), "huge: capped");
        assert_eq!(after("inf"), None, "non-finite: ignored");
        assert_eq!(after("NaN"), None);
        assert_eq!(after("-5"), None);
        assert_eq!(after("soon"), None);
    }

    fn judge(status: u16, body: Option<&str>, ambiguity: Ambiguity) -> Verdict {
        let headers = HeaderMap::new();
        let head = Head {
            status: StatusCode::from_u16(status).expect("a status"),
            headers: &headers,
            body,
        };
        let policy = RetryPolicy {
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        policy.answered(&head, Some(Duration::from_secs(7)), ambiguity, 1)
    }

    fn again(wait: u64, why: &str) -> Verdict {
        Verdict::Setback(Setback::Again {
            wait: Duration::from_secs(wait),
            why: why.into(),
        })
    }

    #[test]
    fn p6_a_429_is_sent_again_after_retry_after_even_where_a_repeat_is_not_allowed() {
        for ambiguity in [Ambiguity::Retry, Ambiguity::DoNotRetry] {
            assert_eq!(
                judge(429, Some(" slow down \n"), ambiguity),
                again(7, "HTTP 429 slow down")
            );
        }
        assert_eq!(
            judge(429, None, Ambiguity::Retry),
            again(7, "HTTP 429 Too Many Requests")
        );
    }

    #[test]
    fn p6_a_5xx_is_sent_again_only_where_a_repeat_is_allowed() {
        assert_eq!(
            judge(503, Some("down"), Ambiguity::DoNotRetry),
            Verdict::Setback(Setback::Lost("HTTP 503 Service Unavailable down".into()))
        );
        assert_eq!(
            judge(503, Some("down"), Ambiguity::Retry),
            again(0, "HTTP 503 Service Unavailable down"),
            "a buffered call backs off"
        );
        assert_eq!(
            judge(502, None, Ambiguity::Retry),
            again(7, "HTTP 502 Bad Gateway"),
            "a streamed call waits for Retry-After"
        );
    }

    #[test]
    fn p6_4xx_are_refused_for_good_but_401_and_403_are_the_callers_answers() {
        for status in [400, 404, 409, 422] {
            assert_eq!(judge(status, Some(""), Ambiguity::Retry), Verdict::Refused);
        }
        for status in [200, 201, 302, 401, 403] {
            assert_eq!(judge(status, Some(""), Ambiguity::Retry), Verdict::Answer);
        }
    }

    #[test]
    fn p6_attempts_and_budget_bound_the_retries() {
        let policy = RetryPolicy::default();
        let second = Duration::from_secs(1);
        assert!(policy.allows(5, Duration::ZERO, second));
        assert!(
            !policy.allows(6, Duration::ZERO, second),
            "six attempts in all"
        );
        assert!(policy.allows(1, Duration::from_secs(119), second));
        assert!(
            !policy.allows(1, Duration::from_secs(120), second),
            "budget"
        );
    }
}
