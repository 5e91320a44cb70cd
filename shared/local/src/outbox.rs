use async_trait::async_trait;
use renkei_core::ports::{Email, Notifier, NotifyError};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes each email as an RFC 5322 .eml file into a folder (the embedded stand-in for SES).
pub struct Outbox {
    dir: PathBuf,
    from: String,
    seq: AtomicU64,
}

impl Outbox {
    /// An outbox writing into `dir` (created on first send).
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>) -> Self {
        Self {
            dir: dir.into(),
            from: from.into(),
            seq: AtomicU64::new(0),
        }
    }

    /// The emails written so far, oldest first, as raw .eml text.
    pub fn sent(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    }
}

/// RFC 2047 encoded-word for a non-ASCII header (base64, UTF-8).
fn encode_header(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    use base64::Engine as _;
    let out = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("=?UTF-8?B?{out}?=")
}

#[async_trait]
impl Notifier for Outbox {
    async fn send(&self, email: &Email) -> Result<(), NotifyError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| NotifyError::Unavailable(e.to_string()))?;
        let n = self.seq.fetch_add(1, Ordering::SeqCst);
        let stamp = chrono::Utc::now();
        let name = format!("{}-{n:04}.eml", stamp.format("%Y%m%dT%H%M%S%6f"));
        let text = format!(
            "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
            self.from,
            email.to.join(", "),
            encode_header(&email.subject),
            stamp.to_rfc2822(),
            email.body.replace('\n', "\r\n")
        );
        std::fs::write(self.dir.join(name), text)
            .map_err(|e| NotifyError::Unavailable(e.to_string()))
    }
}
