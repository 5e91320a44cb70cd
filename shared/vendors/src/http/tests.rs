//! The client's own checks (the vendors' behaviour is tested against the sandbox).

use super::*;

#[test]
fn p6_a_retry_after_longer_than_one_wait_stops_the_run_to_continue_after_it() {
    let mut config = HttpConfig {
        base_url: "http://127.0.0.1:9".into(),
        timeout: Duration::from_secs(1),
        retry: RetryPolicy::default(),
        limit: None,
        write_limit: None,
    };
    config.retry.max_delay = Duration::from_secs(30);
    let client = VendorClient::new("test", config).expect("client");
    assert_eq!(client.too_long(Some(Duration::from_secs(10))), Ok(()));
    assert_eq!(
        client.too_long(Some(Duration::from_secs(600))),
        Err(VendorError::Halted(Halt::Backoff { seconds: 600 })),
        "not capped at the longest wait and slept through"
    );
}
