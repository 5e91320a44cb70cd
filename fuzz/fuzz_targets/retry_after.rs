//! Retry-After as vendors send it (seconds, fractions, HTTP-dates, garbage): never a panic,
//! never a wait over the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    if let Some(wait) = renkei_vendors::parse_retry_after(value, now) {
        assert!(
            wait <= Duration::from_secs(86_400),
            "{value:?} waits {wait:?}"
        );
    }
});
