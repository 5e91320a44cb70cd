//! How long to wait before trying a vendor again: full-jitter backoff, and the vendor's own
//! Retry-After read safely.

use crate::http::RetryPolicy;
use std::time::Duration;

pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    renkei_core::backoff::Backoff::new(policy.base_delay, policy.max_delay).delay(attempt)
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
}
