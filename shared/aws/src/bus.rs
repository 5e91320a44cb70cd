use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use renkei_core::ports::{BusError, BusEvent, EventBus};
use std::future::Future;

/// PutEvents accepts at most 10 entries per call.
pub const MAX_ENTRIES: usize = 10;
/// Rounds of resending entries that PutEvents reported as failed.
const ROUNDS: u32 = 5;
/// PutEvents calls in flight at once.
const BATCHES_IN_FLIGHT: usize = 8;
use futures::{FutureExt, StreamExt};

/// EventBridge bus.
#[derive(Clone)]
pub struct EventBridgeBus {
    client: Client,
    bus_name: String,
}

impl EventBridgeBus {
    /// Publishes to `bus_name`.
    pub fn new(client: Client, bus_name: impl Into<String>) -> Self {
        Self {
            client,
            bus_name: bus_name.into(),
        }
    }
}

/// Sends `events` in batches of ≤ 10 through `send`, which returns for each entry of its
/// batch the error of that entry (None = accepted). Failed entries are resent, after a
/// pause that doubles from `pause`, for a few rounds; what still fails is reported.
pub async fn put_in_batches<F, Fut>(
    events: &[BusEvent],
    pause: std::time::Duration,
    mut send: F,
) -> Result<(), BusError>
where
    F: FnMut(Vec<BusEvent>) -> Fut,
    Fut: Future<Output = Result<Vec<Option<String>>, BusError>>,
{
    let mut pending: Vec<BusEvent> = events.to_vec();
    let mut last_reason = String::new();
    for round in 0..ROUNDS {
        let mut failed = Vec::new();
        // PutEvents takes 10 entries a call: a fleet's thousands go BATCHES_IN_FLIGHT at once.
        let mut calls = Vec::new();
        for batch in pending.chunks(MAX_ENTRIES) {
            let batch = batch.to_vec();
            calls.push(send(batch.clone()).map(move |answer| (batch, answer)));
        }
        let answers = futures::stream::iter(calls)
            .buffered(BATCHES_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        for (batch, results) in answers {
            for (event, result) in batch.iter().zip(results?) {
                if let Some(reason) = result {
                    last_reason = reason;
                    failed.push(event.clone());
                }
            }
        }
        if failed.is_empty() {
            return Ok(());
        }
        pending = failed;
        if round + 1 < ROUNDS {
            renkei_core::backoff::Backoff::new(pause, pause * (1 << ROUNDS))
                .wait(round)
                .await;
        }
    }
    Err(BusError::Undelivered {
        failed: pending.len(),
        total: events.len(),
        reason: last_reason,
    })
}

#[async_trait]
impl EventBus for EventBridgeBus {
    async fn publish(&self, events: &[BusEvent]) -> Result<(), BusError> {
        put_in_batches(
            events,
            std::time::Duration::from_millis(100),
            |batch| async move {
                let entries: Vec<PutEventsRequestEntry> = batch
                    .iter()
                    .map(|e| {
                        PutEventsRequestEntry::builder()
                            .event_bus_name(&self.bus_name)
                            .source(&e.source)
                            .detail_type(&e.detail_type)
                            .detail(e.detail.to_string())
                            .build()
                    })
                    .collect();
                let out = self
                    .client
                    .put_events()
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .map_err(|e| BusError::Unavailable(crate::describe_sdk_error(&e)))?;
                let mut results: Vec<Option<String>> = out
                    .entries()
                    .iter()
                    .map(|r| {
                        r.error_code()
                            .map(|c| format!("{c}: {}", r.error_message().unwrap_or("")))
                    })
                    .collect();
                // Entries missing from the answer count as failed, never as delivered.
                results.resize(batch.len(), Some("no result for entry".into()));
                Ok(results)
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn events(n: usize) -> Vec<BusEvent> {
        (0..n)
            .map(|i| BusEvent {
                source: "t".into(),
                detail_type: "x".into(),
                detail: serde_json::json!(i),
            })
            .collect()
    }

    #[tokio::test]
    async fn put_events_batches_by_ten_and_resends_failed_entries() {
        let calls = Mutex::new(Vec::new());
        let delivered = Mutex::new(Vec::new());
        let first_try = Mutex::new(true);
        put_in_batches(&events(23), std::time::Duration::ZERO, |batch| {
            calls.lock().unwrap().push(batch.len());
            // The first batch fails its entry 3 once (as PutEvents does under throttling).
            let fail_first = std::mem::replace(&mut *first_try.lock().unwrap(), false);
            let results: Vec<Option<String>> = batch
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    if fail_first && i == 3 {
                        Some("ThrottlingException".into())
                    } else {
                        delivered.lock().unwrap().push(e.detail.clone());
                        None
                    }
                })
                .collect();
            async move { Ok(results) }
        })
        .await
        .expect("all delivered");
        assert_eq!(*calls.lock().unwrap(), vec![10, 10, 3, 1]);
        let mut got: Vec<i64> = delivered
            .lock()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_i64())
            .collect();
        got.sort();
        assert_eq!(
            got,
            (0..23).collect::<Vec<_>>(),
            "every event delivered exactly once"
        );
    }

    #[tokio::test]
    async fn put_events_reports_entries_that_never_succeed() {
        let err = put_in_batches(&events(3), std::time::Duration::ZERO, |batch| async move {
            Ok(batch
                .iter()
                .map(|_| Some("InternalFailure".to_string()))
                .collect())
        })
        .await
        .expect_err("must fail");
        assert!(matches!(
            err,
            BusError::Undelivered {
                failed: 3,
                total: 3,
                ..
            }
        ));
    }
}
