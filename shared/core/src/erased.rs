//! How the engine drives any connector: its typed records and cursors erased behind
//! [`RunConnector`] (every [`Connector`] is one), so the engine, the factories and the
//! registry need no type parameters.

use crate::connector::{Change, Connector, Page, Pulled, SyncError, WriteResult};

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::any::Any;
use std::sync::Arc;

/// A connector's record on its way through the engine: its JSON form (hashed, never
/// written) and the typed record itself, handed back to the connector's `write`.
#[derive(Clone)]
pub struct Payload {
    /// The record as JSON: what its content hash is taken from (and what `Debug` and
    /// equality compare); the engine never writes it anywhere.
    pub json: Value,
    typed: Arc<dyn Any + Send + Sync>,
}

impl Payload {
    /// Wraps `record`, serialising it once for the hash (a record that cannot be
    /// serialised reads as `null`).
    pub fn new<R: Serialize + Send + Sync + 'static>(record: R) -> Self {
        Self {
            json: serde_json::to_value(&record).unwrap_or(Value::Null),
            typed: Arc::new(record),
        }
    }

    /// The typed record, if it is an `R`.
    pub fn get<R: 'static>(&self) -> Option<&R> {
        self.typed.downcast_ref::<R>()
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.json.fmt(f)
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

/// A connector as the engine drives it: records and cursors type-erased. Every
/// [`Connector`] is one; factories return them boxed.
#[async_trait]
pub trait RunConnector: Send {
    /// [`Connector::begin`]: once per segment (each invocation of a run), before its first
    /// pull.
    async fn begin(&mut self) -> Result<(), SyncError>;
    /// [`Connector::pull`], the cursor as stored.
    async fn pull(&mut self, cursor: Option<&str>) -> Result<Page, SyncError>;
    /// [`Connector::write`], each change's payload handed back as the connector's own
    /// record type (one of another type fails the run as permanent).
    async fn write(
        &mut self,
        changes: &[Change],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError>;
}

/// A cursor as stored: a JSON string as itself, anything else as JSON.
pub fn encode_cursor<K: Serialize>(cursor: &K) -> Result<String, SyncError> {
    match serde_json::to_value(cursor) {
        Ok(Value::String(s)) => Ok(s),
        Ok(v) => Ok(v.to_string()),
        Err(e) => Err(SyncError::Permanent(format!("cursor not storable: {e}"))),
    }
}

/// The cursor a stored one stands for (see [`encode_cursor`]).
pub fn decode_cursor<K: DeserializeOwned>(stored: &str) -> Result<K, SyncError> {
    serde_json::from_str(stored)
        .or_else(|_| serde_json::from_value(Value::String(stored.to_string())))
        .map_err(|e| SyncError::Permanent(format!("saved cursor unreadable ({e}): {stored}")))
}

#[async_trait]
impl<C: Connector> RunConnector for C {
    async fn begin(&mut self) -> Result<(), SyncError> {
        Connector::begin(self).await
    }

    async fn pull(&mut self, cursor: Option<&str>) -> Result<Page, SyncError> {
        let cursor = cursor.map(decode_cursor::<C::Cursor>).transpose()?;
        let page = Connector::pull(self, cursor).await?;
        Ok(Page {
            records: page
                .records
                .into_iter()
                .map(|r| match r {
                    Pulled::Ready { key, payload } => Pulled::Ready {
                        key,
                        payload: Payload::new(payload),
                    },
                    Pulled::Skipped => Pulled::Skipped,
                    Pulled::Rejected { record, reason } => Pulled::Rejected { record, reason },
                })
                .collect(),
            next_cursor: page.next_cursor.as_ref().map(encode_cursor).transpose()?,
            has_more: page.has_more,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        let typed = changes
            .iter()
            .map(|ch| {
                ch.payload
                    .get::<C::Record>()
                    .map(|r| Change {
                        key: ch.key.clone(),
                        payload: r.clone(),
                    })
                    .ok_or_else(|| {
                        SyncError::Permanent(format!("record {} is not this connector's", ch.key))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Connector::write(self, &typed, dry_run).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p3_string_cursors_are_stored_as_themselves_and_others_as_json() {
        assert_eq!(encode_cursor(&"c-42".to_string()).unwrap(), "c-42");
        assert_eq!(decode_cursor::<String>("c-42").unwrap(), "c-42");
        assert_eq!(encode_cursor(&7usize).unwrap(), "7");
        assert_eq!(decode_cursor::<usize>("7").unwrap(), 7);
        // A cursor stored before typed cursors (a raw string that looks like JSON) still reads.
        assert_eq!(decode_cursor::<String>("123").unwrap(), "123");
        assert!(decode_cursor::<usize>("seven").is_err());
    }
}
