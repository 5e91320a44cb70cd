//! Bearer tokens shared by every caller of one client, fetched once (single-flight).

use crate::error::VendorError;
use std::future::Future;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A bearer-style token shared by every caller of one client: fetched once (callers that
/// arrive meanwhile wait for the same fetch), refreshed shortly before it expires, and
/// dropped when the vendor answers 401 so that the next caller fetches a new one.
#[derive(Debug, Default)]
pub struct TokenCache {
    slot: Mutex<Option<(String, Instant)>>,
}

/// Refresh this long before the vendor's stated expiry.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

impl TokenCache {
    /// The current token, fetching one with `fetch` (→ token, lifetime) if there is none or it
    /// is about to expire. Holding the lock across the fetch is what makes it single-flight.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<String, VendorError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(String, Duration), VendorError>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((token, expires)) = slot.as_ref()
            && Instant::now() + REFRESH_MARGIN < *expires
        {
            return Ok(token.clone());
        }
        let (token, lifetime) = fetch().await?;
        *slot = Some((token.clone(), Instant::now() + lifetime));
        Ok(token)
    }

    /// Forgets `token` if it is still the current one (the vendor refused it).
    pub async fn invalidate(&self, token: &str) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|(t, _)| t == token) {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn p6_token_is_fetched_once_by_concurrent_callers() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(("tok".to_string(), Duration::from_secs(3600)))
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.expect("join").expect("token"), "tok");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn p6_token_is_refreshed_before_expiry_and_after_401() {
        let cache = TokenCache::default();
        let n = AtomicU32::new(0);
        let fetch = || async {
            let i = n.fetch_add(1, Ordering::SeqCst);
            Ok((format!("t{i}"), Duration::from_secs(3600)))
        };
        assert_eq!(cache.get(fetch).await.expect("t0"), "t0");
        tokio::time::advance(Duration::from_secs(3600 - 30)).await;
        assert_eq!(
            cache.get(fetch).await.expect("t1"),
            "t1",
            "refreshed within the margin"
        );
        cache.invalidate("t1").await;
        assert_eq!(
            cache.get(fetch).await.expect("t2"),
            "t2",
            "refetched after 401"
        );
    }
}
