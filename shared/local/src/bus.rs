use async_trait::async_trait;
use renkei_core::ports::{BusError, BusEvent, EventBus};
use std::sync::Mutex;

/// An in-process event bus: events queue up until the local runner drains them.
#[derive(Default)]
pub struct InProcessBus {
    queue: Mutex<Vec<BusEvent>>,
}

impl InProcessBus {
    /// Takes every queued event, oldest first.
    pub fn drain(&self) -> Vec<BusEvent> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait]
impl EventBus for InProcessBus {
    async fn publish(&self, events: &[BusEvent]) -> Result<(), BusError> {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(events);
        Ok(())
    }
}
